import type { ClickHouseClient } from '@clickhouse/client';
import { tableNames, type SchemaOptions } from './options.ts';
import { rows } from './server.ts';
import { quoteIdent, ttlClause } from './sql.ts';

/** Records kept for a debug session carry this resource attribute; they may expire sooner than the rest. */
export const DEBUG_SESSION_ATTRIBUTE = 'otelhouse.debug_session.id';

/** A table whose TTL otelhouse manages: the time expression and, for telemetry, the attributes column. */
interface TtlTable {
  table: string;
  time: string;
  /** Map column holding the debug-session tag; tables without one get no debug-session rule. */
  attributes?: string;
}

/** The time expression each table's TTL is measured on (reference §1). */
function ttlTables(opts: SchemaOptions): TtlTable[] {
  const names = tableNames(opts);
  return [
    // The debug-session gate tags the resource of what a session keeps.
    { table: names.traces, time: 'toDateTime(Timestamp)', attributes: 'ResourceAttributes' },
    { table: names.traceIdTs, time: 'toDateTime(Start)' },
    { table: names.logs, time: 'toDateTime(Timestamp)', attributes: 'ResourceAttributes' },
    { table: names.errorEvents, time: 'toDateTime(Timestamp)' },
    // Metrics are never kept for a debug session: retention only.
    ...[names.metricsGauge, names.metricsSum, names.metricsHistogram, names.metricsExponentialHistogram, names.metricsSummary].map((table) => ({ table, time: 'toDateTime(TimeUnix)' })),
  ];
}

/** The TTL expression of a `CREATE TABLE` statement as ClickHouse prints it, or '' when none. */
export function tableTtl(createQuery: string): string {
  const match = /\bTTL\s+(.+?)\s*(?:\bSETTINGS\b|$)/s.exec(createQuery);
  return match ? match[1].replace(/\s+/g, ' ').trim() : '';
}

/** Splits a printed TTL into its rules: at commas outside parentheses and quotes. */
export function ttlRules(ttl: string): string[] {
  const rules: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < ttl.length; i++) {
    const c = ttl[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = '';
    } else if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      rules.push(ttl.slice(start, i).trim());
      start = i + 1;
    }
  }
  const last = ttl.slice(start).trim();
  if (last) rules.push(last);
  return rules;
}

const isDebugRule = (rule: string): boolean => rule.includes(DEBUG_SESSION_ATTRIBUTE);

/** The debug-session rule, written as ClickHouse prints it back (so an unchanged rule compares equal). */
function debugRule(seconds: number, t: TtlTable): string {
  const expiry = ttlClause(seconds, t.time).replace(/^TTL /, '');
  return `${expiry} WHERE (${t.attributes}['${DEBUG_SESSION_ATTRIBUTE}']) != ''`;
}

/** What {@link reconcileRetention} should make true; an `undefined` part keeps what the table has. */
export interface Retention {
  /** Retention of every row, in seconds; 0 = forever. */
  ttlSeconds?: number;
  /** Retention of rows tagged with a debug session, in seconds; 0 = like every other row. */
  debugTtlSeconds?: number;
}

/**
 * Makes each telemetry table's TTL rules match `retention`, so retention can change after the
 * tables exist (migrations record what they created; retention is configuration, not shape).
 * Rules not named in `retention` are kept as the table has them (a collector-made table keeps its
 * own TTL when only the debug-session rule is managed). Returns the tables it altered.
 */
export async function reconcileRetention(client: ClickHouseClient, opts: SchemaOptions, retention: Retention): Promise<string[]> {
  const tables = ttlTables(opts);
  const current = new Map(
    (await rows<{ name: string; create_table_query: string }>(
      client,
      'SELECT name, create_table_query FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)}',
      { database: opts.database, names: tables.map((t) => t.table) },
    )).map((r) => [r.name, tableTtl(r.create_table_query)]),
  );
  const onCluster = opts.cluster === undefined ? '' : ` ON CLUSTER ${quoteIdent(opts.cluster)}`;
  const altered: string[] = [];
  for (const t of tables) {
    const have = current.get(t.table);
    if (have === undefined) continue;
    const rules = ttlRules(have);
    const main =
      retention.ttlSeconds === undefined ? rules.filter((r) => !isDebugRule(r)) : [ttlClause(retention.ttlSeconds, t.time).replace(/^TTL /, '')].filter(Boolean);
    let debug = rules.filter(isDebugRule);
    if (retention.debugTtlSeconds !== undefined && t.attributes !== undefined) {
      debug = retention.debugTtlSeconds > 0 ? [debugRule(retention.debugTtlSeconds, t)] : [];
    }
    const want = [...debug, ...main].join(', ');
    if (want === have) continue;
    const target = `${quoteIdent(opts.database)}.${quoteIdent(t.table)}${onCluster}`;
    await client.command({ query: want ? `ALTER TABLE ${target} MODIFY TTL ${want}` : `ALTER TABLE ${target} REMOVE TTL` });
    altered.push(t.table);
  }
  return altered;
}

/** {@link reconcileRetention} of `opts.ttlSeconds` alone; a debug-session rule the tables have is kept. */
export function reconcileTtl(client: ClickHouseClient, opts: SchemaOptions): Promise<string[]> {
  return reconcileRetention(client, opts, { ttlSeconds: opts.ttlSeconds });
}
