/**
 * Micro-benchmark of the row encoders, `npx tsx src/exporters/clickhouse/encode.bench.ts` (not a
 * test). Prints CPU µs per record (user + system of this process, GC included) of `encodeSpans`
 * and `encodeLogs` on 1000-record batches with 15 attributes per record:
 * - `encode`: the call alone, on a few batches encoded over and over;
 * - `+ insert body`: then what the exporter does with the text: 20 requests concatenated into
 *   one 20 000-row insert, turned into UTF-8 (as the spool and the engine do);
 * - `pipeline`: the same with a freshly built batch per request (as the decoder hands them over)
 *   and two inserts in flight, so rows age in the heap as they do in the gateway; the CPU spent
 *   building the batches is measured apart and taken off.
 * `BENCH_MS` sets the time per figure (default 2000); `ENCODER=/abs/path/rows.ts` measures another
 * version of rows.ts (with its asString.ts beside it), e.g. one taken from git, for before/after.
 */
import type { AnyValue, Attributes, LogBatch, LogRecord, Span, TraceBatch } from '../../batch/types.ts';
import type { EncodedRows } from './rows.ts';

const { encodeLogs, encodeSpans } = (await import(process.env.ENCODER ?? './rows.ts')) as typeof import('./rows.ts');

const RECORDS = 1000;
const REQUESTS_PER_INSERT = 20;
const budgetMs = Number(process.env.BENCH_MS ?? 2000);

const hex = (n: number, width: number) => (n >>> 0).toString(16).padStart(8, '0').repeat(4).slice(0, width);
const attrs = (entries: Record<string, AnyValue>): Attributes => new Map(Object.entries(entries));

const resource = attrs({
  'service.name': 'checkout',
  'service.version': '2.14.1',
  'service.namespace': 'shop',
  'deployment.environment.name': 'production',
  'host.name': 'checkout-7d9f8c6b5-x2k4q',
  'process.pid': 4242n,
  'telemetry.sdk.language': 'nodejs',
  'telemetry.sdk.name': 'opentelemetry',
  'telemetry.sdk.version': '2.12.1',
});
const scope = { name: '@opentelemetry/instrumentation-http', version: '0.223.1', attributes: new Map(), droppedAttributesCount: 0 };

// Values are built per record (fresh strings, as a decoder hands them over); keys are shared.
function httpServerAttributes(i: number): Attributes {
  return attrs({
    'http.request.method': i % 7 === 0 ? 'POST' : 'GET',
    'http.route': '/api/v1/orders/{id}',
    'http.response.status_code': i % 50 === 0 ? 500n : 200n,
    'url.full': `https://shop.example.com/api/v1/orders/${100_000 + i}?expand=items&currency=EUR`,
    'url.path': `/api/v1/orders/${100_000 + i}`,
    'url.scheme': 'https',
    'server.address': 'shop.example.com',
    'server.port': 443n,
    'client.address': `10.0.${i % 256}.${(i * 7) % 256}`,
    'user_agent.original': `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.${i % 10}`,
    'network.protocol.version': '1.1',
    'http.request.body.size': BigInt(512 + (i % 4096)),
    'http.server.request.duration': 0.012 + (i % 1000) / 1e5,
    'user.id': `user-${i % 97}`,
    'session.id': `s-${hex(i * 2654435761, 16)}`,
  });
}

function dbClientAttributes(i: number): Attributes {
  return attrs({
    'db.system.name': 'postgresql',
    'db.namespace': 'orders',
    'db.operation.name': 'SELECT',
    'db.collection.name': 'order_items',
    'db.query.text': `SELECT id, sku, quantity, price_cents FROM order_items WHERE order_id = $1 ORDER BY id LIMIT $${i % 3}`,
    'db.response.returned_rows': BigInt(i % 40),
    'db.client.connection.pool.name': 'orders-primary',
    'server.address': 'pg-orders-primary.internal',
    'server.port': 5432n,
    'network.peer.address': `10.1.${i % 16}.12`,
    'network.transport': 'tcp',
    'db.client.operation.duration': 0.0021 + (i % 100) / 1e6,
    'db.statement.cached': i % 3 !== 0,
    'thread.name': 'main',
    'code.function.name': 'OrderRepository.findItems',
  });
}

function spanBatch(seed: number): TraceBatch {
  const base = BigInt(Math.floor(Date.now() / 1000) - 60) * 1_000_000_000n;
  const records: Span[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const n = seed * RECORDS + i;
    const root = i % 5 === 0;
    const start = base + BigInt(i * 1_000_003);
    const traceId = hex(0x5b8e0000 + seed, 8) + hex(0x9d030000 + Math.floor(i / 5) * 2654435761, 24);
    records.push({
      traceId,
      spanId: hex(0xe0000000 + seed, 8) + hex(i * 40503 + 1, 8),
      parentSpanId: root ? '' : hex(0xe0000000 + seed, 8) + hex((i - (i % 5)) * 40503 + 1, 8),
      traceState: '',
      flags: 1,
      name: root ? 'GET /api/v1/orders/{id}' : 'SELECT orders.order_items',
      kind: root ? 2 : 3,
      startTimeUnixNano: start,
      endTimeUnixNano: start + (root ? 48_000_000n : 2_100_000n),
      attributes: root ? httpServerAttributes(n) : dbClientAttributes(n),
      droppedAttributesCount: 0,
      events:
        i % 50 === 0
          ? [{ timeUnixNano: start, name: 'exception', droppedAttributesCount: 0, attributes: attrs({ 'exception.type': 'PaymentDeclinedError', 'exception.message': `card declined for order ${100_000 + n}` }) }]
          : i % 10 === 3
            ? [{ timeUnixNano: start, name: 'cache.miss', droppedAttributesCount: 0, attributes: attrs({ 'cache.key': `order:${100_000 + n}`, 'cache.ttl_s': 300n }) }]
            : [],
      droppedEventsCount: 0,
      links: [],
      droppedLinksCount: 0,
      status: root && i % 50 === 0 ? { code: 2, message: 'payment declined' } : { code: 0, message: '' },
    });
  }
  return { signal: 'traces', resources: [{ resource: { attributes: resource, droppedAttributesCount: 0 }, schemaUrl: '', scopes: [{ scope, schemaUrl: '', records }] }] };
}

function logBatch(seed: number): LogBatch {
  const base = BigInt(Math.floor(Date.now() / 1000) - 60) * 1_000_000_000n;
  const records: LogRecord[] = [];
  for (let i = 0; i < RECORDS; i++) {
    const n = seed * RECORDS + i;
    const time = base + BigInt(i * 1_000_003);
    records.push({
      timeUnixNano: i % 4 === 0 ? 0n : time,
      observedTimeUnixNano: time + 1000n,
      severityNumber: i % 50 === 0 ? 17 : 9,
      severityText: i % 50 === 0 ? 'ERROR' : 'INFO',
      body: `order ${100_000 + n} placed: 3 items, total 42.50 EUR, customer user-${n % 97} (session s-${hex(n * 2654435761, 16)})`,
      attributes: i % 2 === 0 ? httpServerAttributes(n) : dbClientAttributes(n),
      droppedAttributesCount: 0,
      flags: 1,
      traceId: hex(0x5b8e0000 + seed, 8) + hex(0x9d030000 + i * 2654435761, 24),
      spanId: hex(0xe0000000 + seed, 8) + hex(i * 40503 + 1, 8),
      eventName: '',
    });
  }
  return { signal: 'logs', resources: [{ resource: { attributes: resource, droppedAttributesCount: 0 }, schemaUrl: 'https://opentelemetry.io/schemas/1.26.0', scopes: [{ scope, schemaUrl: '', records }] }] };
}

let sink = 0;

/** CPU µs per record of `work` (which handles `records` records per call), after a warm-up. */
function cpuPerRecord(records: number, work: (i: number) => void): number {
  for (let i = 0; i < 50; i++) work(i);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let i = 0;
  while (performance.now() - t0 < budgetMs) work(i++);
  const cpu = process.cpuUsage(cpu0);
  return (cpu.user + cpu.system) / (i * records);
}

function report<B>(name: string, build: (seed: number) => B, encode: (batch: B) => EncodedRows): void {
  // Several distinct batches so no string is reused by luck across iterations.
  const batches = [0, 1, 2, 3].map(build);
  const alone = cpuPerRecord(RECORDS, (i) => {
    sink += encode(batches[i % batches.length]).rows;
  });
  const withInsert = cpuPerRecord(RECORDS * REQUESTS_PER_INSERT, (i) => {
    let body = '';
    for (let r = 0; r < REQUESTS_PER_INSERT; r++) body += encode(batches[(i + r) % batches.length]).body;
    sink += Buffer.from(body).length;
  });
  const inFlight: Buffer[] = [];
  let seed = 0;
  const pipeline = cpuPerRecord(RECORDS * REQUESTS_PER_INSERT, () => {
    let body = '';
    for (let r = 0; r < REQUESTS_PER_INSERT; r++) body += encode(build(seed++ % 1000)).body;
    inFlight.push(Buffer.from(body));
    if (inFlight.length > 2) sink += inFlight.shift()!.length;
  });
  const building = cpuPerRecord(RECORDS, () => {
    sink += (build(seed++ % 1000) as { resources: unknown[] }).resources.length;
  });
  const bytes = Buffer.byteLength(encode(batches[0]).body) / RECORDS;
  const us = (n: number, width: number) => n.toFixed(2).padStart(width);
  console.log(`${name.padEnd(12)}${us(alone, 8)}${us(withInsert, 15)}${us(pipeline - building, 10)}${bytes.toFixed(0).padStart(8)}`);
}

console.log(`${process.env.ENCODER ?? 'rows.ts'}, CPU µs per record`);
console.log('              encode  + insert body  pipeline  B/row');
report('encodeSpans', spanBatch, encodeSpans);
report('encodeLogs', logBatch, encodeLogs);
if (sink < 0) console.log(sink);
