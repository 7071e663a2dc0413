/**
 * The ClickHouse schema of the telemetry tables: contrib `clickhouseexporter`-compatible DDL
 * (SQL templates in `./sql`), versioned forward-only migrations, and a drift check.
 */
export { defaultSchemaOptions, type SchemaOptions } from './options.ts';
export { migrate, type ChecksumMismatch, type MigrationReport } from './migrate.ts';
export { checkDrift, type DriftProblem } from './drift.ts';
export { reconcileTtl } from './ttl.ts';
export {
  DEDUPLICATION_WINDOW,
  MIGRATIONS_TABLE,
  renderBootstrap,
  renderMigrations,
  type Migration,
  type ServerFeatures,
} from './migrations.ts';
