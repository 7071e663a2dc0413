import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { corpus } from '../src/processors/redaction/fixtures/corpus.ts';
import * as sdk from '../src/sdk/node/index.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { leakedSecrets, lookalikesIn, redacted as expected } from './support/leaks.ts';

// Client-side redaction (issue 14, point 1), in Node against the real gateway with its own
// redaction turned off: the corpus of secrets and look-alikes goes through the SDK in every place a
// record carries text; the records written ahead on disk and the rows in ClickHouse hold exactly
// what the gateway's engine makes of each (secrets replaced, look-alikes intact).

const INGEST = 'sdk-redaction-ingest';
let gateway: Gateway;
const data = tempDataDir('otelhouse-sdk-redaction-');
const service = `redaction-${randomUUID()}`;
/** What was written ahead before anything was sent: every file of the SDK's data directory. */
let onDisk = '';
type Row = Record<string, string>;
let logs: Row[] = [];
let spans: Row[] = [];

const hits = corpus.filter((c) => c.expected !== null);
const misses = corpus.filter((c) => c.expected === null);

class CheckoutError extends Error {}

beforeAll(async () => {
  // The gateway redacts nothing itself: only the SDK can have replaced what is stored.
  gateway = await startGateway({ auth: { ingestTokens: [INGEST] }, processors: [{ type: 'debugsessions' }, { type: 'sampling' }] });
  // A minute between batches: the records wait on disk until the flush below.
  await sdk.init({ endpoint: gateway.url, token: INGEST, service, dataDir: data.dir, batchDelayMs: 60_000, handleProcessEvents: false, resource: { 'user.email': 'jane@example.com', 'app.team': 'checkout' } });
  const deadline = Date.now() + 20_000;
  while (sdk.health().config.etag === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

  corpus.forEach((c, i) => {
    sdk.log('info', c.text, { 'case.id': i, 'case.place': 'body' });
    sdk.log('info', `attribute ${i}`, { 'case.id': i, 'case.place': 'attribute', 'app.note': c.text, 'app.context': { nested: [c.text] } });
    sdk.captureException(new CheckoutError(c.text), { attributes: { 'case.id': i, 'case.place': 'exception' } });
    sdk.trace(`checkout ${i}`, (span) => {
      span.setAttribute('case.id', i);
      span.setAttribute('app.note', c.text);
      span.addEvent('step', { 'app.note': c.text });
    });
  });
  sdk.log('info', 'callback', {
    'case.place': 'url',
    'url.full': 'https://u:hunter2@shop.example/cb?token=abc123&email=jane%40example.com&page=2&order=4242-17',
    'url.query': 'password=s3cret&sort=asc',
  });
  const saved = Date.now() + 5_000;
  while (sdk.health().unsavedRecords > 0 && Date.now() < saved) await new Promise((r) => setTimeout(r, 20));
  onDisk = readdirSync(data.dir, { recursive: true, encoding: 'utf8' })
    .map((f) => { try { return readFileSync(join(data.dir, f), 'utf8'); } catch { return ''; } })
    .join('\n');
  expect(await sdk.flush(30_000)).toBe(true);
  logs = await rows<Row>(gateway, `SELECT Body AS body, LogAttributes['case.id'] AS id, LogAttributes['case.place'] AS place, LogAttributes['app.note'] AS note,
    LogAttributes['app.context'] AS context, LogAttributes['exception.message'] AS message, LogAttributes['exception.stacktrace'] AS stack,
    LogAttributes['url.full'] AS url, LogAttributes['url.query'] AS query, LogAttributes['otelhouse.redaction.count'] AS count,
    ResourceAttributes['user.email'] AS email, ResourceAttributes['app.team'] AS team
    FROM otel_logs WHERE ServiceName = '${service}'`);
  spans = await rows<Row>(gateway, `SELECT SpanAttributes['case.id'] AS id, SpanAttributes['app.note'] AS note, Events.Attributes[1]['app.note'] AS event
    FROM otel_traces WHERE ServiceName = '${service}'`);
}, 120_000);

afterAll(async () => {
  await sdk.shutdown(1000);
  await gateway?.shutdown();
  data.remove();
});

const place = (p: string) => new Map(logs.filter((r) => r.place === p).map((r) => [Number(r.id), r]));

describe('records redacted by the SDK with the rules /v1/config serves (gateway redaction off)', () => {
  it('served the rules, and the corpus is the one the gateway tests', () => {
    expect(hits.length).toBeGreaterThanOrEqual(100);
    expect(misses.length).toBeGreaterThanOrEqual(80);
    expect(Object.values(sdk.health().redacted).reduce((a, b) => a + b, 0)).toBeGreaterThan(hits.length * 5);
  });

  it('keeps no secret in the records written ahead on disk, and every look-alike', () => {
    expect(onDisk.length).toBeGreaterThan(100_000);
    expect(leakedSecrets(onDisk)).toEqual([]);
    // What the check looks for is there before redaction: the look-alikes themselves.
    expect(lookalikesIn(onDisk)).toEqual(misses.map((c) => c.text));
  });

  it('stores exactly what the gateway engine makes of each case: in log bodies, attributes and nested attributes', () => {
    const bodies = place('body');
    const attributes = place('attribute');
    expect(bodies.size).toBe(corpus.length);
    expect(attributes.size).toBe(corpus.length);
    corpus.forEach((c, i) => {
      expect([c.text, bodies.get(i)!.body]).toEqual([c.text, expected(c)]);
      expect([c.text, attributes.get(i)!.note]).toEqual([c.text, expected(c)]);
      expect([c.text, JSON.parse(attributes.get(i)!.context)]).toEqual([c.text, { nested: [expected(c)] }]);
      // A redacted record says how many findings it lost (the gateway adds its own to the count).
      expect([c.text, bodies.get(i)!.count === '' ? 0 : Number(bodies.get(i)!.count) >= 1 ? 1 : -1]).toEqual([c.text, c.expected === null ? 0 : 1]);
    });
  });

  it('in exception messages and stack traces', () => {
    const errors = place('exception');
    expect(errors.size).toBe(corpus.length);
    corpus.forEach((c, i) => {
      const row = errors.get(i)!;
      expect([c.text, row.message]).toEqual([c.text, expected(c)]);
      expect([c.text, row.stack.startsWith(`Error: ${expected(c)}`) || row.stack.startsWith(`CheckoutError: ${expected(c)}`)]).toEqual([c.text, true]);
    });
  });

  it('in span attributes and span event attributes', () => {
    const byId = new Map(spans.map((r) => [Number(r.id), r]));
    expect(byId.size).toBe(corpus.length);
    corpus.forEach((c, i) => expect([c.text, byId.get(i)!.note, byId.get(i)!.event]).toEqual([c.text, expected(c), expected(c)]));
  });

  it('in the resource the app set', () => {
    expect(new Set(logs.map((r) => `${r.email} ${r.team}`))).toEqual(new Set(['[email] checkout']));
  });

  it('in URLs and query strings: credentials and denylisted parameters go, the rest stays', () => {
    const [row] = logs.filter((r) => r.place === 'url');
    expect(row!.url).not.toMatch(/hunter2|abc123|jane/);
    expect(row!.url).toContain('page=2');
    expect(row!.url).toContain('order=4242-17');
    expect(row!.query).not.toContain('s3cret');
    expect(row!.query).toContain('sort=asc');
  });
});
