import { describe, expect, it } from 'vitest';

import { defaultSchemaOptions } from './options.ts';
import { controlTableStatements } from './controlPlane.ts';

describe('rendering the control-plane tables', () => {
  it('creates the session, stats, policy and clients-seen tables and the two views, idempotently', () => {
    const statements = controlTableStatements({ ...defaultSchemaOptions, database: 'otel' });
    expect(statements.map((s) => /^CREATE (?:TABLE|MATERIALIZED VIEW) IF NOT EXISTS (\S+)/.exec(s)?.[1])).toEqual([
      '`otel`.`otelhouse_debug_sessions`',
      '`otel`.`otelhouse_debug_session_stats`',
      '`otel`.`otelhouse_collection_policies`',
      '`otel`.`otelhouse_clients_seen`',
      '`otel`.`otelhouse_clients_seen_logs_mv`',
      '`otel`.`otelhouse_clients_seen_traces_mv`',
    ]);
    expect(statements[0]).toContain('ENGINE = ReplacingMergeTree(Version)');
    expect(statements[4]).toContain('FROM `otel`.`otel_logs`');
    expect(statements[5]).toContain('FROM `otel`.`otel_traces`');
    expect(statements.join('\n')).not.toMatch(/\{\{|--/);
  });

  it('follows the configured table names, cluster and replication', () => {
    const statements = controlTableStatements({ ...defaultSchemaOptions, logsTable: 'logs', tracesTable: 'spans', cluster: 'main', replicated: true });
    for (const s of statements) expect(s).toContain(' ON CLUSTER `main`');
    expect(statements[0]).toContain('ENGINE = ReplicatedReplacingMergeTree(Version)');
    expect(statements[1]).toContain('ENGINE = ReplicatedAggregatingMergeTree()');
    expect(statements[0]).toContain('replicated_deduplication_window');
    expect(statements[4]).toContain('FROM `default`.`logs`');
    expect(statements[5]).toContain('FROM `default`.`spans`');
  });

  it('refuses options a hostile name could escape through', () => {
    expect(() => controlTableStatements({ ...defaultSchemaOptions, database: 'x`; DROP TABLE y' })).toThrow(/database/);
  });
});
