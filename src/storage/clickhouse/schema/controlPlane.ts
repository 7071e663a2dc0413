/**
 * The control-plane tables of debug sessions and collection policies: SQL templates in
 * `./sql/`, rendered here for a migration to run.
 */
import { commonVars, engine } from './engines.ts';
import { tableNames, validateSchemaOptions, type SchemaOptions } from './options.ts';
import { renderTemplate } from './render.ts';
import { quoteIdent } from './sql.ts';

/** Fixed names of the tables and views of this module, in the telemetry database. */
export const controlPlaneTableNames = Object.freeze({
  debugSessions: 'otelhouse_debug_sessions',
  debugSessionStats: 'otelhouse_debug_session_stats',
  policies: 'otelhouse_collection_policies',
  clientsSeen: 'otelhouse_clients_seen',
  clientsSeenLogsMv: 'otelhouse_clients_seen_logs_mv',
  clientsSeenTracesMv: 'otelhouse_clients_seen_traces_mv',
  erasures: 'otelhouse_erasures',
});

/** `database`.`table`, quoted. */
export function qualified(database: string, table: string): string {
  return `${quoteIdent(database)}.${quoteIdent(table)}`;
}

/** Migration 7's statement: the erasure requests' table. */
export function erasureTableStatements(opts: SchemaOptions): string[] {
  validateSchemaOptions(opts);
  return [renderTemplate('erasures_table', { ...commonVars(opts), table: controlPlaneTableNames.erasures, engine: engine(opts, 'Replacing', 'Version') })];
}

/**
 * The statements creating the debug-session, session-stats, policy and clients-seen tables and the
 * two views feeding clients-seen from the logs and traces tables (which must exist first). Every
 * statement is idempotent (`IF NOT EXISTS`), for a migration appended after the telemetry tables.
 */
export function controlTableStatements(opts: SchemaOptions): string[] {
  validateSchemaOptions(opts);
  const names = tableNames(opts);
  const t = controlPlaneTableNames;
  const common = commonVars(opts);
  return [
    renderTemplate('debug_sessions_table', { ...common, table: t.debugSessions, engine: engine(opts, 'Replacing', 'Version') }),
    renderTemplate('debug_session_stats_table', { ...common, table: t.debugSessionStats, engine: engine(opts, 'Aggregating') }),
    renderTemplate('collection_policies_table', { ...common, table: t.policies, engine: engine(opts, 'Replacing', 'Version') }),
    renderTemplate('clients_seen_table', { ...common, table: t.clientsSeen, engine: engine(opts, 'Aggregating') }),
    renderTemplate('clients_seen_mv', { ...common, view: t.clientsSeenLogsMv, target: t.clientsSeen, source: names.logs }),
    renderTemplate('clients_seen_mv', { ...common, view: t.clientsSeenTracesMv, target: t.clientsSeen, source: names.traces }),
  ];
}
