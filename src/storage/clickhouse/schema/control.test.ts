import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkDrift, defaultSchemaOptions, migrate, renderMigrations, type SchemaOptions } from './index.ts';
import { openTestEngine } from '../testing.ts';

const engine = openTestEngine();
const opts: SchemaOptions = { ...defaultSchemaOptions, database: 'ctl', ttlSeconds: 7 * 86_400 };
const control = (o: SchemaOptions) => renderMigrations(o).find((m) => m.version === 3)!;

beforeAll(async () => {
  await migrate(engine.client, opts);
});
afterAll(() => engine.close());

describe('migration 3: the control tables', () => {
  it('creates the error events, issue, audit, source map and erasure tables with their engines and keys', async () => {
    const tables = await engine.select<{ name: string; engine: string; sorting_key: string; partition_key: string }>(
      "SELECT name, engine, sorting_key, partition_key FROM system.tables WHERE database = 'ctl' AND name LIKE 'otelhouse_%' AND name != 'otelhouse_schema_migrations' AND name NOT IN ('otelhouse_debug_sessions', 'otelhouse_debug_session_stats', 'otelhouse_collection_policies', 'otelhouse_clients_seen', 'otelhouse_clients_seen_logs_mv', 'otelhouse_clients_seen_traces_mv') ORDER BY name",
    );
    expect(tables.map((t) => [t.name, t.engine, t.sorting_key, t.partition_key])).toEqual([
      ['otelhouse_audit_log', 'MergeTree', 'EntityType, EntityId, Time', 'toYYYYMM(Time)'],
      ['otelhouse_erasures', 'ReplacingMergeTree', 'Id', ''],
      ['otelhouse_error_events', 'MergeTree', 'Fingerprint, Timestamp', 'toDate(Timestamp)'],
      ['otelhouse_issue_daily', 'SummingMergeTree', 'Fingerprint, Day, Severity', 'toYYYYMM(Day)'],
      ['otelhouse_issue_daily_mv', 'MaterializedView', '', ''],
      ['otelhouse_issue_state', 'ReplacingMergeTree', 'Fingerprint', ''],
      ['otelhouse_issue_stats', 'AggregatingMergeTree', 'Fingerprint', ''],
      ['otelhouse_issue_stats_mv', 'MaterializedView', '', ''],
      ['otelhouse_sourcemaps', 'ReplacingMergeTree', 'Release, FileUrl', ''],
    ]);
  });

  it('puts the retention TTL and the insert deduplication window on error events only where due', async () => {
    const [events] = await engine.select<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = 'ctl' AND name = 'otelhouse_error_events'");
    expect(events!.q).toContain('TTL toDateTime(Timestamp) + toIntervalDay(7)');
    expect(events!.q).toContain('non_replicated_deduplication_window = 10000');
    const [state] = await engine.select<{ q: string }>("SELECT create_table_query AS q FROM system.tables WHERE database = 'ctl' AND name = 'otelhouse_issue_state'");
    expect(state!.q).toContain('ReplacingMergeTree(Version)');
    expect(state!.q).not.toContain('TTL');
  });

  it('can run its statements again after a crash, and the drift check finds nothing', async () => {
    for (const statement of control(opts).statements) await engine.client.command({ query: statement });
    expect(await checkDrift(engine.client, opts)).toEqual([]);
  });

  it('reports a dropped issue view and a changed state column', async () => {
    await migrate(engine.client, { ...opts, database: 'ctl_drift' });
    await engine.client.command({ query: 'DROP VIEW ctl_drift.otelhouse_issue_stats_mv' });
    await engine.client.command({ query: 'ALTER TABLE ctl_drift.otelhouse_issue_state MODIFY COLUMN IgnoreUntilEvents UInt32' });
    expect(await checkDrift(engine.client, { ...opts, database: 'ctl_drift' })).toEqual([
      { table: 'otelhouse_issue_stats_mv', problem: 'missing materialized view' },
      { table: 'otelhouse_issue_state', column: 'IgnoreUntilEvents', problem: 'type is UInt32, expected UInt64' },
    ]);
  });

  it('renders ON CLUSTER and Replicated engines like the telemetry tables', () => {
    const statements = control({ ...opts, cluster: 'prod', replicated: true }).statements;
    for (const s of statements) expect(s.split('\n')[0]).toContain(' ON CLUSTER `prod`');
    const all = statements.join('\n');
    expect(all).toContain('ENGINE = ReplicatedReplacingMergeTree(Version)');
    expect(all).toContain('ENGINE = ReplicatedReplacingMergeTree(UploadedAt)');
    expect(all).toContain('ENGINE = ReplicatedSummingMergeTree()');
    expect(all).toContain('ENGINE = ReplicatedAggregatingMergeTree()');
    expect(all).toContain('replicated_deduplication_window = 10000');
    expect(all).not.toMatch(/ENGINE = (Summing|Replacing|Aggregating)?MergeTree\(|non_replicated/);
  });

  it('keeps control table names fixed, refusing a telemetry table that would collide', () => {
    expect(() => renderMigrations({ ...opts, logsTable: 'otelhouse_audit_log' })).toThrow('logsTable');
    expect(control({ ...opts, tracesTable: 'spans' }).statements.join('\n')).toContain('`ctl`.`otelhouse_error_events`');
  });
});
