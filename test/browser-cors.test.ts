import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { launchChromium, servePage } from './support/browser.ts';
import { rows, startGateway } from './support/gateway.ts';
import { logsRequest } from './support/payloads.ts';

// A page in real headless Chromium on one origin sends to the gateway on another (issue 13,
// point 8): with a client token in the URL and a text/plain body, no preflight; the answers the
// page must read (status, ETag, Retry-After) are readable; a page of another origin stores nothing.

const TOKEN = 'pk_browser_test_0123456789';
const runId = randomUUID();
let gateway: Gateway;
let browser: Browser;
let allowed: Awaited<ReturnType<typeof servePage>>;
let foreign: Awaited<ReturnType<typeof servePage>>;
const seen: Array<{ method: string; url: string }> = [];

beforeAll(async () => {
  allowed = await servePage('<!doctype html><title>shop</title>');
  foreign = await servePage('<!doctype html><title>elsewhere</title>');
  gateway = await startGateway({ auth: { clientTokens: [{ name: 'shop', token: TOKEN, origins: [allowed.origin] }] } });
  gateway.app.server.on('request', (req: IncomingMessage) => seen.push({ method: req.method ?? '', url: req.url ?? '' }));
  browser = await launchChromium();
}, 60_000);
afterAll(async () => {
  await browser?.close();
  await gateway?.shutdown();
  await allowed?.close();
  await foreign?.close();
});

async function pageAt(origin: string): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(origin);
  return page;
}

function body(testId: string, n: number): string {
  return logsRequest('browser-test', Array.from({ length: n }, (_, i) => ({ time: String(1_700_000_000_000_000_000n + BigInt(i)), severityNumber: 9, severityText: 'INFO', body: testId })));
}

async function stored(testId: string): Promise<number> {
  const [row] = await rows<{ n: string }>(gateway, `SELECT count() AS n FROM otel_logs WHERE Body = '${testId}'`);
  return Number(row!.n);
}

const preflights = (path: string) => seen.filter((r) => r.method === 'OPTIONS' && r.url.startsWith(path)).length;

describe('a page on another origin', () => {
  it('sends text/plain OTLP JSON with the client token in the URL without a preflight, and reads the answer', async () => {
    const testId = `keepalive-${runId}`;
    const page = await pageAt(allowed.origin);
    const before = preflights('/v1/logs');
    const answer = await page.evaluate(async ({ url, payload }) => {
      const res = await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'text/plain' }, keepalive: true });
      return { status: res.status, body: await res.text() };
    }, { url: `${gateway.url}/v1/logs?token=${TOKEN}&batch=keepalive-${runId.slice(0, 8)}`, payload: body(testId, 5) });
    expect(answer).toEqual({ status: 200, body: '{}' });
    expect(preflights('/v1/logs')).toBe(before);
    expect(await stored(testId)).toBe(5);
    await page.close();
  });

  it('delivers a sendBeacon, which cannot send headers at all', async () => {
    const testId = `beacon-${runId}`;
    const page = await pageAt(allowed.origin);
    const queued = await page.evaluate(({ url, payload }) => navigator.sendBeacon(url, new Blob([payload], { type: 'text/plain' })), {
      url: `${gateway.url}/v1/logs?token=${TOKEN}`,
      payload: body(testId, 3),
    });
    expect(queued).toBe(true);
    await page.close();
    for (let i = 0; i < 50 && (await stored(testId)) < 3; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await stored(testId)).toBe(3);
  });

  it('reads /v1/config and its ETag, and revalidates with If-None-Match after one preflight', async () => {
    const page = await pageAt(allowed.origin);
    const url = `${gateway.url}/v1/config?service.name=browser-test&token=${TOKEN}`;
    const before = preflights('/v1/config');
    const result = await page.evaluate(async (u) => {
      const first = await fetch(u);
      const etag = first.headers.get('etag');
      const again = await fetch(u, { headers: { 'if-none-match': etag ?? '' } });
      return { status: first.status, etag, revalidated: again.status };
    }, url);
    expect(result.status).toBe(200);
    expect(result.etag).toMatch(/^"/);
    expect(result.revalidated).toBe(304);
    expect(preflights('/v1/config')).toBe(before + 1);
    await page.close();
  });

  it('sends application/json after a preflight the gateway allows', async () => {
    const testId = `json-${runId}`;
    const page = await pageAt(allowed.origin);
    const before = preflights('/v1/logs');
    const status = await page.evaluate(async ({ url, payload }) => (await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } })).status, {
      url: `${gateway.url}/v1/logs?token=${TOKEN}`,
      payload: body(testId, 2),
    });
    expect(status).toBe(200);
    expect(preflights('/v1/logs')).toBe(before + 1);
    expect(await stored(testId)).toBe(2);
    await page.close();
  });

  it('stores nothing from a page of an origin the token is not bound to, and the page cannot read the answer', async () => {
    const testId = `foreign-${runId}`;
    const page = await pageAt(foreign.origin);
    const posts = () => seen.filter((r) => r.method === 'POST' && r.url.startsWith('/v1/logs?token=')).length;
    const before = posts();
    const outcome = await page.evaluate(async ({ url, payload }) => {
      try {
        const res = await fetch(url, { method: 'POST', body: payload, headers: { 'content-type': 'text/plain' } });
        return `answered ${res.status}`;
      } catch (err) {
        return `refused: ${(err as Error).name}`;
      }
    }, { url: `${gateway.url}/v1/logs?token=${TOKEN}`, payload: body(testId, 2) });
    expect(outcome).toBe('refused: TypeError');
    // The request reached the gateway (a simple request has no preflight) and was refused there.
    expect(posts()).toBe(before + 1);
    expect(await stored(testId)).toBe(0);
    await page.close();
  });
});
