import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { makeSpan } from './sdk-records.ts';

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, '0').slice(-width);
}

/**
 * `count` realistic server spans with 15 attributes each (HTTP semconv: strings short and long,
 * ints, a double, a bool), unique IDs and timestamps — the shape of a busy service's export.
 */
export function benchSpans(count: number): ReadableSpan[] {
  const spans: ReadableSpan[] = [];
  for (let i = 0; i < count; i++) {
    spans.push(
      makeSpan({
        traceId: hex(0x5b8efff7 + i, 8).repeat(4),
        spanId: hex(0xeee19b7e + i * 7, 8).repeat(2),
        parentSpanId: hex(0xa1b2c3d4 + i, 8).repeat(2),
        name: `GET /api/v1/orders/{id}`,
        kind: 1,
        start: [1_700_000_000 + i, 123_456_789],
        end: [1_700_000_000 + i, 223_456_789],
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/api/v1/orders/{id}',
          'http.response.status_code': 200,
          'url.full': `https://shop.example.com/api/v1/orders/${100_000 + i}?expand=items&currency=EUR`,
          'url.scheme': 'https',
          'server.address': 'shop.example.com',
          'server.port': 443,
          'client.address': `10.0.${i % 256}.${(i * 7) % 256}`,
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)',
          'network.protocol.version': '1.1',
          'http.request.body.size': 512 + i,
          'http.server.request.duration': 0.1 + i / 1e6,
          'otelhouse.sampled': true,
          'enduser.id': `user-${i % 97}`,
          'session.id': `s-${hex(i * 2654435761, 8)}`,
        },
      }),
    );
  }
  return spans;
}
