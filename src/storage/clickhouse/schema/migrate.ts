import type { ClickHouseClient } from '@clickhouse/client';

import { checksum, MIGRATIONS_TABLE, renderBootstrap, renderMigrations } from './migrations.ts';
import type { SchemaOptions } from './options.ts';
import { renderTemplate } from './render.ts';
import { probeServer, rows } from './server.ts';

/** A migration recorded with statements that differ from what the code renders now. */
export interface ChecksumMismatch {
  version: number;
  /** Checksum stored when the migration was applied. */
  recorded: string;
  /** Checksum of the statements rendered now (other options, or another server version). */
  expected: string;
}

/** Outcome of {@link migrate}. */
export interface MigrationReport {
  /** Versions applied by this call, ascending; empty when the schema was already current. */
  applied: number[];
  /** Highest version recorded in the database after this call (0 = none). */
  current: number;
  /**
   * Recorded migrations whose checksum differs from the current rendering. They are reported,
   * never re-run. A changed `ttlSeconds` is not a mismatch: retention is applied by `reconcileTtl`.
   */
  checksumMismatches: ChecksumMismatch[];
}

/**
 * Brings the database up to the code's schema: creates the database (unless `default`) and the
 * migrations table, then applies every unrecorded migration in version order, recording each
 * after its last statement succeeds. The index branch follows the server's `version()`.
 */
export async function migrate(client: ClickHouseClient, opts: SchemaOptions): Promise<MigrationReport> {
  const bootstrap = renderBootstrap(opts); // validates options before touching the server
  const server = await probeServer(client);
  const run = (query: string) => client.command({ query, clickhouse_settings: server.ddlSettings });
  for (const statement of bootstrap) await run(statement);

  const table = { database: opts.database, table: MIGRATIONS_TABLE };
  const recorded = new Map(
    (await rows<{ version: number; checksum: string }>(client, renderTemplate('applied_migrations', table)))
      .map((row) => [Number(row.version), row.checksum]),
  );

  const report: MigrationReport = { applied: [], current: 0, checksumMismatches: [] };
  // Retention is configuration, not shape: checksums are taken without TTL (reconcileTtl applies changes).
  const canonical = renderMigrations({ ...opts, ttlSeconds: 0 }, server);
  for (const [i, migration] of renderMigrations(opts, server).entries()) {
    const sum = checksum(canonical[i]);
    const stored = recorded.get(migration.version);
    if (stored !== undefined) {
      if (stored !== sum) report.checksumMismatches.push({ version: migration.version, recorded: stored, expected: sum });
      continue;
    }
    for (const statement of migration.statements) await run(statement);
    await client.command({
      query: renderTemplate('record_migration', table),
      query_params: { version: migration.version, description: migration.description, checksum: sum },
    });
    recorded.set(migration.version, sum);
    report.applied.push(migration.version);
  }
  report.current = Math.max(0, ...recorded.keys());
  return report;
}
