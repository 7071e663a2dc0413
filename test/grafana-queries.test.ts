import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { grafanaTraceSearch, grafanaTraceView } from './support/grafanaSql.ts';
import { logsRequest, post, traceRequest } from './support/payloads.ts';

// SQL below is what the Grafana ClickHouse datasource generates in OpenTelemetry mode
// (reference/clickhouse-otel-schema.md §3), with its macros expanded the way the plugin expands them:
// $__fromTime / $__toTime → toDateTime(<unix seconds>).
const from = 'toDateTime(1700000000)';
const to = 'toDateTime(1700000600)';
const traceA = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
const traceB = 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2';
const ns = (secondsAfter: number, nanos = 0) => (1_700_000_000n * 1_000_000_000n + BigInt(secondsAfter) * 1_000_000_000n + BigInt(nanos)).toString();

let gateway: Gateway;
beforeAll(async () => {
  // No policy gate in this chain: the DEBUG log below is stored, as an unfiltered pipeline would.
  gateway = await startGateway({ processors: [{ type: 'redaction' }, { type: 'sampling' }] });
  const sent = await Promise.all([
    post(gateway.url, '/v1/traces', traceRequest('frontend', [
      { traceId: traceA, spanId: 'a000000000000001', name: 'GET /checkout', start: ns(10), end: ns(10, 50_000_000), attributes: { 'http.route': '/checkout' } },
      { traceId: traceA, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'POST /pay', kind: 3, start: ns(10, 5_000_000), end: ns(10, 45_000_000), status: { code: 2, message: 'card declined' } },
      // A root span with zero duration is not listed by the default trace search.
      { traceId: 'cccccccccccccccccccccccccccccc03', spanId: 'c000000000000001', name: 'noop', start: ns(30), end: ns(30) },
      // Outside the dashboard's time range.
      { traceId: 'dddddddddddddddddddddddddddddd04', spanId: 'd000000000000001', name: 'GET /old', start: ns(-3600), end: ns(-3599) },
    ])),
    post(gateway.url, '/v1/traces', traceRequest('api', [
      { traceId: traceB, spanId: 'b000000000000001', name: 'GET /users', start: ns(70), end: ns(70, 2_000_000) },
    ])),
    post(gateway.url, '/v1/logs', logsRequest('frontend', [
      { time: ns(10, 1_000), severityNumber: 9, severityText: 'INFO', body: 'checkout started', traceId: traceA, spanId: 'a000000000000001' },
      { time: ns(10, 44_000_000), severityNumber: 17, severityText: 'ERROR', body: 'payment failed', traceId: traceA, spanId: 'a000000000000002' },
      { time: ns(75), severityNumber: 13, severityText: 'WARN', body: 'slow render' },
      { time: ns(130), severityNumber: 5, severityText: 'debug', body: 'cache miss' },
    ])),
  ]);
  expect(sent.map((r) => r.status)).toEqual([200, 200, 200]);
});
afterAll(() => gateway?.shutdown());

describe('Grafana ClickHouse datasource queries on stored data', () => {
  it('trace search lists root spans with a duration, newest first', async () => {
    const sql = grafanaTraceSearch(from, to);
    expect(await rows(gateway, sql)).toEqual([
      { traceID: traceB, serviceName: 'api', operationName: 'GET /users', startTime: '2023-11-14 22:14:30.000000000', duration: 2 },
      { traceID: traceA, serviceName: 'frontend', operationName: 'GET /checkout', startTime: '2023-11-14 22:13:30.000000000', duration: 50 },
    ]);
  });

  it('trace view through otel_traces_trace_id_ts returns every span of the trace with tags, events and status', async () => {
    const sql = grafanaTraceView(traceA);
    const spans = await rows<Record<string, unknown>>(gateway, sql);
    spans.sort((a, b) => String(a.spanID).localeCompare(String(b.spanID)));
    // Grafana multiplies nanoseconds by 0.000001 in Float64: the milliseconds are exact to within float rounding.
    expect(spans.map((s) => s.startTime)).toEqual([expect.closeTo(1700000010000, 3), expect.closeTo(1700000010005, 3)]);
    for (const s of spans) delete s.startTime;
    expect(spans).toEqual([
      {
        traceID: traceA, spanID: 'a000000000000001', parentSpanID: '', serviceName: 'frontend', operationName: 'GET /checkout',
        duration: 50, tags: [{ key: 'http.route', value: '/checkout' }],
        serviceTags: [{ key: 'service.name', value: 'frontend' }], statusCode: 0, logs: [], references: [],
        kind: 'Server', statusMessage: '', traceState: '',
      },
      {
        traceID: traceA, spanID: 'a000000000000002', parentSpanID: 'a000000000000001', serviceName: 'frontend', operationName: 'POST /pay',
        duration: 40, tags: [], serviceTags: [{ key: 'service.name', value: 'frontend' }], statusCode: 2,
        logs: [], references: [], kind: 'Client', statusMessage: 'card declined', traceState: '',
      },
    ]);
  });

  it('logs query (OTel 1.3.0 layout) returns the time range newest first with trace IDs for data links', async () => {
    const sql =
      `SELECT Timestamp as "timestamp", Body as "body", SeverityText as "level", TraceId as "traceID", ResourceAttributes, ScopeAttributes, LogAttributes ` +
      `FROM "default"."otel_logs" WHERE ( timestamp >= ${from} AND timestamp <= ${to} ) ORDER BY timestamp DESC LIMIT 1000`;
    const logs = await rows<Record<string, unknown>>(gateway, sql);
    expect(logs.map((l) => [l.body, l.level, l.traceID])).toEqual([
      ['cache miss', 'debug', ''],
      ['slow render', 'WARN', ''],
      ['payment failed', 'ERROR', traceA],
      ['checkout started', 'INFO', traceA],
    ]);
    expect(logs[0].ResourceAttributes).toEqual({ 'service.name': 'frontend' });
  });

  it('the "View logs" data link finds a trace\'s logs by TraceId', async () => {
    const sql =
      `SELECT Timestamp as "timestamp", Body as "body", SeverityText as "level" FROM "default"."otel_logs" ` +
      `WHERE ( timestamp >= ${from} AND timestamp <= ${to} ) AND ( TraceId = '${traceA}' ) ORDER BY timestamp ASC LIMIT 1000`;
    expect((await rows<{ body: string }>(gateway, sql)).map((l) => l.body)).toEqual(['checkout started', 'payment failed']);
  });

  it('log volume histogram counts each level per interval', async () => {
    const levels: Record<string, string[]> = {
      critical: ['critical', 'fatal', 'crit', 'alert', 'emerg'],
      error: ['error', 'err', 'eror'],
      warn: ['warn', 'warning'],
      info: ['info', 'information', 'informational'],
      debug: ['debug', 'dbug'],
      trace: ['trace'],
    };
    const variants = (words: string[]) => words.flatMap((w) => [w, w.toUpperCase(), w[0].toUpperCase() + w.slice(1)]).map((w) => `'${w}'`).join(', ');
    const sums = Object.entries(levels).map(([level, words]) => `sum(multiSearchAny(toString("SeverityText"), [${variants(words)}])) as ${level}`);
    const all = Object.values(levels).flat();
    sums.push(`sum(multiSearchAny(toString("SeverityText"), [${variants(all)}]) = false) as unknown`);
    const sql =
      `SELECT toStartOfInterval("Timestamp", INTERVAL 1 MINUTE) as "time", ${sums.join(', ')} FROM "default"."otel_logs" ` +
      `WHERE ( "Timestamp" >= ${from} AND "Timestamp" <= ${to} ) GROUP BY time ORDER BY time ASC`;
    expect(await rows(gateway, sql)).toEqual([
      { time: '2023-11-14 22:13:00', critical: 0, error: 1, warn: 0, info: 1, debug: 0, trace: 0, unknown: 0 },
      { time: '2023-11-14 22:14:00', critical: 0, error: 0, warn: 1, info: 0, debug: 0, trace: 0, unknown: 0 },
      { time: '2023-11-14 22:15:00', critical: 0, error: 0, warn: 0, info: 0, debug: 1, trace: 0, unknown: 0 },
    ]);
  });
});
