import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkDrift, defaultSchemaOptions, migrate, type SchemaOptions } from './index.ts';
import { openTestEngine } from '../testing.ts';

const engine = openTestEngine();
const opts = (database: string): SchemaOptions => ({ ...defaultSchemaOptions, database });
const command = (query: string) => engine.client.command({ query });

beforeAll(async () => {
  for (const db of ['fresh', 'altered', 'rekeyed']) await migrate(engine.client, opts(db));
});
afterAll(() => engine.close());

describe('checking the schema for drift', () => {
  it('finds nothing in a freshly migrated database', async () => {
    expect(await checkDrift(engine.client, opts('fresh'))).toEqual([]);
  });

  it('allows extra columns', async () => {
    await command('ALTER TABLE fresh.otel_logs ADD COLUMN TimestampTime DateTime ALIAS toDateTime(Timestamp)');
    await command("ALTER TABLE fresh.otel_traces ADD COLUMN Team LowCardinality(String) DEFAULT ''");
    expect(await checkDrift(engine.client, opts('fresh'))).toEqual([]);
  });

  it('reports a changed type with both types, and a dropped column', async () => {
    await command('ALTER TABLE altered.otel_logs MODIFY COLUMN SeverityNumber UInt16');
    await command('ALTER TABLE altered.otel_logs DROP COLUMN EventName');
    await command('ALTER TABLE altered.otel_traces DROP COLUMN StatusMessage');
    expect(await checkDrift(engine.client, opts('altered'))).toEqual([
      { table: 'otel_traces', column: 'StatusMessage', problem: 'missing column' },
      { table: 'otel_logs', column: 'SeverityNumber', problem: 'type is UInt16, expected UInt8' },
      { table: 'otel_logs', column: 'EventName', problem: 'missing column' },
    ]);
  });

  it('reports a computed column that changed, and a stored column that became computed', async () => {
    await command("ALTER TABLE altered.otel_logs MODIFY COLUMN `__otel_materialized_k8s.pod.name` LowCardinality(String) MATERIALIZED ResourceAttributes['pod']");
    await command("ALTER TABLE altered.otel_logs MODIFY COLUMN Body String MATERIALIZED ''");
    const problems = await checkDrift(engine.client, opts('altered'));
    expect(problems).toContainEqual({
      table: 'otel_logs',
      column: '__otel_materialized_k8s.pod.name',
      problem: "is MATERIALIZED ResourceAttributes['pod'], expected MATERIALIZED ResourceAttributes['k8s.pod.name']",
    });
    expect(problems).toContainEqual({ table: 'otel_logs', column: 'Body', problem: "is MATERIALIZED '', expected a stored column" });
  });

  it('reports wrong sorting and partition keys', async () => {
    await command('DROP TABLE rekeyed.otel_logs');
    await command('CREATE TABLE rekeyed.otel_logs AS fresh.otel_logs ENGINE = MergeTree PARTITION BY toYYYYMM(Timestamp) ORDER BY (ServiceName, Timestamp)');
    expect(await checkDrift(engine.client, opts('rekeyed'))).toEqual([
      { table: 'otel_logs', problem: 'sorting key is ServiceName, Timestamp, expected toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp' },
      { table: 'otel_logs', problem: 'partition key is toYYYYMM(Timestamp), expected toDate(Timestamp)' },
      { table: 'otel_logs', problem: 'non_replicated_deduplication_window is unset, expected 10000' },
    ]);
  });

  it('reports a table whose deduplication window was switched off', async () => {
    await command('ALTER TABLE altered.otel_traces_trace_id_ts MODIFY SETTING non_replicated_deduplication_window = 0');
    expect(await checkDrift(engine.client, opts('altered'))).toContainEqual({
      table: 'otel_traces_trace_id_ts',
      problem: 'non_replicated_deduplication_window is 0, expected 10000',
    });
  });

  it('reports missing tables and a missing view', async () => {
    await command('DROP VIEW rekeyed.otel_traces_trace_id_ts_mv');
    expect(await checkDrift(engine.client, opts('nowhere'))).toHaveLength(16);
    expect(await checkDrift(engine.client, opts('rekeyed'))).toContainEqual({
      table: 'otel_traces_trace_id_ts_mv',
      problem: 'missing materialized view',
    });
  });
});
