import { randomUUID } from 'node:crypto';
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { appBundle } from './support/appBundle.ts';
import { launchChromium } from './support/browser.ts';
import { rows, startGateway } from './support/gateway.ts';

// What the browser SDK records by itself (issue 14, points 6, 7 and 8), in Chromium against the
// real gateway: breadcrumbs attached to errors, fetch/XHR client spans with traceparent sent only
// where allowed, and web vitals delivered when the page goes away.

const TOKEN = 'pk_sdk_browser_capture_0123';
let gateway: Gateway;
let browser: Browser;
const servers: Server[] = [];
/** Requests each server saw: path and headers. */
const seen = new Map<string, Array<{ method: string; url: string; headers: IncomingHttpHeaders }>>();
let origin = '';
let allowedApi = '';
let otherApi = '';
/** A site whose own origin carries the gateway too, under `/otel/` (a same-origin proxy, as apps set up against ad blockers). */
let proxied = '';
/** What the gateway answered through that proxy: path and status. */
const answered: Array<[string, number]> = [];

const PAGE = `<!doctype html><title>shop</title><script src="/sdk.js"></script>
  <main><div class="card featured"><span class="label price">19.99 EUR for Jane</span></div>
  <button id="buy" class="btn primary">Buy now, card 4242 4242 4242 4242</button>
  <p style="font-size: 40px">A paragraph large enough to be the largest contentful paint of this page.</p></main>`;

async function serve(name: string, handler: (url: string) => { status: number; body: string; type?: string }): Promise<string> {
  const server = createServer((req, res) => {
    seen.set(name, [...(seen.get(name) ?? []), { method: req.method ?? '', url: req.url ?? '', headers: req.headers }]);
    const cors = { 'access-control-allow-origin': '*', 'access-control-allow-headers': 'traceparent, tracestate, x-request-id, content-type', 'access-control-expose-headers': 'x-request-id, x-secret' };
    if (req.method === 'OPTIONS') return void res.writeHead(204, cors).end();
    const answer = handler(req.url ?? '/');
    res.writeHead(answer.status, { ...cors, 'content-type': answer.type ?? 'application/json', 'x-request-id': 'rq-1', 'x-secret': 'never-recorded' }).end(answer.body);
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serves the page, the SDK and `/api/*` as {@link serve} does, and passes `/otel/*` on to the gateway as a reverse proxy would. */
async function proxySite(sdk: string): Promise<string> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    seen.set('proxied', [...(seen.get('proxied') ?? []), { method: req.method ?? '', url, headers: req.headers }]);
    if (url.startsWith('/otel/')) {
      const { host: _host, ...headers } = req.headers;
      const upstream = request(`${gateway.url}${url.slice('/otel'.length)}`, { method: req.method, headers }, (answer) => {
        answered.push([url.split('?')[0]!, answer.statusCode ?? 0]);
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      return void req.pipe(upstream);
    }
    if (url === '/sdk.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(sdk);
    // The page sends no Referer of its own (as privacy-minded sites set): the SDK's config poll must still be admitted.
    res.writeHead(200, { 'content-type': url.startsWith('/api/') ? 'application/json' : 'text/html' }).end(url.startsWith('/api/') ? '{"ok":true}' : PAGE.replace('<title>', '<meta name="referrer" content="no-referrer"><title>'));
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

beforeAll(async () => {
  const sdk = (await appBundle('otelhouse/sdk', { format: 'iife' })).text;
  origin = await serve('page', (url) => (url === '/sdk.js' ? { status: 200, body: sdk, type: 'text/javascript' } : url.startsWith('/api/') ? { status: 200, body: '{"ok":true}' } : { status: 200, body: PAGE, type: 'text/html' }));
  allowedApi = await serve('allowed', (url) => ({ status: url.startsWith('/missing') ? 404 : 200, body: '{}' }));
  otherApi = await serve('other', () => ({ status: 503, body: '{}' }));
  proxied = await proxySite(sdk);
  gateway = await startGateway({ auth: { clientTokens: [{ name: 'web', token: TOKEN, origins: [origin, proxied] }] } });
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await gateway?.shutdown();
  for (const s of servers) await new Promise((r) => s.close(r));
});

describe('what the browser SDK records by itself', () => {
  it('attaches the last breadcrumbs to an error: click selectors (never text), navigations, console, fetch and XHR with sanitized URLs', async () => {
    const service = `web-crumbs-${randomUUID()}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    await page.evaluate(async ({ endpoint, token, service, allowedApi }) => {
      await (window as any).otelhouse.init({ endpoint, token, service, batchDelayMs: 50, tracePropagationTargets: [allowedApi], recordHeaders: ['x-request-id'] });
    }, { endpoint: gateway.url, token: TOKEN, service, allowedApi });
    await page.click('#buy');
    await page.click('span.label');
    // An id no selector can use, three classes (two are kept), the two attributes a selector takes, and a value never taken.
    await page.evaluate(() => document.querySelector('main')!.insertAdjacentHTML('beforeend', '<form><input id="9-email" class="field wide required" name="email" data-testid="email-field" value="jane@example.com"></form>'));
    await page.click('input[name=email]');
    await page.evaluate(async ({ allowedApi, otherApi }) => {
      history.pushState({}, '', '/checkout?token=abc123&step=2');
      console.warn('low stock', { sku: 'A-1' });
      console.error(new TypeError('price missing'));
      await fetch('/api/cart?sessionId=s-1&page=2');
      await fetch(`${allowedApi}/orders`, { method: 'POST', headers: { 'x-request-id': 'client-7', 'content-type': 'application/json' }, body: '{}' });
      await fetch(`${otherApi}/pay?card=4242`).catch(() => undefined);
      await new Promise<void>((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open('GET', `${allowedApi}/missing?email=jane%40example.com`);
        xhr.addEventListener('loadend', () => resolve());
        xhr.send();
      });
      const o = (window as any).otelhouse;
      o.addBreadcrumb({ category: 'checkout', message: 'payment step' });
      o.captureException(new Error('checkout failed'));
      return o.flush(10_000);
    }, { allowedApi, otherApi });
    const [error] = await rows<{ crumbs: string }>(gateway, `SELECT LogAttributes['otelhouse.breadcrumbs'] AS crumbs FROM otel_logs WHERE ServiceName = '${service}' AND Body = 'checkout failed'`);
    const crumbs = JSON.parse(error!.crumbs) as Array<{ category: string; message?: string; data?: Record<string, unknown> }>;
    expect(crumbs.map((c) => c.category)).toEqual(['click', 'click', 'click', 'navigation', 'console', 'console', 'http', 'http', 'http', 'http', 'checkout']);
    expect(crumbs[0]!.message).toBe('button#buy');
    expect(crumbs[1]!.message).toBe('html > body > main > div.card.featured > span.label.price');
    expect(crumbs[2]!.message).toBe('html > body > main > form > input.field.wide[data-testid="email-field"][name="email"]');
    expect(JSON.stringify(crumbs)).not.toMatch(/Buy now|Jane|19\.99|abc123|s-1|jane/);
    expect(crumbs[3]!.data).toEqual({ from: `${origin}/`, to: `${origin}/checkout?token=[redacted]&step=2` });
    expect(crumbs[4]).toMatchObject({ message: 'low stock {"sku":"A-1"}', data: { level: 'warn' } });
    expect(crumbs[5]).toMatchObject({ message: 'TypeError: price missing', data: { level: 'error' } });
    expect(crumbs.slice(6, 10).map((c) => c.data)).toEqual([
      { method: 'GET', url: `${origin}/api/cart?sessionId=[redacted]&page=2`, status_code: 200 },
      { method: 'POST', url: `${allowedApi}/orders`, status_code: 200 },
      { method: 'GET', url: `${otherApi}/pay?card=[redacted]`, status_code: 503 },
      { method: 'GET', url: `${allowedApi}/missing?email=[redacted]`, status_code: 404 },
    ]);
    await context.close();
  });

  it('with breadcrumbs off, leaves console and history as the browser has them and attaches none, and still makes network spans', async () => {
    const service = `web-no-crumbs-${randomUUID()}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    const untouched = await page.evaluate(async ({ endpoint, token, service }) => {
      const before = { warn: console.warn, error: console.error, pushState: history.pushState, replaceState: history.replaceState };
      const o = (window as any).otelhouse;
      await o.init({ endpoint, token, service, batchDelayMs: 50, instrument: { breadcrumbs: false } });
      const same = console.warn === before.warn && console.error === before.error && history.pushState === before.pushState && history.replaceState === before.replaceState;
      (document.querySelector('#buy') as HTMLElement).click();
      history.pushState({}, '', '/checkout');
      console.warn('low stock');
      await fetch('/api/cart');
      o.captureException(new Error('checkout failed'));
      await o.flush(10_000);
      return same;
    }, { endpoint: gateway.url, token: TOKEN, service });
    expect(untouched).toBe(true);
    const errors = await rows<{ crumbs: string }>(gateway, `SELECT LogAttributes['otelhouse.breadcrumbs'] AS crumbs FROM otel_logs WHERE ServiceName = '${service}' AND Body = 'checkout failed'`);
    expect(errors).toEqual([{ crumbs: '' }]);
    const spans = await rows<{ name: string; url: string }>(gateway, `SELECT SpanName AS name, SpanAttributes['url.full'] AS url FROM otel_traces WHERE ServiceName = '${service}'`);
    expect(spans).toEqual([{ name: 'GET', url: `${origin}/api/cart` }]);
    await context.close();
  });

  it('makes fetch and XHR client spans, sends traceparent to the page\'s origin and allowed targets only, and records only listed headers', async () => {
    const service = `web-network-${randomUUID()}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    for (const name of ['page', 'allowed', 'other']) seen.set(name, []);
    await page.evaluate(async ({ endpoint, token, service, allowedApi, otherApi }) => {
      const o = (window as any).otelhouse;
      await o.init({ endpoint, token, service, batchDelayMs: 50, tracePropagationTargets: [allowedApi], recordHeaders: ['X-Request-Id'] });
      await fetch('/api/cart?sessionId=s-1');
      await fetch(`${allowedApi}/orders`, { method: 'POST', headers: { 'x-request-id': 'client-7' }, body: '{}' });
      await fetch(`${otherApi}/pay`);
      await new Promise<void>((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open('GET', `${allowedApi}/missing`);
        xhr.addEventListener('loadend', () => resolve());
        xhr.send();
      });
      return o.flush(10_000);
    }, { endpoint: gateway.url, token: TOKEN, service, allowedApi, otherApi });
    const spans = await rows<{ trace: string; span: string; name: string; kind: string; code: string; url: string; status: string; server: string; reqHeader: string; resHeader: string; secret: string }>(gateway, `
      SELECT TraceId AS trace, SpanId AS span, SpanName AS name, SpanKind AS kind, StatusCode AS code, SpanAttributes['url.full'] AS url,
        SpanAttributes['http.response.status_code'] AS status, SpanAttributes['server.address'] AS server,
        SpanAttributes['http.request.header.x-request-id'] AS reqHeader, SpanAttributes['http.response.header.x-request-id'] AS resHeader,
        SpanAttributes['http.response.header.x-secret'] AS secret
      FROM otel_traces WHERE ServiceName = '${service}' ORDER BY Timestamp`);
    expect(spans.map((s) => [s.name, s.kind, s.url, s.status, s.code])).toEqual([
      ['GET', 'Client', `${origin}/api/cart?sessionId=[redacted]`, '200', 'Unset'],
      ['POST', 'Client', `${allowedApi}/orders`, '200', 'Unset'],
      ['GET', 'Client', `${otherApi}/pay`, '503', 'Error'],
      ['GET', 'Client', `${allowedApi}/missing`, '404', 'Error'],
    ]);
    expect(spans[1]).toMatchObject({ server: '127.0.0.1', reqHeader: '["client-7"]', resHeader: '["rq-1"]', secret: '' });
    // The request itself, not its CORS preflight (which names the header in access-control-request-headers).
    const traceparent = (name: string, path: string) => seen.get(name)!.find((r) => r.method !== 'OPTIONS' && r.url.startsWith(path))?.headers.traceparent;
    expect(traceparent('page', '/api/cart')).toBe(`00-${spans[0]!.trace}-${spans[0]!.span}-01`);
    expect(traceparent('allowed', '/orders')).toBe(`00-${spans[1]!.trace}-${spans[1]!.span}-01`);
    expect(traceparent('allowed', '/missing')).toBe(`00-${spans[3]!.trace}-${spans[3]!.span}-01`);
    expect(seen.get('other')!.filter((r) => r.url === '/pay').map((r) => [r.method, r.headers.traceparent, r.headers['access-control-request-headers']])).toEqual([['GET', undefined, undefined]]);
    // The SDK's own requests carry no traceparent and make no spans.
    expect(spans.some((s) => s.url.startsWith(gateway.url))).toBe(false);
    await context.close();
  });

  it('with the gateway behind the page\'s own origin, records the app\'s requests to that origin and leaves only its own telemetry requests alone', async () => {
    const service = `web-proxied-${randomUUID()}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    // A page whose path names its user: what the gateway may see of it is the origin.
    await page.goto(`${proxied}/account/jane-doe`);
    seen.set('proxied', []);
    await page.evaluate(async ({ endpoint, token, service }) => {
      const o = (window as any).otelhouse;
      await o.init({ endpoint, token, service, batchDelayMs: 50 });
      await fetch('/api/cart');
      // Shares the endpoint's prefix, not its telemetry paths.
      await fetch('/otel-docs/intro');
      await new Promise<void>((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open('POST', '/api/orders');
        xhr.addEventListener('loadend', () => resolve());
        xhr.send('{}');
      });
      return o.flush(10_000);
    }, { endpoint: `${proxied}/otel`, token: TOKEN, service });
    const spans = await rows<{ name: string; kind: string; url: string; status: string }>(gateway, `
      SELECT SpanName AS name, SpanKind AS kind, SpanAttributes['url.full'] AS url, SpanAttributes['http.response.status_code'] AS status
      FROM otel_traces WHERE ServiceName = '${service}' ORDER BY Timestamp`);
    expect(spans.map((s) => [s.name, s.kind, s.url, s.status])).toEqual([
      ['GET', 'Client', `${proxied}/api/cart`, '200'],
      ['GET', 'Client', `${proxied}/otel-docs/intro`, '200'],
      ['POST', 'Client', `${proxied}/api/orders`, '200'],
    ]);
    // Its own requests went through the proxy, with no trace header and no span.
    const own = seen.get('proxied')!.filter((r) => r.url.startsWith('/otel/v1/'));
    expect(own.some((r) => r.method === 'POST' && r.url.startsWith('/otel/v1/traces'))).toBe(true);
    expect(own.filter((r) => r.headers.traceparent !== undefined)).toEqual([]);
    // Its config too: a same-origin GET carries no Origin, and the gateway takes its Referer's. The
    // page refuses referrers; the SDK's poll sends its origin alone (never the page's path).
    expect(answered).toContainEqual(['/otel/v1/config', 200]);
    expect(new Set(own.filter((r) => r.url.startsWith('/otel/v1/config')).map((r) => r.headers.referer))).toEqual(new Set([`${proxied}/`]));
    expect(seen.get('proxied')!.find((r) => r.url === '/api/cart')?.headers.referer).toBeUndefined();
    // Nothing refused (a later config poll may be a 304).
    expect(answered.filter(([, status]) => status >= 400)).toEqual([]);
    expect(seen.get('proxied')!.find((r) => r.url === '/api/cart')?.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await context.close();
  });

  it('delivers LCP, INP, CLS, FCP and TTFB as browser.web_vital events with their rating when the page goes away', async () => {
    const service = `web-vitals-${randomUUID()}`;
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(origin);
    await page.evaluate(async ({ endpoint, token, service }) => {
      await (window as any).otelhouse.init({ endpoint, token, service, batchDelayMs: 60_000 });
    }, { endpoint: gateway.url, token: TOKEN, service });
    // A layout shift (for CLS; not right after an input, which CLS leaves out), then a slow
    // interaction (for INP: the browser times only events of 16 ms and more).
    await page.evaluate(() => {
      const banner = document.createElement('div');
      banner.style.height = '200px';
      banner.textContent = 'cookie banner';
      document.body.prepend(banner);
      document.querySelector('#buy')!.addEventListener('click', () => {
        const until = performance.now() + 120;
        while (performance.now() < until);
      });
    });
    await page.waitForTimeout(600);
    await page.click('#buy');
    await page.waitForTimeout(300);
    // Away: the final values leave with the page (the batch delay is a minute).
    await page.goto('about:blank');
    const vitals = async () => rows<{ name: string; value: string; rating: string; nav: string; id: string }>(gateway, `SELECT LogAttributes['browser.web_vital.name'] AS name,
      LogAttributes['browser.web_vital.value'] AS value, LogAttributes['browser.web_vital.rating'] AS rating, LogAttributes['browser.web_vital.navigation_type'] AS nav,
      LogAttributes['browser.web_vital.id'] AS id FROM otel_logs WHERE ServiceName = '${service}' AND EventName = 'browser.web_vital' ORDER BY name`);
    let found = await vitals();
    for (let i = 0; i < 50 && new Set(found.map((v) => v.name)).size < 5; i++) {
      await new Promise((r) => setTimeout(r, 100));
      found = await vitals();
    }
    expect([...new Set(found.map((v) => v.name))].sort()).toEqual(['cls', 'fcp', 'inp', 'lcp', 'ttfb']);
    for (const v of found) {
      expect(['good', 'needs-improvement', 'poor']).toContain(v.rating);
      expect(Number(v.value)).toBeGreaterThanOrEqual(0);
      expect(v.nav).toBe('navigate');
      expect(v.id).toMatch(/^v\d+-/);
    }
    expect(Number(found.find((v) => v.name === 'cls')!.value)).toBeGreaterThan(0);
    await context.close();
  });
});
