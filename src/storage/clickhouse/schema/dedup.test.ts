import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultSchemaOptions, migrate } from './index.ts';
import { makeLog, makeSpan, openTestEngine, recentTimestamp } from '../testing.ts';

// A spool replay after a crash re-sends a batch with the token it was first sent with.
const engine = openTestEngine();
const opts = { ...defaultSchemaOptions, database: 'otel' };

/**
 * chDB's connection applies clickhouse_settings as session `SET`s that outlive the query, so
 * every insert here states both settings instead of relying on defaults.
 */
const insert = (table: string, values: Record<string, unknown>[], token: string, dedupViews = true) =>
  engine.client.insert({
    table: `otel.${table}`,
    format: 'JSONEachRow',
    values,
    clickhouse_settings: {
      insert_deduplication_token: token,
      deduplicate_blocks_in_dependent_materialized_views: dedupViews ? 1 : 0,
    },
  });
const count = async (table: string, where = '1') =>
  Number((await engine.select<{ n: string }>(`SELECT toString(count()) AS n FROM otel.${table} WHERE ${where}`))[0].n);

beforeAll(async () => {
  await migrate(engine.client, opts);
  // Lookup rows are counted before AggregatingMergeTree folds them; a background merge would race.
  await engine.client.command({ query: 'SYSTEM STOP MERGES otel.otel_traces_trace_id_ts' });
});
afterAll(() => engine.close());

describe('replaying a batch with the same insert_deduplication_token', () => {
  const spans = [
    makeSpan({ TraceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1' }),
    makeSpan({ TraceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1', SpanId: '00000000000000b2' }),
    makeSpan({ TraceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2', SpanId: '00000000000000b3' }),
  ];
  const traceFilter = "TraceId LIKE 'aaaaaaaa%'";

  it('stores spans once, and the view adds the lookup rows once', async () => {
    await insert('otel_traces', spans, 'spool-traces-1');
    await insert('otel_traces', spans, 'spool-traces-1');
    expect(await count('otel_traces', traceFilter)).toBe(3);
    expect(await count('otel_traces_trace_id_ts', traceFilter)).toBe(2);
  });

  it('stores the same spans again under a different token', async () => {
    await insert('otel_traces', spans, 'spool-traces-2');
    expect(await count('otel_traces', traceFilter)).toBe(6);
    expect(await count('otel_traces_trace_id_ts', traceFilter)).toBe(4);
  });

  it('stores logs once per token', async () => {
    const logs = [makeLog({ Body: 'replayed 1' }), makeLog({ Body: 'replayed 2' })];
    await insert('otel_logs', logs, 'spool-logs-1');
    await insert('otel_logs', logs, 'spool-logs-1');
    expect(await count('otel_logs', "Body LIKE 'replayed%'")).toBe(2);
    await insert('otel_logs', logs, 'spool-logs-2');
    expect(await count('otel_logs', "Body LIKE 'replayed%'")).toBe(4);
  });

  it('deduplicates a batch that spans two partitions (one block per day)', async () => {
    const logs = [makeLog({ Body: 'midnight', Timestamp: recentTimestamp(0) }), makeLog({ Body: 'midnight', Timestamp: recentTimestamp(86_400) })];
    await insert('otel_logs', logs, 'spool-logs-3');
    await insert('otel_logs', logs, 'spool-logs-3');
    expect(await count('otel_logs', "Body = 'midnight'")).toBe(2);
  });

  it('lets the view write again when deduplicate_blocks_in_dependent_materialized_views = 0', async () => {
    const span = [makeSpan({ TraceId: 'cccccccccccccccccccccccccccccccc' })];
    await insert('otel_traces', span, 'spool-traces-3', false);
    await insert('otel_traces', span, 'spool-traces-3', false);
    expect(await count('otel_traces', "TraceId = 'cccccccccccccccccccccccccccccccc'")).toBe(1);
    // Harmless for min(Start)/max(End), but a duplicate lookup row until the parts merge.
    expect(await count('otel_traces_trace_id_ts', "TraceId = 'cccccccccccccccccccccccccccccccc'")).toBe(2);
  });

  it('drops an identical block sent without a token too (hash of the data), so send a token per batch', async () => {
    const logs = [makeLog({ Body: 'no token' })];
    await insert('otel_logs', logs, '');
    await insert('otel_logs', logs, '');
    expect(await count('otel_logs', "Body = 'no token'")).toBe(1);
  });
});
