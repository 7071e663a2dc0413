import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { checkDrift, defaultSchemaOptions, migrate, MIGRATIONS_TABLE, renderBootstrap, renderMigrations, type SchemaOptions } from './index.ts';
import { checksum } from './migrations.ts';
import { renderTemplate } from './render.ts';
import { openTestEngine } from '../testing.ts';

const engine = openTestEngine();
const opts: SchemaOptions = { ...defaultSchemaOptions, database: 'v4', ttlSeconds: 7 * 86_400 };
const command = (query: string) => engine.client.command({ query });

/** What an earlier gateway left: migrations up to `version` applied and recorded, as `migrate` records them. */
async function migrateTo(o: SchemaOptions, version: number): Promise<void> {
  for (const statement of renderBootstrap(o)) await command(statement);
  const canonical = renderMigrations({ ...o, ttlSeconds: 0 });
  for (const [i, migration] of renderMigrations(o).entries()) {
    if (migration.version > version) break;
    for (const statement of migration.statements) await command(statement);
    await engine.client.command({
      query: renderTemplate('record_migration', { database: o.database, table: MIGRATIONS_TABLE }),
      query_params: { version: migration.version, description: migration.description, checksum: checksum(canonical[i]) },
    });
  }
}

/** Error events as a gateway before migration 5 inserted them: no `Occurrences`. */
const insertOldEvents = (fingerprint: string, n: number) =>
  command(`INSERT INTO v4.otelhouse_error_events (Timestamp, EventId, Fingerprint, Severity)
    SELECT now64(9) - toIntervalSecond(number + 1), concat('${fingerprint}-', toString(number)), '${fingerprint}', 'error' FROM numbers(${n})`);

const counts = async (fingerprint: string) => {
  const [stats] = await engine.select<{ events: string }>(`SELECT toString(sum(Events)) AS events FROM v4.otelhouse_issue_stats WHERE Fingerprint = '${fingerprint}'`);
  const [daily] = await engine.select<{ events: string }>(`SELECT toString(sum(Events)) AS events FROM v4.otelhouse_issue_daily WHERE Fingerprint = '${fingerprint}'`);
  return { stats: Number(stats!.events), daily: Number(daily!.events) };
};

let report: Awaited<ReturnType<typeof migrate>>;
beforeAll(async () => {
  await migrateTo(opts, 4);
  await insertOldEvents('fp-before', 3);
});
afterAll(() => engine.close());

describe('upgrading a database at version 4 to occurrence counts (migration 5)', () => {
  it('is what the drift check reports before: the column missing, both views counting rows', async () => {
    expect(await checkDrift(engine.client, opts)).toEqual([
      // Migration 6, after it: the metrics tables.
      ...['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'].map((kind) => ({ table: `otel_metrics_${kind}`, problem: 'missing table' })),
      { table: 'otelhouse_error_events', column: 'Occurrences', problem: 'missing column' },
      { table: 'otelhouse_issue_stats_mv', problem: 'query lacks sum(Occurrences): an older definition' },
      { table: 'otelhouse_issue_daily_mv', problem: 'query lacks sum(Occurrences): an older definition' },
    ]);
  });

  it('applies migration 5 (and 6, the metrics tables, and 7, erasures), without a checksum mismatch, and the drift check then finds nothing', async () => {
    report = await migrate(engine.client, opts);
    expect(report).toEqual({ applied: [5, 6, 7], current: 7, checksumMismatches: [] });
    expect(await checkDrift(engine.client, opts)).toEqual([]);
  });

  it('keeps the events and counts stored before, each standing for one occurrence', async () => {
    const rows = await engine.select<{ n: number }>("SELECT Occurrences AS n FROM v4.otelhouse_error_events WHERE Fingerprint = 'fp-before'");
    expect(rows.map((r) => r.n)).toEqual([1, 1, 1]);
    expect(await counts('fp-before')).toEqual({ stats: 3, daily: 3 });
  });

  it('sums Occurrences into the issue aggregates and daily counts from then on, old-style inserts counting one each', async () => {
    await command(`INSERT INTO v4.otelhouse_error_events (Timestamp, EventId, Fingerprint, Severity, Occurrences) VALUES (now64(9), 'storm', 'fp-before', 'error', 500)`);
    await insertOldEvents('fp-before', 2); // a gateway not yet upgraded, still running beside this one
    expect(await counts('fp-before')).toEqual({ stats: 505, daily: 505 });
  });

  it('can run migration 5 again after a crash, views and counts unchanged', async () => {
    for (const statement of renderMigrations(opts).find((m) => m.version === 5)!.statements) await command(statement);
    expect(await checkDrift(engine.client, opts)).toEqual([]);
    await command(`INSERT INTO v4.otelhouse_error_events (Timestamp, EventId, Fingerprint, Severity, Occurrences) VALUES (now64(9), 'again', 'fp-before', 'fatal', 5)`);
    expect(await counts('fp-before')).toEqual({ stats: 510, daily: 510 });
  });
});
