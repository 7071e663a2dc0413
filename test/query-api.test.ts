import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { post } from './support/payloads.ts';

// otelhouse's own read API over what a gateway stored: log search with cursors, trace search by
// plain parameters, and the records behind an issue and a debug session.

const ADMIN = 'admin-token-for-query';
const T0 = BigInt(Math.floor(Date.now() / 1000) - 60) * 1_000_000_000n;
const ns = (ms: number) => (T0 + BigInt(ms) * 1_000_000n).toString();
const traceA = '0af7651916cd43dd8448eb211c80319c';
const kv = (attrs: Record<string, string>) => Object.entries(attrs).map(([key, v]) => ({ key, value: { stringValue: v } }));
const resource = (service: string, extra: Record<string, string> = {}) => ({ attributes: kv({ 'service.name': service, ...extra }) });

let gateway: Gateway;
let app: FastifyInstance;
beforeAll(async () => {
  gateway = await startGateway({ auth: { adminTokens: [ADMIN] }, processors: [{ type: 'sampling' }] });
  const traces = JSON.stringify({
    resourceSpans: [{
      resource: resource('checkout', { 'otelhouse.debug_session.id': 'dbg-1' }),
      scopeSpans: [{
        scope: { name: 's' },
        spans: [
          { traceId: traceA, spanId: 'a000000000000001', name: 'GET /cart', kind: 2, startTimeUnixNano: ns(0), endTimeUnixNano: ns(300), attributes: kv({ 'cart.size': '3' }) },
          {
            traceId: traceA, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'price', startTimeUnixNano: ns(5), endTimeUnixNano: ns(50), status: { code: 2 },
            events: [{ timeUnixNano: ns(40), name: 'exception', attributes: kv({ 'exception.type': 'PriceError', 'exception.message': 'no price for sku 42' }) }],
          },
        ],
      }],
    }],
  });
  const logs = JSON.stringify({
    resourceLogs: [{
      resource: resource('checkout', { 'otelhouse.debug_session.id': 'dbg-1' }),
      scopeLogs: [{
        scope: { name: 's' },
        logRecords: [1, 2, 3, 4, 5].map((i) => ({
          timeUnixNano: ns(i * 10), severityNumber: i === 5 ? 17 : 9, severityText: i === 5 ? 'ERROR' : 'INFO',
          body: { stringValue: i === 5 ? 'Price lookup failed' : `step ${i}` }, traceId: traceA, spanId: 'a000000000000001', attributes: kv({ step: String(i) }),
        })),
      }],
    }, {
      resource: resource('billing'),
      scopeLogs: [{ scope: { name: 's' }, logRecords: [{ timeUnixNano: ns(100), severityNumber: 13, severityText: 'WARN', body: { stringValue: 'slow invoice' } }] }],
    }],
  });
  const sent = await Promise.all([post(gateway.url, '/v1/traces', traces), post(gateway.url, '/v1/logs', logs)]);
  expect(sent.map((r) => r.status)).toEqual([200, 200]);
  expect(await gateway.flush()).toBe(true);
  // The gateway's own server: the routes as `npm start` serves them, behind its auth hook.
  app = gateway.app;
});
afterAll(async () => {
  await gateway?.shutdown();
});

const get = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${ADMIN}` } });
const bodies = (page: { logs: { body: string }[] }) => page.logs.map((l) => l.body);

describe('GET /api/logs', () => {
  it('returns logs newest first, with filters on service, severity, text, attribute and trace', async () => {
    expect(bodies((await get('/api/logs')).json())).toEqual(['slow invoice', 'Price lookup failed', 'step 4', 'step 3', 'step 2', 'step 1']);
    expect(bodies((await get('/api/logs?service=checkout&severity=error')).json())).toEqual(['Price lookup failed']);
    expect(bodies((await get('/api/logs?severity=warn')).json())).toEqual(['slow invoice', 'Price lookup failed']);
    expect(bodies((await get('/api/logs?text=PRICE')).json())).toEqual(['Price lookup failed']);
    expect(bodies((await get('/api/logs?attr.step=2')).json())).toEqual(['step 2']);
    expect(bodies((await get(`/api/logs?traceId=${traceA.toUpperCase()}&limit=1`)).json())).toEqual(['Price lookup failed']);
  });

  it('returns a log with its ids, severity, attributes and a nanosecond timestamp', async () => {
    const [log] = (await get('/api/logs?attr.step=1')).json().logs;
    expect(log).toMatchObject({
      timeUnixNano: ns(10), traceId: traceA, spanId: 'a000000000000001', severityText: 'INFO', severityNumber: 9,
      serviceName: 'checkout', body: 'step 1', attributes: { step: '1' }, scopeName: 's',
    });
    expect(log.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
  });

  it('pages with opaque cursors until the last page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { logs: { body: string }[]; nextCursor: string | null } = (await get(`/api/logs?limit=4${cursor ? `&cursor=${cursor}` : ''}`)).json();
      seen.push(...bodies(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['slow invoice', 'Price lookup failed', 'step 4', 'step 3', 'step 2', 'step 1']);
  });

  it.each([
    ['severity=loud', 'severity'],
    ['traceId=xyz', 'traceId'],
    ['from=2026-13-45', 'from'],
    ['cursor=bm90LWEtY3Vyc29y', 'cursor'],
    ['limit=0', 'limit'],
    ['colour=blue', ''],
  ])('refuses %s with a problem naming the parameter', async (query, field) => {
    const res = await get(`/api/logs?${query}`);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    if (field) expect(res.json().field).toBe(field);
  });
});

describe('GET /api/traces', () => {
  it('finds traces by plain parameters and returns their summaries', async () => {
    const res = await get('/api/traces?service=checkout&status=error&minDuration=200ms');
    expect(res.json().traces).toMatchObject([{ traceID: traceA, rootServiceName: 'checkout', rootTraceName: 'GET /cart', durationMs: 300 }]);
    expect((await get('/api/traces?attr.cart.size=3')).json().traces).toHaveLength(1);
    expect((await get('/api/traces?name=nothing')).json().traces).toEqual([]);
    expect((await get('/api/traces?minDuration=fast')).json()).toMatchObject({ status: 400, field: 'minDuration' });
  });
});

describe('records of an issue and of a debug session', () => {
  it('lists an issue\'s events with the traces and logs they belong to', async () => {
    const [event] = await rows<{ Fingerprint: string }>(gateway, 'SELECT Fingerprint FROM otelhouse_error_events WHERE TraceId != \'\' LIMIT 1');
    expect(event).toBeDefined();
    const res = await get(`/api/issues/${encodeURIComponent(event!.Fingerprint)}/records`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.events[0]).toMatchObject({ traceId: traceA });
    expect(body.traces.map((t: { traceID: string }) => t.traceID)).toEqual([traceA]);
    expect(bodies(body)).toContain('Price lookup failed');
    expect((await get('/api/issues/no-such-fingerprint/records')).statusCode).toBe(404);
  });

  it('lists what a debug session captured', async () => {
    const body = (await get('/api/debug-sessions/dbg-1/records')).json();
    expect(body.traces.map((t: { traceID: string }) => t.traceID)).toEqual([traceA]);
    expect(body.logs).toHaveLength(5);
    expect((await get('/api/debug-sessions/other/records')).json()).toEqual({ traces: [], logs: [], nextCursor: null });
  });
});
