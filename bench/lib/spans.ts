import type { Attributes, HrTime } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** Spans per trace: span 0 of each trace is the server root, the rest are its children. */
export const SPANS_PER_TRACE = 5;

const resource = resourceFromAttributes({
  'service.name': 'checkout',
  'service.version': '2.14.1',
  'service.namespace': 'shop',
  'deployment.environment.name': 'production',
  'host.name': 'checkout-7d9f8c6b5-x2k4q',
  'process.pid': 4242,
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '2.12.1',
});
const scope = { name: '@opentelemetry/instrumentation-http', version: '0.223.1' };

const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(8, '0').repeat(4).slice(0, width);

function httpServerAttributes(i: number): Attributes {
  return {
    'http.request.method': i % 7 === 0 ? 'POST' : 'GET',
    'http.route': '/api/v1/orders/{id}',
    'http.response.status_code': i % 50 === 0 ? 500 : 200,
    'url.full': `https://shop.example.com/api/v1/orders/${100_000 + i}?expand=items&currency=EUR`,
    'url.path': `/api/v1/orders/${100_000 + i}`,
    'url.scheme': 'https',
    'server.address': 'shop.example.com',
    'server.port': 443,
    'client.address': `10.0.${i % 256}.${(i * 7) % 256}`,
    'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0',
    'network.protocol.version': '1.1',
    'http.request.body.size': 512 + (i % 4096),
    'http.server.request.duration': 0.012 + (i % 1000) / 1e5,
    'user.id': `user-${i % 97}`,
    'session.id': `s-${hex(i * 2654435761, 16)}`,
  };
}

function dbClientAttributes(i: number): Attributes {
  return {
    'db.system.name': 'postgresql',
    'db.namespace': 'orders',
    'db.operation.name': 'SELECT',
    'db.collection.name': 'order_items',
    'db.query.text': 'SELECT id, sku, quantity, price_cents FROM order_items WHERE order_id = $1 ORDER BY id LIMIT $2',
    'db.response.returned_rows': i % 40,
    'db.client.connection.pool.name': 'orders-primary',
    'server.address': 'pg-orders-primary.internal',
    'server.port': 5432,
    'network.peer.address': `10.1.${i % 16}.12`,
    'network.transport': 'tcp',
    'db.client.operation.duration': 0.0021 + (i % 100) / 1e6,
    'db.statement.cached': i % 3 !== 0,
    'thread.name': 'main',
    'code.function.name': 'OrderRepository.findItems',
  };
}

function eventsFor(i: number, t: HrTime): TimedEvent[] {
  if (i % 50 === 0) {
    return [{ name: 'exception', time: t, attributes: { 'exception.type': 'PaymentDeclinedError', 'exception.message': `card declined for order ${100_000 + i}` } }];
  }
  if (i % 10 === 3) return [{ name: 'cache.miss', time: t, attributes: { 'cache.key': `order:${100_000 + i}`, 'cache.ttl_s': 300 } }];
  return [];
}

/**
 * `count` spans of a busy service, 15 attributes each: every trace is an HTTP server root with
 * DB client children; every 50th root fails with an exception event, every 10th span has a
 * cache event. `seed` makes the IDs of different requests distinct. Timestamps are recent.
 */
export function benchSpans(count: number, seed: number): ReadableSpan[] {
  const base = Math.floor(Date.now() / 1000) - 60;
  const spans: ReadableSpan[] = [];
  for (let i = 0; i < count; i++) {
    const n = seed * count + i;
    const root = i % SPANS_PER_TRACE === 0;
    const traceId = hex(0x5b8e0000 + seed, 8) + hex(0x9d030000 + Math.floor(i / SPANS_PER_TRACE) * 2654435761, 24);
    const spanId = hex(0xe0000000 + seed, 8) + hex(i * 40503 + 1, 8);
    const parentId = hex(0xe0000000 + seed, 8) + hex((i - (i % SPANS_PER_TRACE)) * 40503 + 1, 8);
    const start: HrTime = [base + (i % 60), (i * 1_000_003) % 1e9];
    const end: HrTime = [start[0], Math.min(start[1] + (root ? 48_000_000 : 2_100_000), 999_999_999)];
    const failed = root && i % 50 === 0;
    spans.push({
      name: root ? 'GET /api/v1/orders/{id}' : 'SELECT orders.order_items',
      kind: root ? 1 : 2, // API SpanKind: SERVER = 1, CLIENT = 2
      spanContext: () => ({ traceId, spanId, traceFlags: 1 }),
      parentSpanContext: root ? undefined : { traceId, spanId: parentId, traceFlags: 1 },
      startTime: start,
      endTime: end,
      status: failed ? { code: 2, message: 'payment declined' } : { code: 0 },
      attributes: root ? httpServerAttributes(n) : dbClientAttributes(n),
      links: [],
      events: eventsFor(i, start),
      duration: [0, end[1] - start[1]],
      ended: true,
      resource,
      instrumentationScope: scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    });
  }
  return spans;
}
