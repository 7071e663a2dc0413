import { readFileSync } from 'node:fs';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkDrift, defaultSchemaOptions, migrate } from './index.ts';
import { makeLog, makeSpan, openTestEngine, recentTimestamp } from '../testing.ts';

const engine = openTestEngine();
const legacyTables = readFileSync(new URL('./fixtures/collector_legacy_tables.sql', import.meta.url), 'utf8')
  .split(/^;$/m)
  .map((s) => s.replace(/^--.*$/gm, '').trim());

const settingOf = async (table: string) => {
  const [{ q }] = await engine.select<{ q: string }>(
    "SELECT create_table_query AS q FROM system.tables WHERE database = 'default' AND name = {t:String}",
    { t: table },
  );
  return /non_replicated_deduplication_window = (\d+)/.exec(q)?.[1];
};
const columnNames = async (table: string) =>
  (await engine.select<{ name: string }>(
    "SELECT name FROM system.columns WHERE database = 'default' AND table = {t:String} ORDER BY position",
    { t: table },
  )).map((c) => c.name);

const ts = recentTimestamp(3_600);
const tsSecond = ts.slice(0, 19); // what TimestampTime DEFAULT toDateTime(Timestamp) stores

let report: Awaited<ReturnType<typeof migrate>>;
beforeAll(async () => {
  for (const statement of legacyTables) await engine.client.command({ query: statement });
  // What the collector inserted into them: no EventName, no ScopeName/ScopeVersion.
  const { EventName: _, ...legacyLog } = makeLog({ Timestamp: ts });
  const { ScopeName: _n, ScopeVersion: _v, ...legacySpan } = makeSpan({ Timestamp: ts });
  await engine.client.insert({ table: 'otel_logs', format: 'JSONEachRow', values: [legacyLog, { ...legacyLog, Body: 'second' }] });
  await engine.client.insert({ table: 'otel_traces', format: 'JSONEachRow', values: [legacySpan] });
  report = await migrate(engine.client, defaultSchemaOptions);
});
afterAll(() => engine.close());

describe('adopting tables an older collector created', () => {
  it('runs every migration and leaves the existing tables in place', async () => {
    expect(report).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7], current: 7, checksumMismatches: [] });
    const [{ key }] = await engine.select<{ key: string }>("SELECT sorting_key AS key FROM system.tables WHERE database = 'default' AND name = 'otel_logs'");
    expect(key).toBe('ServiceName, TimestampTime, Timestamp');
  });

  it('adds EventName and the materialized columns to the legacy logs table', async () => {
    const names = await columnNames('otel_logs');
    expect(names).toContain('TimestampTime');
    expect(names).toContain('EventName');
    expect(names.filter((n) => n.startsWith('__otel_materialized_'))).toHaveLength(8);
  });

  it('adds ScopeName and ScopeVersion to the old traces table', async () => {
    expect(await columnNames('otel_traces')).toEqual(expect.arrayContaining(['ScopeName', 'ScopeVersion']));
  });

  it('sets the deduplication window on every telemetry table', async () => {
    for (const t of ['otel_logs', 'otel_traces', 'otel_traces_trace_id_ts']) expect(await settingOf(t)).toBe('10000');
  });

  it('keeps the rows that were already there, with values for the new columns', async () => {
    const logs = await engine.select(
      "SELECT Body, EventName, toString(TimestampTime) AS tt, `__otel_materialized_k8s.pod.name` AS pod FROM otel_logs ORDER BY Body",
    );
    expect(logs).toEqual([
      { Body: 'order placed', EventName: '', tt: tsSecond, pod: 'checkout-1' },
      { Body: 'second', EventName: '', tt: tsSecond, pod: 'checkout-1' },
    ]);
    expect(await engine.select('SELECT SpanName, ScopeName FROM otel_traces')).toEqual([{ SpanName: 'GET /checkout', ScopeName: '' }]);
  });

  it('accepts our inserts, EventName included, and deduplicates a replay', async () => {
    const insert = () => engine.client.insert({
      table: 'otel_logs',
      format: 'JSONEachRow',
      values: [makeLog({ Timestamp: ts, Body: 'event', EventName: 'checkout.completed' })],
      clickhouse_settings: { insert_deduplication_token: 'adopt-1' },
    });
    await insert();
    await insert();
    expect(await engine.select("SELECT EventName, toString(TimestampTime) AS tt FROM otel_logs WHERE Body = 'event'")).toEqual([
      { EventName: 'checkout.completed', tt: tsSecond },
    ]);
  });

  it('reports no drift: legacy keys, Int64 Duration and the DateTime64 lookup are known layouts', async () => {
    expect(await checkDrift(engine.client, defaultSchemaOptions)).toEqual([]);
  });
});
