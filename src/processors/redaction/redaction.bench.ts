/**
 * Micro-benchmark of the redaction processor (not a test): CPU µs per span (user + system, GC
 * included) on 1000-span batches of 15 realistic attributes (http.*, url.*, db.*, user agents,
 * IDs, numbers; fresh strings per span, as a decoder hands them over), on clean data and with ~5%
 * of the string values replaced by PII or a secret. A reference line gives the cost of merely
 * iterating the same attributes, to tell the redaction's share from the machine's speed.
 *
 *   npx tsx src/processors/redaction/redaction.bench.ts      (BENCH_MS sets the time per figure)
 */
import type { AnyValue, Attributes, Span, TraceBatch } from '../../batch/types.ts';
import { redactionFactory } from './redaction.ts';

const SPANS = 1000;
const budgetMs = Number(process.env.BENCH_MS ?? 3000);
const PII = [
  'jane.doe@example.com',
  'paid with 4242 4242 4242 4242',
  '203.0.113.77',
  'Bearer Ab3dE6gH9jK2mN5pQ8rS',
  'https://api.example.com/v1/login?user=jane&token=9f8e7d6c5b4a',
  'call me at +44 20 7946 0958',
  'ssn 078-05-1121 on file',
];

let seed = 7;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)];
const hex = (n: number) => Array.from({ length: n }, () => '0123456789abcdef'[Math.floor(random() * 16)]).join('');
/** A fresh (non-interned) copy, like the strings a decoder produces. */
const fresh = (s: string): string => JSON.parse(JSON.stringify(s));
const attrs = (entries: Record<string, AnyValue>): Attributes => new Map(Object.entries(entries));

const USER_AGENTS = Array.from({ length: 10 }, (_, i) =>
  `Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_${i}) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.${6478 + i}.${60 + i} Safari/537.36`);
const QUERIES = [
  'SELECT id, sku, quantity, price_cents FROM order_items WHERE order_id = $1 ORDER BY id',
  'UPDATE orders SET status = $1, updated_at = now() WHERE id = $2',
  'SELECT * FROM customers WHERE id = $1 LIMIT 1',
];

function httpServer(i: number): Attributes {
  return attrs({
    'http.request.method': fresh(i % 7 === 0 ? 'POST' : 'GET'),
    'http.route': fresh('/api/v1/orders/{id}'),
    'http.response.status_code': i % 50 === 0 ? 500n : 200n,
    'url.full': `https://shop.example.com/api/v1/orders/${100_000 + i}?expand=items&currency=EUR`,
    'url.path': `/api/v1/orders/${100_000 + i}`,
    'url.scheme': fresh('https'),
    'server.address': fresh('shop.example.com'),
    'server.port': 443n,
    'client.address': fresh('edge-proxy-3.internal'),
    'user_agent.original': fresh(pick(USER_AGENTS)),
    'network.protocol.version': fresh('1.1'),
    'http.request.body.size': BigInt(512 + (i % 4096)),
    'http.server.request.duration': 0.012 + (i % 1000) / 1e5,
    'user.id': `user-${i % 97}`,
    'session.id': hex(16),
  });
}

function dbClient(i: number): Attributes {
  return attrs({
    'db.system.name': fresh('postgresql'),
    'db.namespace': fresh('orders'),
    'db.operation.name': fresh('SELECT'),
    'db.collection.name': fresh('order_items'),
    'db.query.text': fresh(pick(QUERIES)),
    'db.response.returned_rows': BigInt(i % 40),
    'db.client.connection.pool.name': fresh('orders-primary'),
    'server.address': fresh('pg-orders-primary.internal'),
    'server.port': 5432n,
    'network.peer.address': fresh('pg-orders-primary.internal'),
    'network.transport': fresh('tcp'),
    'db.client.operation.duration': 0.0021 + (i % 100) / 1e6,
    'db.statement.cached': i % 3 !== 0,
    'thread.name': fresh('main'),
    'code.function.name': fresh('OrderRepository.findItems'),
  });
}

function batch(piiRate: number): TraceBatch {
  const records: Span[] = [];
  for (let i = 0; i < SPANS; i++) {
    const root = i % 5 === 0;
    const attributes = root ? httpServer(i) : dbClient(i);
    for (const [key, value] of attributes) if (typeof value === 'string' && random() < piiRate) attributes.set(key, fresh(pick(PII)));
    records.push({
      traceId: hex(32), spanId: hex(16), traceState: '', parentSpanId: root ? '' : hex(16), flags: 1,
      name: fresh(root ? 'GET /api/v1/orders/{id}' : 'SELECT orders.order_items'), kind: root ? 2 : 3,
      startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes, droppedAttributesCount: 0,
      events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
    });
  }
  const resource = attrs({ 'service.name': 'checkout', 'service.version': '2.14.1', 'deployment.environment.name': 'production' });
  const scope = { name: '@opentelemetry/instrumentation-http', version: '0.223.1', attributes: new Map(), droppedAttributesCount: 0 };
  return { signal: 'traces', resources: [{ resource: { attributes: resource, droppedAttributesCount: 0 }, schemaUrl: '', scopes: [{ scope, schemaUrl: '', records }] }] };
}

/**
 * CPU µs per span of `work`, over fresh batches built before the clock starts (so neither their
 * construction nor its garbage is counted), after a warm-up on other batches.
 */
function cpuPerSpan(piiRate: number, work: (b: TraceBatch) => void): number {
  for (let i = 0; i < 20; i++) work(batch(piiRate)); // warm-up
  let cpu = 0;
  let batches = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    const round = Array.from({ length: 20 }, () => batch(piiRate));
    const c0 = process.cpuUsage();
    for (const b of round) work(b);
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
    batches += round.length;
  }
  return cpu / (batches * SPANS);
}

const processor = redactionFactory.create('redaction', redactionFactory.parse({}));
const report = { drop() {}, count() {} };
let sink = 0;
const iterate = (b: TraceBatch) => {
  for (const span of b.resources[0].scopes[0].records) span.attributes.forEach((v, k) => (sink += k.length + (typeof v === "string" ? v.length : 1)));
};

// Let the JIT settle on both kinds of data before measuring either.
for (let i = 0; i < 20; i++) processor.process(batch(i % 2 ? 0.05 : 0), report);

const rows: Array<[string, number]> = [
  ['clean', cpuPerSpan(0, (b) => processor.process(b, report))],
  ['~5% PII', cpuPerSpan(0.05, (b) => processor.process(b, report))],
  ['reference: iterate only', cpuPerSpan(0, iterate)],
];
for (const [label, us] of rows) console.log(`${label.padEnd(24)} ${us.toFixed(2).padStart(6)} µs/span  (${SPANS}-span batches, 15 attributes per span)`);
if (sink < 0) console.log(sink);
