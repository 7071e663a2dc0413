/**
 * The event catalog at ingest (issue 20, points 1–2): registry YAML loaded at start (an invalid one
 * stops the start naming file, line and field), reloaded on change (a broken change is rejected and
 * counted, the catalog in force stays); log events in a catalogued namespace checked: `observe` tags
 * them with their violations, `enforce` drops them; each violation counted per event and reason.
 */
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';

const data = tempDataDir();
const catalogFile = join(data.dir, 'shop.yaml');
copyFileSync('test/fixtures/catalog/shop.yaml', catalogFile);
let gateway: Gateway;

let seq = 0;
/** One log record of event `name` with `attributes`, tagged with a unique marker. */
function event(name: string, attributes: Record<string, string | number | boolean>) {
  const marker = `m-${++seq}`;
  const now = BigInt(Date.now()) * 1_000_000n;
  const value = (v: string | number | boolean) =>
    typeof v === 'string' ? { stringValue: v } : typeof v === 'boolean' ? { boolValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  const body = JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] }, scopeLogs: [{ logRecords: [{
    timeUnixNano: String(now), severityNumber: 9, eventName: name, body: { stringValue: marker },
    attributes: Object.entries(attributes).map(([key, v]) => ({ key, value: value(v) })),
  }] }] }] });
  return { marker, send: () => fetch(`${gateway.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body }) };
}

async function stored(marker: string) {
  const found = await rows<{ v: string }>(gateway, `SELECT LogAttributes['otelhouse.schema.violations'] AS v FROM otel_logs WHERE Body = '${marker}'`);
  return found.length === 0 ? 'dropped' : found[0]!.v ? (JSON.parse(found[0]!.v) as string[]) : [];
}

const metric = async (line: string) => Number(new RegExp(`^${line.replace(/[{}()."]/g, '\\$&')} (\\d+)$`, 'm').exec(await (await fetch(`${gateway.url}/metrics`)).text())?.[1] ?? 0);

const valid = { 'shop.cart.id': 'c-1', 'shop.cart.total': 59.9, 'shop.payment.method': 'card' };
const HASH_SECRET = 'catalog-test-hash-secret-of-32-characters';
/** The default chain, with the hash secret the catalog's `pii: hash` needs; sampling at `percentage`. */
const chain = (percentage = 100) => [{ type: 'redaction', hashSecret: HASH_SECRET }, { type: 'debugsessions' }, { type: 'sampling', percentage }];

describe('observe mode', () => {
  beforeAll(async () => {
    gateway = await startGateway({ dataDir: data.dir, processors: chain(), catalog: { files: [catalogFile], reloadCheckMs: 100 } });
  });

  it('keeps every event, tagging those that break their entry with what they break', async () => {
    const cases = [
      [event('shop.cart.checkout', valid), []],
      [event('shop.cart.checkout', { 'shop.cart.total': 'free', 'shop.payment.method': 'cash' }), ['missing_required:shop.cart.id', 'wrong_type:shop.cart.total', 'enum_value:shop.payment.method']],
      [event('shop.cart.chekout', valid), ['unknown_event']],
      [event('browser.page_view', {}), []],
    ] as const;
    for (const [e] of cases) expect((await e.send()).status).toBe(200);
    for (const [e, violations] of cases) expect(await stored(e.marker)).toEqual(violations);
    expect(await metric('otelhouse_catalog_violations_total{event="shop.cart.checkout",reason="missing_required"}')).toBe(1);
    expect(await metric('otelhouse_catalog_violations_total{event="shop.cart.checkout",reason="wrong_type"}')).toBe(1);
    expect(await metric('otelhouse_catalog_violations_total{event="shop.cart.checkout",reason="enum_value"}')).toBe(1);
    expect(await metric('otelhouse_catalog_violations_total{event="shop.cart.chekout",reason="unknown_event"}')).toBe(1);
  });

  it('applies a change of the catalog file that validates, and keeps the catalog in force over one that does not', async () => {
    const text = readFileSync(catalogFile, 'utf8');
    // A new enum member, and the cart id masked from now on.
    writeFileSync(catalogFile, text
      .replace('            - id: paypal\n              value: paypal', '            - id: paypal\n              value: paypal\n            - id: cash\n              value: cash')
      .replace('      - id: shop.cart.id\n        type: string\n', '      - id: shop.cart.id\n        type: string\n        annotations:\n          otelhouse:\n            pii: mask\n'));
    await expect.poll(() => metric('otelhouse_catalog_reloads_total{outcome="applied"}'), { timeout: 10_000 }).toBe(1);
    const cash = event('shop.cart.checkout', { ...valid, 'shop.payment.method': 'cash' });
    expect((await cash.send()).status).toBe(200);
    expect(await stored(cash.marker)).toEqual([]);
    const [masked] = await rows<{ id: string }>(gateway, `SELECT LogAttributes['shop.cart.id'] AS id FROM otel_logs WHERE Body = '${cash.marker}'`);
    expect(masked!.id).toBe('****');

    writeFileSync(catalogFile, `${text}\n  - id: broken\n    type: event\n    attributes: [{ id: x.y }]\n`);
    await expect.poll(() => metric('otelhouse_catalog_reloads_total{outcome="rejected"}'), { timeout: 10_000 }).toBe(1);
    const still = event('shop.cart.checkout', { ...valid, 'shop.payment.method': 'cash' });
    expect((await still.send()).status).toBe(200);
    expect(await stored(still.marker)).toEqual([]);
    writeFileSync(catalogFile, text);
    await expect.poll(() => metric('otelhouse_catalog_reloads_total{outcome="applied"}'), { timeout: 10_000 }).toBe(2);
  });

  afterAll(() => gateway.shutdown());
});

describe('enforce mode', () => {
  beforeAll(async () => {
    gateway = await startGateway({ dataDir: data.dir, processors: chain(), catalog: { files: [catalogFile], mode: 'enforce' } });
  });
  afterAll(async () => {
    await gateway.shutdown();
    data.remove();
  });

  it('drops the events that break their entry, counted, and stores the others untagged', async () => {
    const ok = event('shop.cart.checkout', valid);
    const bad = event('shop.search', { 'shop.search.query_length': 'long' });
    const other = event('checkout.v2', { anything: 1 });
    for (const e of [ok, bad, other]) expect((await e.send()).status).toBe(200);
    expect(await stored(ok.marker)).toEqual([]);
    expect(await stored(other.marker)).toEqual([]);
    expect(await stored(bad.marker)).toBe('dropped');
    expect(await metric('otelhouse_catalog_violations_total{event="shop.search",reason="wrong_type"}')).toBe(1);
    expect(await metric('otelhouse_processor_dropped_total{processor="catalog",signal="logs",reason="schema"}')).toBe(1);
  });

  it('refuses to start when the catalog hashes an attribute and redaction has no hash secret', async () => {
    const other = tempDataDir();
    try {
      await expect(startGateway({ dataDir: other.dir, catalog: { files: [catalogFile] } })).rejects.toThrow('catalog: attribute shop.customer.email is annotated otelhouse.pii: hash, which needs processors[0].hashSecret');
    } finally {
      other.remove();
    }
  });

  it('refuses to start with a catalog that does not validate, naming the file, line and field', async () => {
    const broken = join(data.dir, 'broken.yaml');
    writeFileSync(broken, 'groups:\n  - id: e\n    type: event\n    name: shop.x\n    attributes:\n      - ref: shop.nope\n');
    const other = tempDataDir();
    try {
      await expect(startGateway({ dataDir: other.dir, catalog: { files: [broken] } })).rejects.toThrow(`${broken}:6: groups[0].attributes[0].ref: no attribute shop.nope in the catalog's attribute groups`);
    } finally {
      other.remove();
    }
  });
});

describe('the catalog\'s annotations, in the existing processors', () => {
  const data2 = tempDataDir();
  beforeAll(async () => {
    // Sampling keeps nothing by default: only the catalog's rules keep events.
    gateway = await startGateway({ dataDir: data2.dir, processors: chain(0), catalog: { files: ['test/fixtures/catalog/shop.yaml'] } });
  });
  afterAll(async () => {
    await gateway.shutdown();
    data2.remove();
  });

  it('hashes an attribute annotated pii: hash, keeps keep_always events and samples an event at its percentage', async () => {
    const checkout = event('shop.cart.checkout', { ...valid, 'shop.customer.email': 'Jane@Example.com' });
    expect((await checkout.send()).status).toBe(200);
    const searches = Array.from({ length: 300 }, () => event('shop.search', { 'shop.search.query_length': 4 }));
    for (const s of searches) expect((await s.send()).status).toBe(200);
    const other = event('shop.cart.view', {});
    expect((await other.send()).status).toBe(200);

    const [row] = await rows<{ email: string; rules: string }>(gateway, `SELECT LogAttributes['shop.customer.email'] AS email, LogAttributes['otelhouse.redaction.rules'] AS rules FROM otel_logs WHERE Body = '${checkout.marker}'`);
    expect(row!.email).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(JSON.parse(row!.rules)).toEqual(['key_hash']);
    const kept = Number((await rows<{ n: string }>(gateway, "SELECT count() AS n FROM otel_logs WHERE EventName = 'shop.search'"))[0]!.n);
    expect(kept).toBeGreaterThan(10); // 10 % of 300, by each record's randomness
    expect(kept).toBeLessThan(60);
    expect(await stored(other.marker)).toBe('dropped'); // an uncatalogued event at the chain's 0 %
  });
});
