import { describe, expect, it } from 'vitest';

import { defaultSchemaOptions, renderMigrations, type SchemaOptions } from './index.ts';
import { checksum, renderBootstrap } from './migrations.ts';
import { renderText } from './render.ts';
import { hasFullTextSearch } from './server.ts';
import { quoteIdent, ttlClause } from './sql.ts';

const opts = (over: Partial<SchemaOptions> = {}): SchemaOptions => ({ ...defaultSchemaOptions, ...over });
const statements = (o: SchemaOptions, fullTextSearch = true): string[] =>
  renderMigrations(o, { fullTextSearch }).flatMap((m) => m.statements);
const ddl = (o: SchemaOptions, fullTextSearch: boolean, start: string): string =>
  statements(o, fullTextSearch).find((s) => s.startsWith(start))!;

describe('rendering the collector-compatible DDL', () => {
  it('defaults to the collector names, the default database and no TTL', () => {
    expect(defaultSchemaOptions).toEqual({ database: 'default', tracesTable: 'otel_traces', logsTable: 'otel_logs', ttlSeconds: 0 });
    // Only the clients-seen table of policy previews has a fixed retention of its own.
    expect(statements(opts()).filter((sql) => !sql.includes('otelhouse_clients_seen')).join('\n')).not.toContain('TTL ');
    expect(renderBootstrap(opts())).toHaveLength(1); // no CREATE DATABASE for `default`
  });

  it('renders text indexes for ClickHouse >= 26.2 and bloom filters before', () => {
    const text = ddl(opts({ database: 'test_db' }), true, 'CREATE TABLE IF NOT EXISTS `test_db`.`otel_traces`');
    expect(text).toContain("INDEX idx_trace_id TraceId TYPE text(tokenizer = 'array')");
    expect(text).toContain("INDEX idx_res_attr_items ResourceAttributeItems TYPE text(tokenizer = 'array')");
    expect(text).not.toContain('mapValues');
    expect(text).not.toContain('bloom_filter');

    const bloom = ddl(opts({ database: 'test_db' }), false, 'CREATE TABLE IF NOT EXISTS `test_db`.`otel_traces`');
    expect(bloom).toContain('INDEX idx_res_attr_value mapValues(ResourceAttributes) TYPE bloom_filter(0.01) GRANULARITY 1');
    expect(bloom).not.toContain('TYPE text(');

    for (const b of [text, bloom]) {
      expect(b).toContain('Duration UInt64 CODEC(T64, ZSTD(1))');
      expect(b).toContain('PRIMARY KEY (ServiceName, SpanName, toDateTime(Timestamp))');
      expect(b).toContain('ORDER BY (ServiceName, SpanName, toDateTime(Timestamp), Timestamp)');
      expect(b).toContain('INDEX idx_duration Duration TYPE minmax GRANULARITY 1');
      expect(b).toContain('SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000');
    }
  });

  it('renders both index branches of otel_logs', () => {
    const text = ddl(opts(), true, 'CREATE TABLE IF NOT EXISTS `default`.`otel_logs`');
    const bloom = ddl(opts(), false, 'CREATE TABLE IF NOT EXISTS `default`.`otel_logs`');
    expect(text).toContain("INDEX idx_lower_body lower(Body) TYPE text(tokenizer = 'splitByNonAlpha')");
    expect(bloom).toContain('INDEX idx_lower_body lower(Body) TYPE tokenbf_v1(32768, 3, 0) GRANULARITY 8');
    for (const b of [text, bloom]) {
      expect(b).toContain('ORDER BY (toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp)');
      expect(b).toContain("`__otel_materialized_k8s.pod.uid` LowCardinality(String) MATERIALIZED ResourceAttributes['k8s.pod.uid'] CODEC(ZSTD(1))");
      expect(b).not.toMatch(/\{\{|--/);
    }
  });

  it.each([
    [0, ''],
    [3 * 86_400, 'TTL toDateTime(Timestamp) + toIntervalDay(3)'],
    [36 * 3_600, 'TTL toDateTime(Timestamp) + toIntervalHour(36)'],
    [90 * 60, 'TTL toDateTime(Timestamp) + toIntervalMinute(90)'],
    [3_601, 'TTL toDateTime(Timestamp) + toIntervalSecond(3601)'],
  ])('renders ttlSeconds %i as %j, like GenerateTTLExpr', (seconds, clause) => {
    expect(ttlClause(seconds, 'toDateTime(Timestamp)')).toBe(clause);
  });

  it('puts the TTL on each table\'s own time column', () => {
    const all = statements(opts({ ttlSeconds: 72 * 3_600 })).join('\n');
    expect(all.match(/TTL toDateTime\(Timestamp\) \+ toIntervalDay\(3\)/g)).toHaveLength(3); // spans, logs, error events
    expect(all).toContain('TTL toDateTime(Start) + toIntervalDay(3)');
  });

  it('adds ON CLUSTER to every DDL statement', () => {
    const o = opts({ database: 'otel', cluster: 'prod-cluster' });
    const all = [...renderBootstrap(o), ...statements(o)];
    expect(all).toHaveLength(2 + 28 + 15 + 1); // migration 6: create, adopt and dedup window for 5 metrics tables; 7: erasures
    for (const s of all) expect(s.split('\n')[0]).toMatch(/ ON CLUSTER `prod-cluster`( \(|$)/);
  });

  it('uses Replicated engines and the replicated dedup window when replicated', () => {
    const o = opts({ replicated: true });
    const all = [...renderBootstrap(o), ...statements(o)].join('\n');
    expect(all).toContain('ENGINE = ReplicatedMergeTree()');
    expect(all).toContain('ENGINE = ReplicatedAggregatingMergeTree()');
    expect(all).toContain('ENGINE = ReplicatedReplacingMergeTree()');
    expect(all).toContain('replicated_deduplication_window = 10000');
    expect(all).not.toMatch(/ENGINE = (Aggregating)?MergeTree\(\)|non_replicated/);
  });

  it('names the lookup table and view after the traces table', () => {
    const mv = ddl(opts({ tracesTable: 'spans' }), true, 'CREATE MATERIALIZED VIEW');
    expect(mv).toContain('`default`.`spans_trace_id_ts_mv`');
    expect(mv).toContain('TO `default`.`spans_trace_id_ts`');
    expect(mv).toContain('FROM `default`.`spans`');
    expect(mv).toContain('min(toDateTime(Timestamp)) AS Start');
  });

  it('migration 2 alters the existing tables instead of creating them', () => {
    const [, adopt] = renderMigrations(opts());
    expect(adopt.version).toBe(2);
    for (const s of adopt.statements) expect(s).toMatch(/^ALTER TABLE /);
    expect(adopt.statements.join('\n')).toContain('ADD COLUMN IF NOT EXISTS `EventName` String');
    expect(adopt.statements.filter((s) => s.includes('MODIFY SETTING non_replicated_deduplication_window = 10000'))).toHaveLength(3);
  });

  it('migration 5 adds the occurrence count and replaces both issue views with ones summing it', () => {
    const [step] = renderMigrations(opts()).filter((m) => m.version === 5);
    expect(step.statements.map((s) => s.split('\n')[0])).toEqual([
      'ALTER TABLE `default`.`otelhouse_error_events`',
      'DROP VIEW IF EXISTS `default`.`otelhouse_issue_stats_mv`',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS `default`.`otelhouse_issue_stats_mv`',
      'DROP VIEW IF EXISTS `default`.`otelhouse_issue_daily_mv`',
      'CREATE MATERIALIZED VIEW IF NOT EXISTS `default`.`otelhouse_issue_daily_mv`',
    ]);
    expect(step.statements[0]).toContain('ADD COLUMN IF NOT EXISTS Occurrences UInt32 DEFAULT 1');
    for (const view of [step.statements[2], step.statements[4]]) {
      expect(view).toContain('toUInt64(sum(Occurrences)) AS Events');
      expect(view).not.toContain('count()');
    }
  });

  // Recorded in every database that applied them: a changed rendering is reported as a mismatch and never re-run.
  it('renders the released migrations exactly as they shipped', () => {
    expect(Object.fromEntries(renderMigrations(opts()).filter((m) => m.version <= 4).map((m) => [m.version, checksum(m)]))).toEqual({
      1: '9ee23038f91278639589af5dc46594e2e58a5ac4aef268d8e661e89f1f80cbb1',
      2: 'd578e68e29bed66fdfeb20fe1f732564fd3f4b28ad3747e1af9db54b2566bf47',
      3: 'f61207302776ff6d460ac826b635567ac8b73ea3350770576aafd15552b47ff1',
      4: '373082a5702df13b920c9fecdcf18b7ce4fac4adbfcb4b13956aa00a290cd877',
    });
  });

  it('checksums change with the rendered statements only', () => {
    const [a] = renderMigrations(opts());
    expect(checksum(a)).toBe(checksum(renderMigrations(opts())[0]));
    expect(checksum(a)).not.toBe(checksum(renderMigrations(opts({ ttlSeconds: 60 }))[0]));
    expect(checksum(a)).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('keeping configuration out of the SQL', () => {
  it.each([
    ['tracesTable', 'otel_traces` (x String) ENGINE = Memory; DROP TABLE otel_logs; --'],
    ['logsTable', 'logs; DROP DATABASE default'],
    ['database', 'a.b'],
    ['database', ''],
    ['cluster', "c' OR 1"],
  ])('rejects a hostile %s %j, naming the field', (field, value) => {
    expect(() => renderMigrations(opts({ [field]: value }))).toThrow(field);
  });

  it('rejects a negative or fractional TTL', () => {
    expect(() => renderMigrations(opts({ ttlSeconds: -1 }))).toThrow('ttlSeconds');
    expect(() => renderMigrations(opts({ ttlSeconds: 1.5 }))).toThrow('ttlSeconds');
  });

  it('escapes backticks and backslashes when quoting identifiers', () => {
    expect(quoteIdent('a`b\\c')).toBe('`a\\`b\\\\c`');
  });

  it('refuses unknown placeholders and unbalanced branches', () => {
    expect(() => renderText('SELECT {{nope}}', {})).toThrow('{{nope}}');
    expect(() => renderText('{{if x}}\nA', { x: true })).toThrow('{{end}}');
    expect(() => renderText('{{else}}', {})).toThrow('unbalanced');
    expect(renderText('-- why\nA {{ident t}}\n{{if x}}\nB\n{{else}}\nC\n{{end}}', { t: 'x`y', x: false })).toBe('A `x\\`y`\nC');
  });
});

describe('choosing the index branch from version()', () => {
  it.each([
    ['26.7.2.1', true],
    ['26.2.1.1', true],
    ['27.1', true],
    ['26.1.3.5', false],
    ['25.12.1.649', false],
    ['24.8.14.39', false],
  ])('%s -> text indexes: %s', (version, expected) => {
    expect(hasFullTextSearch(version)).toBe(expected);
  });
});
