import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { logsRequest, post } from './support/payloads.ts';

const ingest = 'ingest-secret-0001';
const admin = 'admin-secret-00001';
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({
    auth: { ingestTokens: [ingest], adminTokens: [admin] },
    // The wiring from config: a filter that drops debug logs, counted in /metrics.
    processors: [{ type: 'filter', name: 'drop-debug', minSeverityNumber: 9 }],
  });
});
afterAll(() => gateway?.shutdown());

const log = (body: string, severityNumber = 9) => logsRequest('auth', [{ time: '1700000000000000000', severityNumber, severityText: 'X', body }]);

describe('ingest and admin tokens', () => {
  it('refuses OTLP requests without a valid ingest token with 401 and a Status body', async () => {
    for (const headers of [{}, { authorization: 'Bearer wrong-token-000' }, { authorization: `Bearer ${admin}` }] as Record<string, string>[]) {
      const res = await post(gateway.url, '/v1/logs', log('refused'), headers);
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
      expect(((await res.json()) as { message: string }).message).toMatch(/ingest token/);
    }
    expect(await rows(gateway, `SELECT Body FROM otel_logs WHERE Body = 'refused'`)).toEqual([]);
  });

  it('guards /v1/metrics with the ingest token too', async () => {
    const metrics = JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'auth-metrics' } }] }, scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [{ asDouble: 1 }] } }] }] }] });
    const refused = await post(gateway.url, '/v1/metrics', metrics, {});
    expect(refused.status).toBe(401);
    const accepted = await post(gateway.url, '/v1/metrics', metrics, { authorization: `Bearer ${ingest}` });
    expect(accepted.status).toBe(200);
    expect(await rows(gateway, `SELECT count() AS n FROM otel_metrics_gauge WHERE ServiceName = 'auth-metrics'`)).toEqual([{ n: 1 }]);
  });

  it('accepts OTLP requests with the ingest token', async () => {
    const res = await post(gateway.url, '/v1/logs', log('accepted'), { authorization: `Bearer ${ingest}` });
    expect(res.status).toBe(200);
    expect(await rows(gateway, `SELECT Body FROM otel_logs WHERE Body = 'accepted'`)).toEqual([{ Body: 'accepted' }]);
  });

  it('guards /api/* with the admin token and answers a JSON problem body', async () => {
    const denied = await fetch(`${gateway.url}/api/status`, { headers: { authorization: `Bearer ${ingest}` } });
    expect(denied.status).toBe(401);
    expect(denied.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(await denied.json()).toMatchObject({ status: 401, detail: 'missing or invalid admin token' });
    const allowed = await fetch(`${gateway.url}/api/status`, { headers: { authorization: `Bearer ${admin}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ drift: [], wal: { rows: 0, bytes: 0 } });
  });

  it('takes only the admin token for POST /api/flush', async () => {
    expect((await fetch(`${gateway.url}/api/flush`, { method: 'POST' })).status).toBe(401);
    expect((await fetch(`${gateway.url}/api/flush`, { method: 'POST', headers: { authorization: `Bearer ${ingest}` } })).status).toBe(401);
    const allowed = await fetch(`${gateway.url}/api/flush`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toMatchObject({ flushed: true });
  });

  it.each(['/%61pi/audit', '/api/%61udit', '/%41pi/status', '//api/audit', '/api//audit', '/api/audit/', '/api/debug-sessions?x=/healthz'])(
    'guards %s as /api/* (percent-encoded, doubled or trailing slashes)',
    async (path) => {
      // Either the router takes it for an /api route and the token check refuses it, or it is no route at all: 404 even with the admin token.
      const res = await fetch(`${gateway.url}${path}`);
      if (res.status !== 401) {
        expect(res.status).toBe(404);
        expect((await fetch(`${gateway.url}${path}`, { headers: { authorization: `Bearer ${admin}` } })).status).toBe(404);
      }
    },
  );

  it('guards /v1/config and OTLP paths written with percent-encoding', async () => {
    for (const path of ['/%761/config', '/v1/%63onfig?service.name=x', '/%76%31/logs']) {
      const res = await fetch(`${gateway.url}${path}`, { method: path.endsWith('logs') ? 'POST' : 'GET', headers: { 'content-type': 'application/json' }, body: path.endsWith('logs') ? log('encoded') : undefined });
      expect(res.status).toBe(401);
    }
    expect(await rows(gateway, `SELECT Body FROM otel_logs WHERE Body = 'encoded'`)).toEqual([]);
  });

  it('leaves /healthz and /metrics open for probes and scrapers', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${gateway.url}/metrics`)).status).toBe(200);
  });
});

describe('the processor chain from config', () => {
  it('drops what the configured filter drops and counts it per processor and reason', async () => {
    const res = await post(gateway.url, '/v1/logs', logsRequest('auth', [
      { time: '1700000000000000001', severityNumber: 5, severityText: 'DEBUG', body: 'noise' },
      { time: '1700000000000000002', severityNumber: 17, severityText: 'ERROR', body: 'signal' },
    ]), { authorization: `Bearer ${ingest}` });
    expect(res.status).toBe(200);
    expect(await rows(gateway, `SELECT Body FROM otel_logs WHERE Body IN ('noise', 'signal')`)).toEqual([{ Body: 'signal' }]);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('otelhouse_processor_dropped_total{processor="drop-debug",signal="logs",reason="severity"} 1');
    expect(metrics).toMatch(/otelhouse_processor_records_total\{processor="drop-debug",signal="logs",direction="out"\} \d+/);
  });
});
