/**
 * Erasure by data subject (issue 17, point 1): one subject's records planted among 100,000 others
 * in every table — spans, logs, metrics, error events (with the issue aggregates they feed), debug
 * sessions — then `POST /api/erasures`: afterwards none of theirs is left, every other row is, the
 * issue counts are corrected, late records of the subject are dropped and counted, a second request
 * answers the first, and both the request and its outcome are audited. An email stored in its
 * hashed form (the redaction processor's `hash` method) is found and erased too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';

const ADMIN = 'admin-token-for-erasure';
const INGEST = 'ingest-token-for-erasure';
const HASH_SECRET = 'erasure-test-hash-secret-of-32-characters-or-more';
const VICTIM = 'u-victim-7';
const OTHERS = 100_000;
let gateway: Gateway;

const api = (path: string, init: RequestInit = {}) =>
  fetch(`${gateway.url}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', ...init.headers } });
const command = (query: string) => gateway.client.command({ query });
const count = async (sql: string) => Number((await rows<{ n: string }>(gateway, sql))[0]!.n);

function logs(service: string, records: Array<{ body: string; attributes: Record<string, string>; severity?: number }>) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] }, scopeLogs: [{ logRecords: records.map((r, i) => ({
    timeUnixNano: String(now + BigInt(i)), severityNumber: r.severity ?? 9, body: { stringValue: r.body },
    attributes: Object.entries(r.attributes).map(([key, v]) => ({ key, value: { stringValue: v } })),
  })) }] }] });
}
const sendLogs = (body: string) => fetch(`${gateway.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${INGEST}` }, body });

async function waitDone(id: string): Promise<any> {
  for (let i = 0; i < 600; i++) {
    const res = await api(`/api/erasures/${id}`);
    const body = await res.json();
    if (body.status === 'done' || body.status === 'failed') return body;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`erasure ${id} did not finish`);
}

beforeAll(async () => {
  gateway = await startGateway({
    auth: { adminTokens: [ADMIN], ingestTokens: [INGEST] },
    processors: [{ type: 'redaction', hashSecret: HASH_SECRET, rules: { email: 'hash' } }],
  });
  // 100,000 others and the subject in every table, written directly as a Collector would have.
  const pick = (expr: string) => `if(number % 20000 = 7, '${VICTIM}', concat('u-', toString(number)))`.replace('number', expr);
  await command(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, SpanAttributes, ResourceAttributes)
    SELECT now64(9), hex(number), hex(number), 'GET /', 'shop', map('user.id', ${pick('number')}), map('service.name', 'shop') FROM numbers(${OTHERS + 5})`);
  // One span carries the subject only in an event's attributes.
  await command(`INSERT INTO otel_traces (Timestamp, TraceId, SpanId, SpanName, ServiceName, SpanAttributes, \`Events.Timestamp\`, \`Events.Name\`, \`Events.Attributes\`)
    VALUES (now64(9), 'ev', 'ev', 'checkout', 'shop', map(), [now64(9)], ['login'], [map('user.id', '${VICTIM}')])`);
  await command(`INSERT INTO otel_logs (Timestamp, ServiceName, Body, LogAttributes, ResourceAttributes)
    SELECT now64(9), 'shop', 'hello', map('user.id', ${pick('number')}), map() FROM numbers(${OTHERS + 5})`);
  await command(`INSERT INTO otel_metrics_sum (ServiceName, MetricName, Attributes, ResourceAttributes, TimeUnix, Value, AggregationTemporality, IsMonotonic)
    SELECT 'shop', 'orders', map('user.id', ${pick('number')}), map(), now(), 1, 1, true FROM numbers(${OTHERS + 5})`);
  await command(`INSERT INTO otel_metrics_gauge (ServiceName, MetricName, Attributes, ResourceAttributes, TimeUnix, Value)
    SELECT 'shop', 'cart', map(), map('user.id', '${VICTIM}'), now(), 3 FROM numbers(2)`);
  // Error events: a shared issue (the subject's 5 among 100,000) and one only the subject hit.
  await command(`INSERT INTO otelhouse_error_events (Timestamp, EventId, Fingerprint, Source, ServiceName, Severity, UserId, Occurrences)
    SELECT now64(9), toString(number), 'fp-shared', 'log', 'shop', 'error', ${pick('number')}, 1 FROM numbers(${OTHERS + 5})`);
  await command(`INSERT INTO otelhouse_error_events (Timestamp, EventId, Fingerprint, Source, ServiceName, Severity, UserId, Occurrences)
    SELECT now64(9), concat('v', toString(number)), 'fp-victim', 'log', 'shop', 'error', '${VICTIM}', 2 FROM numbers(3)`);
  await command(`INSERT INTO otelhouse_debug_sessions (Id, UserId, Level, CreatedBy, StartsAt, EndsAt, Version)
    VALUES ('ds_victim', '${VICTIM}', 'debug', 'test', now64(3), now64(3) + INTERVAL 1 HOUR, 1), ('ds_other', 'u-1', 'debug', 'test', now64(3), now64(3) + INTERVAL 1 HOUR, 1)`);
});
afterAll(() => gateway?.shutdown());

describe('erasure by subject', () => {
  let id: string;

  it('plants the subject among 100,000 others in every table', async () => {
    expect(await count(`SELECT count() AS n FROM otel_traces WHERE SpanAttributes['user.id'] = '${VICTIM}'`)).toBe(5);
    expect(await count(`SELECT Events AS n FROM otelhouse_issue_stats FINAL WHERE Fingerprint = 'fp-shared'`)).toBe(OTHERS + 5);
  });

  it('exports every stored record of the subject as JSON lines, table by table, and audits it', async () => {
    const res = await api(`/api/subjects/export?key=user.id&value=${VICTIM}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/application\/x-ndjson/);
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { table: string; record: Record<string, any> });
    const perTable: Record<string, number> = {};
    for (const l of lines) perTable[l.table] = (perTable[l.table] ?? 0) + 1;
    expect(perTable).toEqual({ otel_traces: 6, otel_logs: 5, otel_metrics_sum: 5, otel_metrics_gauge: 2, otelhouse_error_events: 8 });
    expect(lines.find((l) => l.table === 'otel_logs')!.record.LogAttributes['user.id']).toBe(VICTIM);
    const { entries } = await (await api(`/api/audit?entityType=subject&action=subject.export`)).json();
    expect(entries[0]).toMatchObject({ entityId: `user.id=${VICTIM}` });
  });

  it('exports in pages: a subject with more rows than a page gets every one once', async () => {
    await command(`INSERT INTO otel_metrics_gauge (ServiceName, MetricName, Attributes, ResourceAttributes, TimeUnix, Value)
      SELECT 'shop', 'cart', map('n', toString(number)), map('device.id', 'dev-many'), now(), number FROM numbers(12345)`);
    const res = await api('/api/subjects/export?key=device.id&value=dev-many');
    const values = (await res.text()).trim().split('\n').map((l) => JSON.parse(l).record.Value as number);
    expect(values).toHaveLength(12345);
    expect(new Set(values).size).toBe(12345);
  });

  it('erases every row carrying it, keeps every other, and reports the rows removed per table', async () => {
    const res = await api('/api/erasures', { method: 'POST', body: JSON.stringify({ subject: { key: 'user.id', value: VICTIM } }) });
    expect(res.status).toBe(202);
    const created = await res.json();
    expect(created).toMatchObject({ subject: { key: 'user.id', value: VICTIM }, status: 'pending' });
    expect(res.headers.get('location')).toBe(`/api/erasures/${created.id}`);
    id = created.id;
    const done = await waitDone(id);
    expect(done.status, done.error).toBe('done');
    expect(done.rowsRemoved).toMatchObject({
      otel_traces: 6, otel_logs: 5, otel_metrics_sum: 5, otel_metrics_gauge: 2, otelhouse_error_events: 8, otelhouse_debug_sessions: 1,
    });
    for (const [table, condition] of [
      ['otel_traces', `SpanAttributes['user.id'] = '${VICTIM}' OR arrayExists(m -> m['user.id'] = '${VICTIM}', \`Events.Attributes\`)`], ['otel_logs', `LogAttributes['user.id'] = '${VICTIM}'`],
      ['otel_metrics_sum', `Attributes['user.id'] = '${VICTIM}'`], ['otel_metrics_gauge', `ResourceAttributes['user.id'] = '${VICTIM}'`],
      ['otelhouse_error_events', `UserId = '${VICTIM}'`], ['otelhouse_debug_sessions', `UserId = '${VICTIM}'`],
    ]) {
      expect(await count(`SELECT count() AS n FROM ${table} WHERE ${condition}`), table).toBe(0);
    }
    for (const table of ['otel_traces', 'otel_logs', 'otel_metrics_sum']) expect(await count(`SELECT count() AS n FROM ${table}`), table).toBe(OTHERS);
    expect(await count(`SELECT count() AS n FROM otelhouse_error_events`)).toBe(OTHERS);
    expect(await count(`SELECT count() AS n FROM otelhouse_debug_sessions WHERE Id = 'ds_other'`)).toBe(1);
  });

  it('corrects the issue aggregates: the shared issue counts the others only, the subject\'s own issue is gone', async () => {
    expect(await count(`SELECT Events AS n FROM otelhouse_issue_stats FINAL WHERE Fingerprint = 'fp-shared'`)).toBe(OTHERS);
    // Users are counted by uniq (approximate at this size): the subject's one fewer is within its error, the rebuild is not.
    expect(await count(`SELECT uniqMerge(Users) AS n FROM otelhouse_issue_stats WHERE Fingerprint = 'fp-shared'`)).toBeGreaterThan(OTHERS * 0.97);
    expect(await count(`SELECT count() AS n FROM otelhouse_issue_stats WHERE Fingerprint = 'fp-victim'`)).toBe(0);
    expect(await count(`SELECT sum(Events) AS n FROM otelhouse_issue_daily WHERE Fingerprint = 'fp-shared'`)).toBe(OTHERS);
  });

  it('drops records of the subject that arrive later, counted; others pass', async () => {
    const res = await sendLogs(logs('late', [{ body: 'late retry', attributes: { 'user.id': VICTIM } }, { body: 'someone else', attributes: { 'user.id': 'u-3' } }]));
    expect(res.status).toBe(200);
    expect(await rows(gateway, `SELECT Body FROM otel_logs WHERE ServiceName = 'late'`)).toEqual([{ Body: 'someone else' }]);
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toContain('otelhouse_erasure_dropped_records_total{signal="logs"} 1');
  });

  it('answers a second request for the subject with the first, and lists and audits both steps', async () => {
    const again = await api('/api/erasures', { method: 'POST', body: JSON.stringify({ subject: { key: 'user.id', value: VICTIM } }) });
    expect(again.status).toBe(200);
    expect((await again.json()).id).toBe(id);
    const { erasures } = await (await api('/api/erasures')).json();
    expect(erasures.map((e: { id: string }) => e.id)).toContain(id);
    const { entries } = await (await api(`/api/audit?entityType=erasure&entityId=${id}`)).json();
    expect(entries.map((e: { action: string }) => e.action).sort()).toEqual(['erasure.complete', 'erasure.request']);
    expect(entries.find((e: { action: string }) => e.action === 'erasure.request').actor).toMatch(/token/);
  });

  it('finds an email in the hashed form the redaction processor stored it in', async () => {
    expect((await sendLogs(logs('mail', [{ body: 'signed up', attributes: { contact: 'ann@example.com' } }, { body: 'signed up', attributes: { contact: 'bob@example.com' } }]))).status).toBe(200);
    const stored = await rows<{ c: string }>(gateway, `SELECT LogAttributes['contact'] AS c FROM otel_logs WHERE ServiceName = 'mail' ORDER BY c`);
    expect(stored).toHaveLength(2);
    for (const r of stored) expect(r.c).toMatch(/hmac:[0-9a-f]{32}/);
    const res = await api('/api/erasures', { method: 'POST', body: JSON.stringify({ subject: { key: 'email', value: 'ann@example.com' } }) });
    const done = await waitDone((await res.json()).id);
    expect(done.rowsRemoved.otel_logs).toBe(1);
    expect(await count(`SELECT count() AS n FROM otel_logs WHERE ServiceName = 'mail'`)).toBe(1);
  });

  it('refuses a malformed subject with a problem body, and an unknown request with 404', async () => {
    for (const subject of [{ key: 'name', value: 'x' }, { key: 'user.id', value: '' }, { key: 'user.id' }]) {
      const res = await api('/api/erasures', { method: 'POST', body: JSON.stringify({ subject }) });
      expect(res.status, JSON.stringify(subject)).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/problem\+json/);
    }
    expect((await api('/api/erasures/er_nope')).status).toBe(404);
    expect((await fetch(`${gateway.url}/api/erasures`, { method: 'POST', body: '{}' })).status).toBe(401);
  });
});
