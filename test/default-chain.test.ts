import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { logsRequest, post, traceRequest } from './support/payloads.ts';

const json = { 'content-type': 'application/json' };
const t0 = 1_767_000_000_000_000_000n;

describe('a gateway started without a processors section', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.shutdown());

  it('runs redaction, the debug-session gate, then sampling', () => {
    expect(gateway.config.processors.map((p) => p.type)).toEqual(['redaction', 'debugsessions', 'sampling']);
  });

  it('redacts personal data and secrets before storing spans and logs', async () => {
    const traces = traceRequest('checkout', [
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        name: 'POST /login',
        start: String(t0),
        end: String(t0 + 1_000_000n),
        attributes: { 'enduser.email': 'jane.doe@example.com', 'http.request.header.authorization': 'Bearer Ab3dE6gH9jK2mN5pQ8rS', 'http.route': '/login' },
      },
    ]);
    const logs = logsRequest('checkout', [{ time: String(t0), severityNumber: 9, severityText: 'INFO', body: 'card 4242 4242 4242 4242 charged for order 1234-5678' }]);
    expect((await post(gateway.url, '/v1/traces', traces, json)).status).toBe(200);
    expect((await post(gateway.url, '/v1/logs', logs, json)).status).toBe(200);

    const [span] = await rows<{ SpanAttributes: Record<string, string> }>(gateway, 'SELECT SpanAttributes FROM otel_traces');
    expect(span.SpanAttributes).toMatchObject({
      'enduser.email': '[email]',
      'http.request.header.authorization': '[redacted]',
      'http.route': '/login',
      'otelhouse.redaction.count': '2',
    });
    const [log] = await rows<{ Body: string }>(gateway, 'SELECT Body FROM otel_logs');
    expect(log.Body).toBe('card [card] charged for order 1234-5678');
  });

  it('keeps every span at its default 100 % rate and stores no SampleRate on them', async () => {
    const spans = Array.from({ length: 50 }, (_, i) => ({
      traceId: (i + 1).toString(16).padStart(32, 'a'),
      spanId: (i + 1).toString(16).padStart(16, 'b'),
      name: 'GET /items',
      start: String(t0),
      end: String(t0 + 1000n),
    }));
    expect((await post(gateway.url, '/v1/traces', traceRequest('catalog', spans), json)).status).toBe(200);
    const [stored] = await rows<{ n: number; rated: number }>(
      gateway,
      "SELECT count() AS n, countIf(mapContains(SpanAttributes, 'SampleRate')) AS rated FROM otel_traces WHERE ServiceName = 'catalog'",
    );
    expect({ n: Number(stored.n), rated: Number(stored.rated) }).toEqual({ n: 50, rated: 0 });
  });
});

describe('a gateway whose configured chain has no redaction processor', () => {
  it('warns at start that personal data reaches storage unredacted', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const gateway = await startGateway({ processors: [{ type: 'sampling' }] }, { logger: pino({ level: 'warn' }, sink) });
    await gateway.shutdown();
    expect(lines.some((line) => JSON.parse(line).msg.includes('no redaction processor'))).toBe(true);
  });
});

/** A logger writing JSON lines into `lines`. */
function capture(level: string): { lines: Array<Record<string, unknown>>; logger: pino.Logger } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(JSON.parse(String(chunk))), done()) });
  return { lines, logger: pino({ level }, sink) };
}

const levels = [[1, 'TRACE'], [5, 'DEBUG'], [9, 'INFO'], [13, 'WARN'], [17, 'ERROR']] as const;
const levelledLogs = (service: string, from = 0) =>
  logsRequest(service, levels.map(([severityNumber, severityText], i) => ({ time: String(t0 + BigInt(from + i)), severityNumber, severityText, body: `level ${severityText}` })));
const storedLevels = async (gateway: Gateway, service: string) =>
  (await rows<{ SeverityText: string }>(gateway, `SELECT SeverityText FROM otel_logs WHERE ServiceName = '${service}' ORDER BY SeverityNumber, Timestamp`)).map((r) => r.SeverityText);

describe('levels and drops', () => {
  it('stores logs of every level with no configuration, as a Collector does', async () => {
    const gateway = await startGateway();
    try {
      expect((await post(gateway.url, '/v1/logs', levelledLogs('levels'), json)).status).toBe(200);
      expect(await storedLevels(gateway, 'levels')).toEqual(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']);
    } finally {
      await gateway.shutdown();
    }
  });

  it('logs the first drop of each processor and reason once, then only counts it', async () => {
    const { lines, logger } = capture('info');
    const gateway = await startGateway({ processors: [{ type: 'redaction' }, { type: 'filter', minSeverityNumber: 13 }] }, { logger });
    try {
      expect((await post(gateway.url, '/v1/logs', levelledLogs('filtered'), json)).status).toBe(200);
      expect((await post(gateway.url, '/v1/logs', levelledLogs('filtered', 10), json)).status).toBe(200);
      expect(await storedLevels(gateway, 'filtered')).toEqual(['WARN', 'WARN', 'ERROR', 'ERROR']);
      const drops = lines.filter((l) => l.processor === 'filter');
      expect(drops).toEqual([expect.objectContaining({ level: 30, signal: 'logs', reason: 'severity', count: 3 })]);
      expect(drops[0].msg).toMatch(/dropped logs records \(severity\); logged once per reason/);
      const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      expect(metrics).toMatch(/otelhouse_processor_dropped_total\{[^}]*processor="filter"[^}]*reason="severity"[^}]*\} 6/);
    } finally {
      await gateway.shutdown();
    }
  });

  it('warns at start when policies exist but the chain has no debugsessions gate to apply them', async () => {
    const data = tempDataDir();
    const ADMIN = 'admin-token-abcdef';
    try {
      const first = await startGateway({ dataDir: data.dir, auth: { adminTokens: [ADMIN] } });
      const created = await fetch(`${first.url}/api/policies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'kill old builds', targeting: { appVersions: '<2.0.0' }, settings: { telemetryEnabled: false } }),
      });
      expect(created.status).toBe(201);
      await first.shutdown();

      const gated = capture('warn');
      await (await startGateway({ dataDir: data.dir }, { logger: gated.logger })).shutdown();
      expect(gated.lines.filter((l) => String(l.msg).includes('no debugsessions gate'))).toEqual([]);

      const ungated = capture('warn');
      await (await startGateway({ dataDir: data.dir, processors: [{ type: 'redaction' }, { type: 'sampling' }] }, { logger: ungated.logger })).shutdown();
      expect(ungated.lines.filter((l) => String(l.msg).includes('no debugsessions gate'))).toEqual([expect.objectContaining({ level: 40, policies: 1 })]);
    } finally {
      data.remove();
    }
  });
});
