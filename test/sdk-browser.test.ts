import { randomUUID } from 'node:crypto';
import { build } from 'esbuild';
import { createServer, type Server } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { appBundle } from './support/appBundle.ts';
import { launchChromium } from './support/browser.ts';
import { rows, startGateway } from './support/gateway.ts';

// The browser SDK in real headless Chromium (issue 13, points 1, 3, 4, 5, 6, 7, 9, 10, 11; dedicated and service workers too): a page on one origin
// sends to the gateway on another with a client token; records are written ahead to IndexedDB, so
// a crashed tab's records are delivered by the next page of the origin, once.

const TOKEN = 'pk_sdk_browser_0123456789';
const ADMIN = 'sdk-browser-admin-token';
let gateway: Gateway;
let browser: Browser;
let pageServer: Server;
let origin: string;

beforeAll(async () => {
  // As an app's bundler builds it: `otelhouse/sdk`, the package's browser entry point.
  const sdk = (await appBundle('otelhouse/sdk', { format: 'iife' })).text;
  pageServer = createServer((req, res) => {
    if (req.url === '/sdk.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    if (req.url === '/sw.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(SERVICE_WORKER);
    if (req.url === '/app.min.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(appScript);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><script src="/sdk.js"></script>');
  });
  await new Promise<void>((r) => pageServer.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}`;
  gateway = await startGateway({ auth: { clientTokens: [{ name: 'app', token: TOKEN, origins: [origin] }], adminTokens: [ADMIN] } });
  gateway.app.server.on('request', (req) => received.push({ method: req.method ?? '', url: req.url ?? '', type: String(req.headers['content-type'] ?? ''), length: Number(req.headers['content-length'] ?? 0), at: Date.now() }));
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.shutdown();
  await new Promise((r) => pageServer?.close(r));
});

/** A page of the app's origin with the SDK initialised (batches after `batchDelayMs`, default 50 ms). */
async function appPage(context: BrowserContext, batchDelayMs = 50): Promise<Page> {
  const page = await context.newPage();
  await page.goto(origin);
  await page.evaluate(async ({ endpoint, token, batchDelayMs }) => {
    // Web vitals off: these tests count the records they make.
    await (window as any).otelhouse.init({ endpoint, token, service: 'web-shop', version: '3.0.0', batchDelayMs, instrument: { webVitals: false } });
  }, { endpoint: gateway.url, token: TOKEN, batchDelayMs });
  return page;
}

/** A service worker that records through the SDK when a page asks it to, and answers whether it flushed. */
const SERVICE_WORKER = `
  importScripts('/sdk.js');
  addEventListener('install', () => skipWaiting());
  addEventListener('activate', (event) => event.waitUntil(clients.claim()));
  addEventListener('message', (event) => event.waitUntil((async () => {
    const { endpoint, token, testId } = event.data;
    const missing = [typeof window, typeof document, typeof localStorage].join(',');
    await otelhouse.init({ endpoint, token, service: 'web-sw', batchDelayMs: 50 });
    for (let i = 0; i < 10; i++) otelhouse.log('info', testId, { i });
    event.source.postMessage({ missing, flushed: await otelhouse.flush(10000) });
  })()));`;

/** A minified app script the page may load (set by a test). */
let appScript = '';

/** Requests the gateway received, as its HTTP server saw them. */
const received: Array<{ method: string; url: string; type: string; length: number; at: number }> = [];

const logMany = (page: Page, testId: string, n: number) =>
  page.evaluate(({ testId, n }) => {
    const sdk = (window as any).otelhouse;
    for (let i = 0; i < n; i++) sdk.log(i % 10 === 9 ? 'error' : 'info', testId, { i });
  }, { testId, n });

async function stored(testId: string): Promise<Array<{ i: string; installation: string; lang: string; session: string }>> {
  return rows(gateway, `SELECT LogAttributes['i'] AS i, ResourceAttributes['app.installation.id'] AS installation, ResourceAttributes['telemetry.sdk.language'] AS lang,
    LogAttributes['session.id'] AS session FROM otel_logs WHERE Body = '${testId}' ORDER BY toUInt32(i)`);
}

async function deduplicated(): Promise<number> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  return Number(/^otelhouse_receiver_requests_deduplicated_total\{signal="logs"\} (\d+)$/m.exec(text)?.[1] ?? 0);
}

async function storedEventually(testId: string, n: number): Promise<Awaited<ReturnType<typeof stored>>> {
  for (let i = 0; i < 100; i++) {
    const found = await stored(testId);
    if (found.length >= n) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  return stored(testId);
}

describe('the browser SDK', () => {
  it('delivers a page\'s logs and spans once, with the installation id kept across page loads', async () => {
    const context = await browser.newContext();
    const testId = `page-${randomUUID()}`;
    const page = await appPage(context);
    await logMany(page, testId, 30);
    const spanTrace = await page.evaluate(() => (window as any).otelhouse.trace('add to cart', (span: any) => span.spanContext().traceId));
    expect(await page.evaluate(() => (window as any).otelhouse.flush(10_000))).toBe(true);
    const first = await stored(testId);
    expect(first.map((r) => Number(r.i))).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(first[0]).toMatchObject({ lang: 'webjs' });
    expect(new Set(first.map((r) => r.session)).size).toBe(1);
    const spans = await rows<{ name: string }>(gateway, `SELECT SpanName AS name FROM otel_traces WHERE TraceId = '${spanTrace}'`);
    expect(spans).toEqual([{ name: 'add to cart' }]);

    await page.reload();
    const again = await appPage(context);
    const secondId = `reload-${randomUUID()}`;
    await logMany(again, secondId, 3);
    expect(await again.evaluate(() => (window as any).otelhouse.flush(10_000))).toBe(true);
    expect(new Set((await stored(secondId)).map((r) => r.installation))).toEqual(new Set([first[0]!.installation]));
    await context.close();
  });

  it('records what the page logs right after init() without awaiting it, with the time it was logged; flush waits for the start', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    const testId = `early-${randomUUID()}`;
    const { loggedAt, flushed, threw } = await page.evaluate(async ({ endpoint, token, testId }) => {
      const o = (window as any).otelhouse;
      let threw = '';
      try {
        o.log('info', 'before init');
      } catch (err) {
        threw = String(err);
      }
      void o.init({ endpoint, token, service: 'web-shop', batchDelayMs: 50, instrument: { webVitals: false } });
      const loggedAt = Date.now();
      o.log('info', testId, { i: 0 });
      o.event(`shop.${testId}`, { i: 1 });
      o.addBreadcrumb({ category: 'app', message: 'early crumb' });
      o.captureException(new Error(`${testId} error`));
      return { loggedAt, flushed: await o.flush(10_000), threw };
    }, { endpoint: gateway.url, token: TOKEN, testId });
    // Before init() there is no client: the call says so.
    expect(threw).toContain('call init() first');
    expect(flushed).toBe(true);
    const stored = await rows<{ body: string; event: string; ms: string; crumbs: string }>(gateway, `SELECT Body AS body, EventName AS event, toString(toUnixTimestamp64Milli(Timestamp)) AS ms, LogAttributes['otelhouse.breadcrumbs'] AS crumbs FROM otel_logs WHERE Body LIKE '${testId}%' OR EventName = 'shop.${testId}' ORDER BY Timestamp`);
    expect(stored.map((r) => r.body || r.event)).toEqual([testId, `shop.${testId}`, `${testId} error`]);
    // The time the page logged it, not the time the client was ready.
    expect(Math.abs(Number(stored[0]!.ms) - loggedAt)).toBeLessThanOrEqual(5);
    expect(JSON.parse(stored[2]!.crumbs).map((c: { message?: string }) => c.message)).toContain('early crumb');
    await context.close();
  });

  it('delivers, from the next page of the origin, every record of a tab that crashed before sending them, once', async () => {
    const context = await browser.newContext();
    const testId = `crash-${randomUUID()}`;
    const page = await appPage(context);
    await page.route(`${gateway.url}/**`, (route) => route.abort());
    await logMany(page, testId, 50);
    // The sends fail; the flush gives up, but only after the records are in IndexedDB.
    expect(await page.evaluate(() => (window as any).otelhouse.flush(500))).toBe(false);
    await page.goto('chrome://crash').catch(() => {});
    expect(await stored(testId)).toEqual([]);

    await appPage(context);
    const delivered = await storedEventually(testId, 50);
    expect(delivered.map((r) => Number(r.i))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await context.close();
  });

  it('stores once a batch whose answer was lost before the tab crashed, when the next page resends it', async () => {
    const context = await browser.newContext();
    const testId = `lost-${randomUUID()}`;
    const page = await appPage(context);
    let forwarded = 0;
    await page.route(`${gateway.url}/v1/logs**`, async (route) => {
      // The gateway gets the request and stores it; the page never hears back.
      await route.fetch().catch(() => undefined);
      forwarded++;
      await route.abort();
    });
    await logMany(page, testId, 20);
    expect(await page.evaluate(() => (window as any).otelhouse.flush(1500))).toBe(false);
    expect(forwarded).toBeGreaterThan(0);
    expect((await stored(testId)).length).toBe(20);
    await page.goto('chrome://crash').catch(() => {});
    const before = await deduplicated();

    await appPage(context);
    // The next page resent the batch under its id: acknowledged again, not stored again.
    for (let i = 0; i < 100 && (await deduplicated()) === before; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await deduplicated()).toBeGreaterThan(before);
    expect((await stored(testId)).map((r) => Number(r.i))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    await context.close();
  });

  it('works the same in a dedicated worker, which has no window, document or localStorage', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    const testId = `worker-${randomUUID()}`;
    const answer = await page.evaluate(async ({ endpoint, token, testId, sdkUrl }) => {
      const code = `
        importScripts(${JSON.stringify(sdkUrl)});
        onmessage = async () => {
          const missing = [typeof window, typeof document, typeof localStorage].join(',');
          await otelhouse.init({ endpoint: ${JSON.stringify(endpoint)}, token: ${JSON.stringify(token)}, service: 'web-worker', batchDelayMs: 50 });
          for (let i = 0; i < 10; i++) otelhouse.log('info', ${JSON.stringify(testId)}, { i });
          postMessage({ missing, flushed: await otelhouse.flush(10000) });
        };`;
      const worker = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
      return new Promise((resolve) => {
        worker.onmessage = (e) => resolve(e.data);
        worker.postMessage('go');
      });
    }, { endpoint: gateway.url, token: TOKEN, testId, sdkUrl: `${origin}/sdk.js` });
    expect(answer).toEqual({ missing: 'undefined,undefined,undefined', flushed: true });
    expect((await stored(testId)).map((r) => Number(r.i))).toEqual(Array.from({ length: 10 }, (_, i) => i));
    await context.close();
  });

  it('works the same in a service worker', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    const testId = `service-worker-${randomUUID()}`;
    const answer = await page.evaluate(async ({ endpoint, token, testId }) => {
      const registration = await navigator.serviceWorker.register('/sw.js');
      await navigator.serviceWorker.ready;
      return new Promise((resolve) => {
        navigator.serviceWorker.onmessage = (e) => resolve(e.data);
        registration.active!.postMessage({ endpoint, token, testId });
      });
    }, { endpoint: gateway.url, token: TOKEN, testId });
    expect(answer).toEqual({ missing: 'undefined,undefined,undefined', flushed: true });
    const rowsStored = await rows<{ i: string; service: string }>(gateway, `SELECT LogAttributes['i'] AS i, ServiceName AS service FROM otel_logs WHERE Body = '${testId}' ORDER BY toUInt32(i)`);
    expect(rowsStored.map((r) => Number(r.i))).toEqual(Array.from({ length: 10 }, (_, i) => i));
    expect(new Set(rowsStored.map((r) => r.service))).toEqual(new Set(['web-sw']));
    await context.close();
  });

  it('sends what is queued when the page goes away, in keepalive requests that need no preflight', async () => {
    const context = await browser.newContext();
    const testId = `unload-${randomUUID()}`;
    const page = await appPage(context, 60_000);
    await logMany(page, testId, 10);
    const from = received.length;
    await page.goto(`${origin}/elsewhere`);
    const delivered = await storedEventually(testId, 10);
    expect(delivered.map((r) => Number(r.i))).toEqual(Array.from({ length: 10 }, (_, i) => i));
    const during = received.slice(from).filter((r) => r.url.startsWith('/v1/'));
    expect(during.filter((r) => r.method === 'OPTIONS')).toEqual([]);
    expect(during.filter((r) => r.method === 'POST').map((r) => r.type)).toEqual(during.filter((r) => r.method === 'POST').map(() => 'text/plain'));
    await context.close();
  });

  it('sends at most 60 KiB of a 300 KB backlog as the page goes away, the rest from the next page, none twice', async () => {
    const context = await browser.newContext();
    const testId = `backlog-${randomUUID()}`;
    const page = await appPage(context, 60_000);
    await page.evaluate(({ testId }) => {
      const sdk = (window as any).otelhouse;
      for (let i = 0; i < 300; i++) sdk.log('info', testId, { i, filler: 'x'.repeat(900) });
    }, { testId });
    // A backlog: written ahead, and nothing sent before the page goes (batches wait 60 s, and fewer
    // than a full batch's 512 records are queued).
    for (let i = 0; i < 50 && (await page.evaluate(() => (window as any).otelhouse.health().unsavedRecords)) > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await stored(testId)).toEqual([]);
    const from = received.length;
    const failed: string[] = [];
    page.on('requestfailed', (r) => failed.push(`${r.method()} ${r.url().split('?')[0]}: ${r.failure()?.errorText}`));
    await page.goto(`${origin}/elsewhere`);
    // What the unload sent, once it has all landed (the count holds still).
    let atUnload = 0;
    for (let i = 0, last = -1; i < 100 && (atUnload === 0 || atUnload !== last); i++) {
      last = atUnload;
      await new Promise((r) => setTimeout(r, 200));
      atUnload = (await stored(testId)).length;
    }
    const unloadPosts = received.slice(from).filter((r) => r.method === 'POST' && r.url.startsWith('/v1/'));
    expect(atUnload, `gateway saw since the navigation: ${JSON.stringify(received.slice(from))}; the page saw fail: ${JSON.stringify(failed)}`).toBeGreaterThan(0);
    expect(atUnload).toBeLessThan(300);
    expect(unloadPosts.length).toBeLessThanOrEqual(9);
    expect(unloadPosts.reduce((n, r) => n + r.length, 0)).toBeLessThanOrEqual(60 * 1024);

    await appPage(context);
    const all = await storedEventually(testId, 300);
    expect(all.map((r) => Number(r.i))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    await context.close();
  });

  it('leaves the page eligible for the back/forward cache', async () => {
    const context = await browser.newContext();
    const page = await appPage(context);
    await page.evaluate(() => addEventListener('pageshow', (e) => ((window as any).restoredFromCache = e.persisted)));
    await page.goto(`${origin}/elsewhere`);
    await page.goBack({ waitUntil: 'commit' });
    await page.waitForFunction(() => (window as any).restoredFromCache === true, undefined, { timeout: 5000 });
    // Restored, it sends again.
    const testId = `restored-${randomUUID()}`;
    await logMany(page, testId, 3);
    expect(await page.evaluate(() => (window as any).otelhouse.flush(10_000))).toBe(true);
    expect(await stored(testId)).toHaveLength(3);
    await context.close();
  });

  it('shares one session.id between the pages of an origin, and starts the next after 30 minutes idle, naming the previous', async () => {
    const context = await browser.newContext();
    const [a, b] = [await appPage(context), await appPage(context)];
    const testId = `session-${randomUUID()}`;
    const sessions = async () =>
      rows<{ page: string; session: string; previous: string }>(gateway, `SELECT LogAttributes['page'] AS page, LogAttributes['session.id'] AS session,
        LogAttributes['session.previous_id'] AS previous FROM otel_logs WHERE Body = '${testId}' ORDER BY Timestamp, page`);
    const logFrom = async (page: Page, name: string) => {
      await page.evaluate(({ testId, name }) => (window as any).otelhouse.log('info', testId, { page: name }), { testId, name });
      expect(await page.evaluate(() => (window as any).otelhouse.flush(10_000))).toBe(true);
    };
    await logFrom(a, 'a1');
    await logFrom(b, 'b1');
    const [first, second] = await sessions();
    expect(first!.session).toBe(second!.session);
    expect(first!.previous).toBe('');

    // 31 minutes without a record, as the shared session records it (pages read it again at most once a second).
    await a.waitForTimeout(1100);
    await a.evaluate(() => {
      const s = JSON.parse(localStorage.getItem('otelhouse-sdk-session')!);
      s.lastMs = Date.now() - 31 * 60_000;
      localStorage.setItem('otelhouse-sdk-session', JSON.stringify(s));
    });
    await logFrom(a, 'a2');
    await logFrom(b, 'b2');
    const after = (await sessions()).filter((r) => r.page.endsWith('2'));
    expect(after).toHaveLength(2);
    expect(after[0]!.session).not.toBe(first!.session);
    expect(after[1]!.session).toBe(after[0]!.session);
    expect(after.map((r) => r.previous)).toEqual([first!.session, first!.session]);
    await context.close();
  });

  it('keeps 5,000 records made offline and delivers them all, in order, gzipped, in batches of at most 512, once the network is back', async () => {
    const context = await browser.newContext();
    const page = await appPage(context);
    const testId = `offline-${randomUUID()}`;
    await context.setOffline(true);
    await logMany(page, testId, 5000);
    // Sends fail meanwhile and back off; the records wait in IndexedDB.
    expect(await page.evaluate(() => (window as any).otelhouse.flush(1500))).toBe(false);
    expect(await page.evaluate(() => (window as any).otelhouse.health().queuedRecords)).toBe(5000);
    // The order the page sends the records in: the i of each record of each request.
    const arrived: number[] = [];
    const perRequest: number[] = [];
    const sizes: Array<{ encoding: string; type: string; sent: number; plain: number }> = [];
    page.on('request', (req) => {
      if (req.method() !== 'POST' || !req.url().includes('/v1/logs')) return;
      const raw = req.postDataBuffer();
      if (!raw) return;
      const text = (req.headers()['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString();
      sizes.push({ encoding: req.headers()['content-encoding'] ?? 'none', type: req.headers()['content-type'] ?? '', sent: raw.length, plain: Buffer.byteLength(text) });
      const records = JSON.parse(text).resourceLogs[0].scopeLogs.flatMap((s: any) => s.logRecords);
      perRequest.push(records.length);
      for (const record of records) {
        if (record.body?.stringValue === testId) arrived.push(Number(record.attributes.find((a: any) => a.key === 'i').value.intValue));
      }
    });
    await context.setOffline(false);
    expect(await page.evaluate(() => (window as any).otelhouse.flush(30_000))).toBe(true);
    expect(arrived).toEqual(Array.from({ length: 5000 }, (_, i) => i));
    expect(Math.max(...perRequest)).toBeLessThanOrEqual(512);
    // Every send of 16 KiB or more is gzipped (CompressionStream), at least 3x smaller than its JSON.
    const large = sizes.filter((s) => s.plain >= 16 * 1024);
    expect(large.length).toBeGreaterThanOrEqual(9);
    expect(new Set(large.map((s) => s.encoding))).toEqual(new Set(['gzip']));
    for (const s of large) expect(s.plain / s.sent).toBeGreaterThanOrEqual(3);
    // A small batch goes as it is, as a simple request (text/plain, no content-encoding): no CORS preflight, no CompressionStream.
    const before = sizes.length;
    await logMany(page, `${testId}-small`, 3);
    expect(await page.evaluate(() => (window as any).otelhouse.flush(30_000))).toBe(true);
    const small = sizes.slice(before);
    expect(small.length).toBeGreaterThanOrEqual(1);
    for (const s of small) expect([s.encoding, s.type, s.sent === s.plain]).toEqual(['none', 'text/plain', true]);
    const stored = await rows<{ n: string; u: string }>(gateway, `SELECT count() AS n, uniqExact(LogAttributes['i']) AS u FROM otel_logs WHERE Body = '${testId}'`);
    expect(stored.map((r) => [Number(r.n), Number(r.u)])).toEqual([[5000, 5000]]);
    await context.close();
  });

  it('obeys /v1/config: DEBUG records only during a debug session for its installation; no polls while hidden, one at once when shown or back online', async () => {
    const service = `web-rc-${randomUUID()}`;
    const admin = async (path: string, body: unknown) => {
      const res = await fetch(`${gateway.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
      return (await res.json()) as { id: string };
    };
    await admin('/api/policies', { name: service, targeting: { services: [service] }, settings: { minLogLevel: 'info', sdk: { pollIntervalMs: 5000 } } });
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    const health = () => page.evaluate(() => (window as any).otelhouse.health());
    await page.evaluate(({ endpoint, token, service }) => (window as any).otelhouse.init({ endpoint, token, service, batchDelayMs: 50 }), { endpoint: gateway.url, token: TOKEN, service });
    for (let i = 0; i < 100 && (await health()).config.minLogLevel !== 'info'; i++) await new Promise((r) => setTimeout(r, 50));
    const testId = `web-rc-${randomUUID()}`;
    const logged = (level: string, n: number) => page.evaluate(({ testId, level, n }) => {
      for (let i = 0; i < n; i++) (window as any).otelhouse.log(level, testId, { level });
      return (window as any).otelhouse.flush(10_000);
    }, { testId, level, n });
    expect(await logged('debug', 3)).toBe(true);
    expect(await logged('info', 1)).toBe(true);
    const [first] = await rows<{ installation: string }>(gateway, `SELECT ResourceAttributes['app.installation.id'] AS installation FROM otel_logs WHERE Body = '${testId}'`);
    expect(first).toBeDefined();

    const session = await admin('/api/debug-sessions', { target: { 'app.installation.id': first!.installation }, level: 'debug', durationMinutes: 5 });
    for (let i = 0; i < 300 && (await health()).config.debugSessionId !== session.id; i++) await new Promise((r) => setTimeout(r, 50));
    expect(await logged('debug', 2)).toBe(true);
    const stored = await rows<{ level: string; session: string }>(gateway, `SELECT LogAttributes['level'] AS level, ResourceAttributes['otelhouse.debug_session.id'] AS session FROM otel_logs WHERE Body = '${testId}' ORDER BY Timestamp`);
    expect(stored).toEqual([{ level: 'info', session: '' }, { level: 'debug', session: session.id }, { level: 'debug', session: session.id }]);

    // Hidden: no polls (two intervals pass); shown again: one at once.
    const polls = () => received.filter((r) => r.method === 'GET' && r.url.startsWith('/v1/config') && r.url.includes(first!.installation)).length;
    const setVisibility = (state: string) => page.evaluate((state) => {
      Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => state });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);
    await setVisibility('hidden');
    const hiddenAt = polls();
    await new Promise((r) => setTimeout(r, 11_000));
    expect(polls()).toBe(hiddenAt);
    await setVisibility('visible');
    for (let i = 0; i < 40 && polls() === hiddenAt; i++) await new Promise((r) => setTimeout(r, 50));
    expect(polls()).toBe(hiddenAt + 1);
    // Back online: one at once too (the next timed poll is 5 s away).
    await context.setOffline(true);
    await context.setOffline(false);
    for (let i = 0; i < 40 && polls() === hiddenAt + 1; i++) await new Promise((r) => setTimeout(r, 50));
    expect(polls()).toBe(hiddenAt + 2);
    await context.close();
  }, 60_000);

  it('stops at once on optOut(), empties IndexedDB, and stays opted out across reloads until optIn() (issue 14, point 4)', async () => {
    const context = await browser.newContext();
    const page = await appPage(context, 60_000);
    const testId = `optout-${randomUUID()}`;
    await logMany(page, testId, 20);
    const queued = () => page.evaluate(() => (window as any).otelhouse.health().queuedRecords as number);
    expect(await queued()).toBe(20);
    const idbRecords = () => page.evaluate(async () => {
      let n = 0;
      for (const info of await indexedDB.databases()) {
        const db = await new Promise<IDBDatabase>((resolve) => {
          const open = indexedDB.open(info.name!);
          open.onsuccess = () => resolve(open.result);
        });
        for (const name of Array.from(db.objectStoreNames).filter((s) => s === 'records')) {
          n += await new Promise<number>((resolve) => {
            const count = db.transaction(name).objectStore(name).count();
            count.onsuccess = () => resolve(count.result);
          });
        }
        db.close();
      }
      return n;
    });
    await page.evaluate(async () => {
      for (let i = 0; i < 100 && (window as any).otelhouse.health().unsavedRecords > 0; i++) await new Promise((r) => setTimeout(r, 20));
    });
    expect(await idbRecords()).toBe(20);
    await page.evaluate(() => (window as any).otelhouse.optOut());
    await logMany(page, testId, 20);
    expect(await queued()).toBe(0);
    expect(await idbRecords()).toBe(0);
    await page.reload();
    await page.evaluate(async ({ endpoint, token }) => (window as any).otelhouse.init({ endpoint, token, service: 'web-shop', batchDelayMs: 50, instrument: { webVitals: false } }), { endpoint: gateway.url, token: TOKEN });
    expect(await page.evaluate(() => (window as any).otelhouse.health().optedOut)).toBe(true);
    await logMany(page, testId, 20);
    expect(await page.evaluate(() => (window as any).otelhouse.flush(2000))).toBe(true);
    expect(await stored(testId)).toEqual([]);
    await page.evaluate(() => (window as any).otelhouse.optIn());
    await logMany(page, `${testId}-in`, 5);
    expect(await page.evaluate(() => (window as any).otelhouse.flush(10_000))).toBe(true);
    expect(await storedEventually(`${testId}-in`, 5)).toHaveLength(5);
    expect(await stored(testId)).toEqual([]);
    await context.close();
  });

  it('samples by session (issue 14, point 2): a session keeps all its logs and traces or none, errors always, with the session\'s randomness', async () => {
    const service = `web-sampling-${randomUUID()}`;
    const res = await fetch(`${gateway.url}/api/policies`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: service, targeting: { services: [service] }, settings: { sampling: { logsPercentage: 50, tracesPercentage: 50 } } }),
    });
    expect(res.status).toBe(201);
    // 16 sessions (one per browser context) at 50 %: both outcomes appear but for 1 run in 32,768.
    for (let s = 0; s < 16; s++) {
      const context = await browser.newContext();
      const page = await context.newPage();
      await page.goto(origin);
      const flushed = await page.evaluate(async ({ endpoint, token, service }) => {
        const o = (window as any).otelhouse;
        await o.init({ endpoint, token, service, batchDelayMs: 50, instrument: { webVitals: false } });
        for (let i = 0; i < 100 && !o.health().config.etag; i++) await new Promise((r) => setTimeout(r, 50));
        for (let i = 0; i < 20; i++) o.log('info', 'tapped', { i });
        o.log('error', 'render failed');
        o.trace('load', () => o.trace('fetch cart', () => o.log('info', 'in trace')));
        return o.flush(10_000);
      }, { endpoint: gateway.url, token: TOKEN, service });
      expect(flushed).toBe(true);
      await context.close();
    }
    const sessions = await rows<{ installation: string; tapped: string; errors: string; inTrace: string; rvs: string[]; th: string[] }>(gateway, `
      SELECT ResourceAttributes['app.installation.id'] AS installation, toString(countIf(Body = 'tapped')) AS tapped, toString(countIf(Body = 'render failed')) AS errors,
        toString(countIf(Body = 'in trace')) AS inTrace, groupUniqArrayIf(LogAttributes['sampling.randomness'], Body != 'render failed') AS rvs,
        groupUniqArrayIf(LogAttributes['SampleRate'], Body != 'render failed') AS th
      FROM otel_logs WHERE ServiceName = '${service}' GROUP BY installation`);
    const spans = await rows<{ installation: string; n: string; states: string[] }>(gateway, `SELECT ResourceAttributes['app.installation.id'] AS installation, toString(count()) AS n,
      groupUniqArray(TraceState) AS states FROM otel_traces WHERE ServiceName = '${service}' GROUP BY installation`);
    const spansOf = new Map(spans.map((r) => [r.installation, r]));
    expect(sessions).toHaveLength(16);
    for (const session of sessions) {
      expect(session.errors).toBe('1');
      const kept = session.tapped === '20';
      expect([session.tapped, session.inTrace]).toEqual(kept ? ['20', '1'] : ['0', '0']);
      if (!kept) {
        expect(spansOf.has(session.installation)).toBe(false);
        continue;
      }
      // One randomness for the whole session, in its logs and its spans' tracestate; weighted 2 each.
      expect(session.rvs).toHaveLength(1);
      expect(session.th).toEqual(['2']);
      expect(spansOf.get(session.installation)).toEqual({ installation: session.installation, n: '2', states: [`ot=th:8;rv:${session.rvs[0]}`] });
    }
    const keptSessions = sessions.filter((s) => s.tapped === '20').length;
    expect(keptSessions).toBeGreaterThan(0);
    expect(keptSessions).toBeLessThan(16);
  }, 120_000);

  it('turns uncaught errors, unhandled rejections and captureException into exception records; 100 throws of one bug from a minified script are one issue with the original names', async () => {
    const service = `web-err-${randomUUID().slice(0, 8)}`;
    const release = `${service}@1.0.0`;
    // The app as its bundler ships it: minified, with a source map uploaded for the release.
    const app = await build({
      stdin: {
        contents: `
          function priceOf(item: { sku: string; quantity: number }): number {
            const prices: Record<string, { amount: number }> = { 'A-1': { amount: 5 } };
            return prices[item.sku]!.amount * item.quantity;
          }
          export function checkout(items: Array<{ sku: string; quantity: number }>): number {
            let total = 0;
            for (const item of items) total += priceOf(item);
            return total;
          }`,
        sourcefile: 'src/checkout.ts',
        loader: 'ts',
      },
      format: 'iife', globalName: 'shop', minify: true, sourcemap: 'external', outfile: 'app.min.js', write: false, target: 'es2020',
    });
    appScript = app.outputFiles.find((f) => f.path.endsWith('.js'))!.text;
    const map = app.outputFiles.find((f) => f.path.endsWith('.map'))!.text;
    expect(appScript).not.toContain('priceOf');
    const upload = await fetch(`${gateway.url}/api/releases/${encodeURIComponent(release)}/sourcemaps`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ fileUrl: '~/app.min.js', sourceMap: map }),
    });
    expect(upload.status, await upload.clone().text()).toBe(201);

    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    await page.evaluate(({ endpoint, token, service }) => (window as any).otelhouse.init({ endpoint, token, service, version: '1.0.0', batchDelayMs: 50 }), { endpoint: gateway.url, token: TOKEN, service });
    await page.addScriptTag({ url: `${origin}/app.min.js` });
    const flushed = await page.evaluate(async () => {
      const w = window as any;
      // Uncaught: thrown from timers, as an app's event handlers throw.
      for (let i = 0; i < 100; i++) setTimeout(() => w.shop.checkout([{ sku: 'Z-9', quantity: 1 }]));
      void Promise.reject(new RangeError('quantity out of range'));
      w.otelhouse.captureException(new Error('payment declined: card A'), { fingerprint: ['payment-declined'] });
      w.otelhouse.captureException(new Error('payment declined: card B'), { fingerprint: ['payment-declined'] });
      w.otelhouse.captureException({ toString() { throw new Error('hostile'); } });
      await new Promise((r) => setTimeout(r, 300));
      return w.otelhouse.flush(10_000);
    });
    expect(flushed).toBe(true);
    // The 100 throws in one burst are a storm: a few records whose occurrence counts add up to 100.
    const types = await rows<{ type: string; records: string; n: string }>(gateway, `SELECT LogAttributes['exception.type'] AS type, count() AS records,
      sum(toUInt64OrDefault(LogAttributes['otelhouse.occurrences'], toUInt64(1))) AS n FROM otel_logs WHERE ServiceName = '${service}' AND SeverityText = 'ERROR' GROUP BY type ORDER BY type`);
    expect(types.map((t) => [t.type, Number(t.n)])).toEqual([['Error', 3], ['RangeError', 1], ['TypeError', 100]]);
    expect(Number(types.find((t) => t.type === 'TypeError')!.records)).toBeLessThanOrEqual(10);

    type Issue = { fingerprint: string; title: string; culprit: string; events: number };
    const issues = async () => ((await (await fetch(`${gateway.url}/api/issues?service=${service}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { issues: Issue[] }).issues;
    // Until every occurrence is counted: 100 + 1 + 2 + 1.
    let found = await issues();
    for (let i = 0; i < 200 && found.reduce((n, x) => n + x.events, 0) < 104; i++) {
      await new Promise((r) => setTimeout(r, 50));
      found = await issues();
    }
    const byTitle = Object.fromEntries(found.map((x) => [x.title.replace(/card [AB]$/, 'card *'), x.events]));
    expect(byTitle).toEqual({
      "TypeError: Cannot read properties of undefined (reading 'amount')": 100,
      'RangeError: quantity out of range': 1,
      // Two messages, one fingerprint: one issue.
      'Error: payment declined: card *': 2,
      'Error: {}': 1,
    });
    const typeError = found.find((x) => x.title.startsWith('TypeError'))!;
    expect(typeError.culprit).toBe('priceOf (src/checkout.ts)');
    const detail = (await (await fetch(`${gateway.url}/api/issues/${typeError!.fingerprint}`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { latestEvent: { stacktrace: string } };
    expect(detail.latestEvent.stacktrace).toMatch(/at priceOf \(src\/checkout\.ts:\d+:\d+\)/);
    expect(detail.latestEvent.stacktrace).toMatch(/at checkout \(src\/checkout\.ts:\d+:\d+\)/);
    await context.close();
  }, 60_000);
});
