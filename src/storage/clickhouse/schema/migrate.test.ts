import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultSchemaOptions, migrate, renderMigrations, type SchemaOptions } from './index.ts';
import { hasFullTextSearch, probeServer, rows } from './server.ts';
import { reconcileTtl, tableTtl } from './ttl.ts';
import { makeSpan, openTestEngine, recentTimestamp } from '../testing.ts';

const engine = openTestEngine();
const opts: SchemaOptions = { ...defaultSchemaOptions, database: 'otel', ttlSeconds: 3 * 86_400 };
const LC = 'LowCardinality(String)';
const MAP = 'Map(LowCardinality(String), String)';

// Reference §1.1, as system.columns lists it (Nested flattened into arrays).
const TRACES_COLUMNS = [
  ['Timestamp', 'DateTime64(9)'], ['TraceId', 'String'], ['SpanId', 'String'], ['ParentSpanId', 'String'],
  ['TraceState', 'String'], ['SpanName', LC], ['SpanKind', LC], ['ServiceName', LC], ['ResourceAttributes', MAP],
  ['ScopeName', 'String'], ['ScopeVersion', 'String'], ['SpanAttributes', MAP], ['Duration', 'UInt64'],
  ['StatusCode', LC], ['StatusMessage', 'String'], ['Events.Timestamp', 'Array(DateTime64(9))'],
  ['Events.Name', `Array(${LC})`], ['Events.Attributes', `Array(${MAP})`], ['Links.TraceId', 'Array(String)'],
  ['Links.SpanId', 'Array(String)'], ['Links.TraceState', 'Array(String)'], ['Links.Attributes', `Array(${MAP})`],
  ['ResourceAttributeItems', 'Array(String)'], ['SpanAttributeItems', 'Array(String)'],
];

// Reference §1.3.
const MATERIALIZED_KEYS = ['k8s.cluster.name', 'k8s.container.name', 'k8s.deployment.name', 'k8s.namespace.name',
  'k8s.node.name', 'k8s.pod.name', 'k8s.pod.uid', 'deployment.environment.name'];
const LOGS_COLUMNS = [
  ['Timestamp', 'DateTime64(9)'], ['TraceId', 'String'], ['SpanId', 'String'], ['TraceFlags', 'UInt8'],
  ['SeverityText', LC], ['SeverityNumber', 'UInt8'], ['ServiceName', LC], ['Body', 'String'],
  ['ResourceSchemaUrl', LC], ['ResourceAttributes', MAP], ['ScopeSchemaUrl', LC], ['ScopeName', 'String'],
  ['ScopeVersion', LC], ['ScopeAttributes', MAP], ['LogAttributes', MAP], ['EventName', 'String'],
  ...MATERIALIZED_KEYS.map((key) => [`__otel_materialized_${key}`, LC]),
];

const columns = async (table: string) =>
  engine.select<{ name: string; type: string; default_kind: string; default_expression: string; compression_codec: string; comment: string }>(
    "SELECT name, type, default_kind, default_expression, compression_codec, comment FROM system.columns WHERE database = 'otel' AND table = {t:String} ORDER BY position",
    { t: table },
  );
const table = async (name: string) =>
  (await engine.select<{ engine: string; sorting_key: string; primary_key: string; partition_key: string; create_table_query: string }>(
    "SELECT engine, sorting_key, primary_key, partition_key, create_table_query FROM system.tables WHERE database = 'otel' AND name = {n:String}",
    { n: name },
  ))[0];
const indexes = async (name: string) =>
  engine.select<{ name: string; type: string }>(
    "SELECT name, type FROM system.data_skipping_indices WHERE database = 'otel' AND table = {n:String} ORDER BY name",
    { n: name },
  );

let first: Awaited<ReturnType<typeof migrate>>;
beforeAll(async () => {
  first = await migrate(engine.client, opts);
});
afterAll(() => engine.close());

describe('migrating an empty database', () => {
  it('applies every migration once and records it', async () => {
    expect(first).toEqual({ applied: [1, 2, 3, 4, 5, 6, 7], current: 7, checksumMismatches: [] });
    const recorded = await engine.select<{ version: number; description: string; checksum: string }>(
      'SELECT version, description, checksum FROM otel.otelhouse_schema_migrations ORDER BY version',
    );
    expect(recorded.map((r) => r.version)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    for (const r of recorded) expect(r.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('applies nothing on a second run', async () => {
    expect(await migrate(engine.client, opts)).toEqual({ applied: [], current: 7, checksumMismatches: [] });
    const [{ n }] = await engine.select<{ n: number }>('SELECT count() AS n FROM otel.otelhouse_schema_migrations');
    expect(Number(n)).toBe(7);
  });

  it('creates otel_traces with the collector columns, codecs and keys', async () => {
    const cols = await columns('otel_traces');
    expect(cols.map((c) => [c.name, c.type])).toEqual(TRACES_COLUMNS);
    const codec = Object.fromEntries(cols.map((c) => [c.name, c.compression_codec]));
    expect(codec.Timestamp).toBe('CODEC(Delta(8), ZSTD(1))');
    expect(codec.Duration).toBe('CODEC(T64, ZSTD(1))');
    expect(codec['Events.Attributes']).toBe('CODEC(ZSTD(1))');
    expect(cols.filter((c) => c.default_kind === 'ALIAS').map((c) => c.name)).toEqual(['ResourceAttributeItems', 'SpanAttributeItems']);

    const t = await table('otel_traces');
    expect(t.engine).toBe('MergeTree');
    expect(t.sorting_key).toBe('ServiceName, SpanName, toDateTime(Timestamp), Timestamp');
    expect(t.primary_key).toBe('ServiceName, SpanName, toDateTime(Timestamp)');
    expect(t.partition_key).toBe('toDate(Timestamp)');
    expect(t.create_table_query).toContain('TTL toDateTime(Timestamp) + toIntervalDay(3)');
    expect(t.create_table_query).toContain('SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000');
  });

  it('creates the trace-id lookup table and its view', async () => {
    expect((await columns('otel_traces_trace_id_ts')).map((c) => [c.name, c.type, c.compression_codec])).toEqual([
      ['TraceId', 'String', 'CODEC(ZSTD(1))'],
      ['Start', 'SimpleAggregateFunction(min, DateTime)', 'CODEC(ZSTD(1))'],
      ['End', 'SimpleAggregateFunction(max, DateTime)', 'CODEC(ZSTD(1))'],
    ]);
    const t = await table('otel_traces_trace_id_ts');
    expect(t.engine).toBe('AggregatingMergeTree');
    expect(t.sorting_key).toBe('(TraceId)');
    expect(t.partition_key).toBe('toStartOfWeek(Start)');
    expect(t.create_table_query).toContain('TTL toDateTime(Start) + toIntervalDay(3)');
    const mv = await table('otel_traces_trace_id_ts_mv');
    expect(mv.engine).toBe('MaterializedView');
    expect(mv.create_table_query).toContain('TO otel.otel_traces_trace_id_ts');
  });

  it('creates otel_logs in the current layout, comments and materialized columns included', async () => {
    const cols = await columns('otel_logs');
    expect(cols.map((c) => [c.name, c.type])).toEqual(LOGS_COLUMNS);
    expect(cols.find((c) => c.name === 'Body')?.comment).toBe('Log message body');
    expect(cols.find((c) => c.name === 'TraceFlags')?.compression_codec).toBe('');
    for (const key of MATERIALIZED_KEYS) {
      expect(cols.find((c) => c.name === `__otel_materialized_${key}`)).toMatchObject({
        default_kind: 'MATERIALIZED',
        default_expression: `ResourceAttributes['${key}']`,
      });
    }
    const t = await table('otel_logs');
    expect(t.sorting_key).toBe('toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp');
    expect(t.primary_key).toBe('toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp');
    expect(t.partition_key).toBe('toDate(Timestamp)');
    expect(t.create_table_query).toContain('TTL toDateTime(Timestamp) + toIntervalDay(3)');
    expect(t.create_table_query).toContain('non_replicated_deduplication_window = 10000');
  });

  it('probes the embedded engine: ClickHouse >= 26.2, text indexes on without extra settings', async () => {
    const server = await probeServer(engine.client);
    expect(server.version).toMatch(/^2[6-9]\./);
    expect(server).toMatchObject({ fullTextSearch: true, ddlSettings: {} });
  });

  it('creates the index branch that matches the engine version', async () => {
    const [{ version }] = await engine.select<{ version: string }>('SELECT version() AS version');
    expect(hasFullTextSearch(version)).toBe(true);
    expect(await indexes('otel_traces')).toEqual([
      { name: 'idx_duration', type: 'minmax' },
      { name: 'idx_lower_span_name', type: 'tokenbf_v1' },
      { name: 'idx_res_attr_items', type: 'text' },
      { name: 'idx_res_attr_key', type: 'text' },
      { name: 'idx_span_attr_items', type: 'text' },
      { name: 'idx_span_attr_key', type: 'text' },
      { name: 'idx_trace_id', type: 'text' },
    ]);
    expect(await indexes('otel_logs')).toEqual(
      ['idx_log_attr_key', 'idx_log_attr_value', 'idx_lower_body', 'idx_res_attr_key', 'idx_res_attr_value',
        'idx_scope_attr_key', 'idx_scope_attr_value', 'idx_trace_id'].map((name) => ({ name, type: 'text' })),
    );
  });

  it('renders bloom-filter DDL that this engine also accepts', async () => {
    const other = { ...opts, database: 'otel_bloom' };
    await engine.client.command({ query: 'CREATE DATABASE otel_bloom' });
    for (const s of renderMigrations(other, { fullTextSearch: false })[0].statements) await engine.client.command({ query: s });
    const types = await engine.select<{ type: string }>(
      "SELECT DISTINCT type FROM system.data_skipping_indices WHERE database = 'otel_bloom' ORDER BY type",
    );
    expect(types.map((t) => t.type)).toEqual(['bloom_filter', 'minmax', 'tokenbf_v1']);
  });

  it('fills the lookup table from inserted spans through the view', async () => {
    const id = '5b8efff798038103d269b633813fc60c';
    const [start, end] = [recentTimestamp(120, '250000000'), recentTimestamp(113, '900000000')];
    await engine.client.insert({
      table: 'otel.otel_traces',
      format: 'JSONEachRow',
      values: [
        makeSpan({ TraceId: id, Timestamp: start }),
        makeSpan({ TraceId: id, SpanId: '00f067aa0ba902b7', Timestamp: end }),
        makeSpan({ TraceId: '', SpanId: '00f067aa0ba902b8' }),
      ],
      clickhouse_settings: { insert_deduplication_token: 'lookup-test' },
    });
    const lookup = await engine.select(
      'SELECT toString(min(Start)) AS start, toString(max(End)) AS end FROM otel.otel_traces_trace_id_ts WHERE TraceId = {id:String}',
      { id },
    );
    expect(lookup).toEqual([{ start: start.slice(0, 19), end: end.slice(0, 19) }]); // whole seconds, as DateTime
    const [{ n }] = await engine.select<{ n: number }>("SELECT count() AS n FROM otel.otel_traces_trace_id_ts WHERE TraceId = ''");
    expect(Number(n)).toBe(0);
  });

  it('reports, and does not re-run, a migration recorded with another checksum', async () => {
    await engine.client.command({ query: "ALTER TABLE otel.otelhouse_schema_migrations UPDATE checksum = 'edited' WHERE version = 1 SETTINGS mutations_sync = 2" });
    const report = await migrate(engine.client, opts);
    expect(report.applied).toEqual([]);
    expect(report.checksumMismatches).toEqual([{ version: 1, recorded: 'edited', expected: expect.stringMatching(/^[0-9a-f]{64}$/) }]);
  });

  it('applies a changed ttlSeconds to existing tables through reconcileTtl, without a checksum mismatch', async () => {
    const db = { ...opts, database: 'otel_ttl' };
    const ttlOf = async (table: string) => {
      const [t] = await rows<{ q: string }>(engine.client, `SELECT create_table_query AS q FROM system.tables WHERE database = 'otel_ttl' AND name = '${table}'`);
      return tableTtl(t.q);
    };
    const created = await migrate(engine.client, { ...db, ttlSeconds: 0 });
    expect(created.applied).toEqual([1, 2, 3, 4, 5, 6, 7]); // a new database is simply created
    expect(await ttlOf('otel_logs')).toBe('');

    const hourly = await migrate(engine.client, { ...db, ttlSeconds: 3_600 });
    expect(hourly.checksumMismatches).toEqual([]);
    expect(await ttlOf('otel_logs')).toBe(''); // migrations never change retention by themselves
    expect((await reconcileTtl(engine.client, { ...db, ttlSeconds: 3_600 })).sort()).toEqual([
      'otel_logs', 'otel_metrics_exponential_histogram', 'otel_metrics_gauge', 'otel_metrics_histogram', 'otel_metrics_sum', 'otel_metrics_summary',
      'otel_traces', 'otel_traces_trace_id_ts', 'otelhouse_error_events',
    ]);
    expect(await ttlOf('otel_metrics_histogram')).toBe('toDateTime(TimeUnix) + toIntervalHour(1)');
    expect(await ttlOf('otel_traces')).toBe('toDateTime(Timestamp) + toIntervalHour(1)');
    expect(await ttlOf('otel_traces_trace_id_ts')).toBe('toDateTime(Start) + toIntervalHour(1)');

    expect(await reconcileTtl(engine.client, { ...db, ttlSeconds: 3_600 })).toEqual([]);
    expect(await reconcileTtl(engine.client, { ...db, ttlSeconds: 2 * 86_400 })).toHaveLength(9);
    expect(await ttlOf('otel_logs')).toBe('toDateTime(Timestamp) + toIntervalDay(2)');
    await reconcileTtl(engine.client, { ...db, ttlSeconds: 0 });
    expect(await ttlOf('otel_logs')).toBe('');
  });
});
