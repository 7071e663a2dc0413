import { randomUUID } from 'node:crypto';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { corpus } from '../src/processors/redaction/fixtures/corpus.ts';
import { appBundle } from './support/appBundle.ts';
import { launchChromium, servePage } from './support/browser.ts';
import { rows, startGateway } from './support/gateway.ts';
import { leakedSecrets, lookalikesIn, redacted as expected } from './support/leaks.ts';

// Client-side redaction in Chromium (issue 14, point 1), the gateway's own redaction turned off:
// the corpus goes through the SDK (an app's bundle of `otelhouse/sdk` with `otelhouse/sdk/redaction`)
// while the page is offline; IndexedDB then holds no secret, and once the page is back online
// ClickHouse stores exactly what the gateway's engine makes of each case.

const TOKEN = 'pk_sdk_browser_redaction_0123';
let gateway: Gateway;
let browser: Browser;
let page: { origin: string; close: () => Promise<void> };
const service = `web-redaction-${randomUUID()}`;
let idb = '';
type Row = Record<string, string>;
let logs: Row[] = [];

const hits = corpus.filter((c) => c.expected !== null);
const misses = corpus.filter((c) => c.expected === null);

beforeAll(async () => {
  const sdk = (await appBundle(['otelhouse/sdk', 'otelhouse/sdk/redaction'], { format: 'iife' })).text;
  page = await servePage(`<!doctype html><title>shop</title><script>${sdk.replace(/<\/script/g, '<\\/script')}</script>`);
  gateway = await startGateway({ auth: { clientTokens: [{ name: 'web', token: TOKEN, origins: [page.origin] }] }, processors: [{ type: 'debugsessions' }, { type: 'sampling' }] });
  browser = await launchChromium();
  const context = await browser.newContext();
  const tab = await context.newPage();
  await tab.goto(page.origin);
  await tab.evaluate(async ({ endpoint, token, service }) => {
    const o = (window as any).otelhouse;
    await o.init({ endpoint, token, service, batchDelayMs: 50, redaction: o.redaction() });
    for (let i = 0; i < 200 && !o.health().config.etag; i++) await new Promise((r) => setTimeout(r, 50));
  }, { endpoint: gateway.url, token: TOKEN, service });
  expect(await tab.evaluate(() => (window as any).otelhouse.health().config.etag)).toBeTruthy();
  // Offline: everything made now waits in IndexedDB.
  await context.setOffline(true);
  await tab.evaluate(({ texts }) => {
    const o = (window as any).otelhouse;
    texts.forEach((text: string, i: number) => {
      o.addBreadcrumb({ category: 'note', message: text });
      o.log('info', text, { 'case.id': i, 'case.place': 'body' });
      o.log('info', `attribute ${i}`, { 'case.id': i, 'case.place': 'attribute', 'app.note': text });
      o.captureException(new TypeError(text), { attributes: { 'case.id': i, 'case.place': 'exception' } });
    });
    o.log('warn', 'callback', { 'case.place': 'url', 'url.full': `${location.origin}/cb?access_token=abc123def&email=jane%40example.com&page=2` });
  }, { texts: corpus.map((c) => c.text) });
  await tab.evaluate(async () => {
    const o = (window as any).otelhouse;
    for (let i = 0; i < 200 && o.health().unsavedRecords > 0; i++) await new Promise((r) => setTimeout(r, 25));
  });
  idb = await tab.evaluate(async () => {
    const texts: string[] = [];
    for (const info of await indexedDB.databases()) {
      const db = await new Promise<IDBDatabase>((resolve, reject) => {
        const open = indexedDB.open(info.name!);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      for (const name of Array.from(db.objectStoreNames)) {
        const all = await new Promise<unknown[]>((resolve, reject) => {
          const get = db.transaction(name).objectStore(name).getAll();
          get.onsuccess = () => resolve(get.result);
          get.onerror = () => reject(get.error);
        });
        texts.push(JSON.stringify(all));
      }
      db.close();
    }
    return texts.join('\n');
  });
  await context.setOffline(false);
  expect(await tab.evaluate(() => (window as any).otelhouse.flush(30_000))).toBe(true);
  logs = await rows<Row>(gateway, `SELECT Body AS body, LogAttributes['case.id'] AS id, LogAttributes['case.place'] AS place, LogAttributes['app.note'] AS note,
    LogAttributes['exception.message'] AS message, LogAttributes['exception.stacktrace'] AS stack, LogAttributes['url.full'] AS url,
    LogAttributes['otelhouse.breadcrumbs'] AS crumbs
    FROM otel_logs WHERE ServiceName = '${service}'`);
  await context.close();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.shutdown();
  await page?.close();
});

const place = (p: string) => new Map(logs.filter((r) => r.place === p).map((r) => [Number(r.id), r]));

describe('the browser SDK with client-side redaction (gateway redaction off)', () => {
  it('keeps no secret in IndexedDB, and the look-alikes as they were', () => {
    expect(idb.length).toBeGreaterThan(100_000);
    expect(lookalikesIn(idb)).toEqual(misses.map((c) => c.text));
    expect(leakedSecrets(idb)).toEqual([]);
  });

  it('stores exactly what the gateway engine makes of each case in bodies, attributes, exception messages and stacks', () => {
    const [bodies, attributes, errors] = [place('body'), place('attribute'), place('exception')];
    expect([bodies.size, attributes.size, errors.size]).toEqual([corpus.length, corpus.length, corpus.length]);
    corpus.forEach((c, i) => {
      expect([c.text, bodies.get(i)!.body, attributes.get(i)!.note, errors.get(i)!.message]).toEqual([c.text, expected(c), expected(c), expected(c)]);
      expect([c.text, errors.get(i)!.stack.startsWith(`TypeError: ${expected(c)}`)]).toEqual([c.text, true]);
    });
  });

  it('in the breadcrumbs attached to each error', () => {
    const errors = place('exception');
    const crumbs = [...errors.values()].map((r) => r.crumbs).join('\n');
    // The last 100 notes travel with each error: every case is in some error's breadcrumbs.
    expect(crumbs).toContain('"category":"note"');
    expect(leakedSecrets(crumbs)).toEqual([]);
    // One string of many crumbs: a finding may reach across two of them (over-redaction, the safe
    // side), so look-alikes are checked by number here, one by one in the places above.
    expect(lookalikesIn(crumbs).length).toBeGreaterThan(misses.length / 2);
  });

  it('takes tokens and emails out of URLs, keeping the rest of the query', () => {
    const url = logs.find((r) => r.place === 'url')!.url;
    expect(url).toMatch(/\/cb\?access_token=.+&email=.+&page=2$/);
    expect(url).not.toMatch(/abc123def|jane/);
  });
});
