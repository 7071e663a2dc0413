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
  /** Which retention rules can apply (by the columns the table has). */
  kind: 'traces' | 'traceIds' | 'logs' | 'metrics' | 'errorEvents';
}

/** The time expression each table's TTL is measured on (reference §1). */
function ttlTables(opts: SchemaOptions): TtlTable[] {
  const names = tableNames(opts);
  return [
    // The debug-session gate tags the resource of what a session keeps.
    { table: names.traces, time: 'toDateTime(Timestamp)', attributes: 'ResourceAttributes', kind: 'traces' },
    { table: names.traceIdTs, time: 'toDateTime(Start)', kind: 'traceIds' },
    { table: names.logs, time: 'toDateTime(Timestamp)', attributes: 'ResourceAttributes', kind: 'logs' },
    { table: names.errorEvents, time: 'toDateTime(Timestamp)', kind: 'errorEvents' },
    // Metrics are never kept for a debug session: retention only.
    ...[names.metricsGauge, names.metricsSum, names.metricsHistogram, names.metricsExponentialHistogram, names.metricsSummary].map((table) => ({ table, time: 'toDateTime(TimeUnix)', kind: 'metrics' as const })),
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
  /** Retention by rule (`retention:` in the config): the first rule a row matches decides; rows no rule matches follow `ttlSeconds`. */
  rules?: readonly RetentionRule[];
}

/** One `retention:` rule: which rows (every condition given must hold) and how long they are kept. */
export interface RetentionRule {
  /** The tables it applies to; default every telemetry table its conditions fit. */
  tables?: ReadonlyArray<'traces' | 'logs' | 'metrics' | 'errorEvents'>;
  /** Rows of this `service.name`. */
  service?: string;
  /** Logs at or below this level (`debug`: TRACE and DEBUG). Logs only. */
  maxLevel?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  /** Errors: spans with status Error, logs at ERROR or above, every error event. */
  errors?: boolean;
  /** Rows kept for a debug session (their resource is tagged). Spans and logs only. */
  debugSession?: boolean;
  /** How long, in hours (whole). */
  hours: number;
}

/** The highest SeverityNumber of each level (a level spans four numbers). */
const LEVEL_MAX_SEVERITY = { trace: 4, debug: 8, info: 12, warn: 16, error: 20, fatal: 24 } as const;

const sqlString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** The rule's condition on this table, or undefined when the rule cannot apply to it. */
function ruleCondition(rule: RetentionRule, t: TtlTable): string | undefined {
  if (t.kind === 'traceIds') return undefined;
  if (rule.tables && !rule.tables.includes(t.kind)) return undefined;
  const parts: string[] = [];
  if (rule.service !== undefined) parts.push(`ServiceName = ${sqlString(rule.service)}`);
  if (rule.maxLevel !== undefined) {
    if (t.kind !== 'logs') return undefined;
    parts.push(`SeverityNumber <= ${LEVEL_MAX_SEVERITY[rule.maxLevel]}`);
  }
  if (rule.errors) {
    if (t.kind === 'metrics') return undefined;
    if (t.kind === 'traces') parts.push("StatusCode = 'Error'");
    else if (t.kind === 'logs') parts.push('SeverityNumber >= 17');
  }
  if (rule.debugSession) {
    if (t.attributes === undefined) return undefined;
    parts.push(`${t.attributes}['${DEBUG_SESSION_ATTRIBUTE}'] != ''`);
  }
  return parts.length ? parts.join(' AND ') : '1';
}

/**
 * The configured rules on one table, first match wins: each rule's WHERE leaves out the rows of the
 * rules before it. Returns the TTL rules and the condition covering them all (for the general rule to leave out).
 */
function configuredRules(rules: readonly RetentionRule[], t: TtlTable): { rendered: string[]; covered?: string } {
  const rendered: string[] = [];
  const earlier: string[] = [];
  for (const rule of rules) {
    const condition = ruleCondition(rule, t);
    if (condition === undefined) continue;
    const expiry = ttlClause(rule.hours * 3600, t.time).replace(/^TTL /, '');
    const where = earlier.length ? `(${condition}) AND NOT (${earlier.map((c) => `(${c})`).join(' OR ')})` : condition;
    rendered.push(where === '1' ? expiry : `${expiry} WHERE ${where}`);
    earlier.push(condition);
  }
  return { rendered, covered: earlier.length ? earlier.map((c) => `(${c})`).join(' OR ') : undefined };
}

/**
 * Makes each telemetry table's TTL rules match `retention`, so retention can change after the
 * tables exist (migrations record what they created; retention is configuration, not shape).
 * Rules not named in `retention` are kept as the table has them (a collector-made table keeps its
 * own TTL when only the debug-session rule is managed). Returns the tables it altered.
 */
export async function reconcileRetention(
  client: ClickHouseClient,
  opts: SchemaOptions,
  retention: Retention,
  /** Told of each table altered, with its TTL before and after (for the audit log). */
  onChange?: (table: string, before: string, after: string) => Promise<void>,
): Promise<string[]> {
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
    const configured = configuredRules(retention.rules ?? [], t);
    // Rules with a WHERE that are not the debug rule were rendered from `retention:` rules: replaced by the current ones.
    const kept = rules.filter((r) => !isDebugRule(r) && !/\bWHERE\b/.test(r));
    const general = retention.ttlSeconds === undefined ? kept : [ttlClause(retention.ttlSeconds, t.time).replace(/^TTL /, '')].filter(Boolean);
    const main = configured.covered && retention.ttlSeconds !== undefined ? general.map((g) => `${g} WHERE NOT (${configured.covered})`) : general;
    let debug = rules.filter(isDebugRule);
    if (retention.debugTtlSeconds !== undefined && t.attributes !== undefined) {
      debug = retention.debugTtlSeconds > 0 ? [debugRule(retention.debugTtlSeconds, t)] : [];
    }
    const rendered = [...debug, ...configured.rendered, ...main].join(', ');
    // As ClickHouse prints it back, so an unchanged TTL compares equal.
    const want = rendered ? await normalizeTtl(client, rendered) : '';
    if (want === have) continue;
    const target = `${quoteIdent(opts.database)}.${quoteIdent(t.table)}${onCluster}`;
    await client.command({ query: want ? `ALTER TABLE ${target} MODIFY TTL ${want}` : `ALTER TABLE ${target} REMOVE TTL` });
    altered.push(t.table);
    await onChange?.(t.table, have, want);
  }
  return altered;
}

/** A TTL expression list as ClickHouse formats it (the way `create_table_query` shows it). */
async function normalizeTtl(client: ClickHouseClient, ttl: string): Promise<string> {
  const formatted = (await rows<{ f: string }>(client, 'SELECT formatQuerySingleLine({q:String}) AS f', { q: `ALTER TABLE t MODIFY TTL ${ttl}` }))[0]!.f;
  return formatted.slice(formatted.indexOf('MODIFY TTL ') + 'MODIFY TTL '.length, -1);
}

/** Each telemetry table's TTL as the table has it (`''`: none), for `/api/status`. */
export async function currentRetention(client: ClickHouseClient, opts: SchemaOptions): Promise<Record<string, string>> {
  const tables = ttlTables(opts);
  const found = await rows<{ name: string; create_table_query: string }>(
    client,
    'SELECT name, create_table_query FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)} ORDER BY name',
    { database: opts.database, names: tables.map((t) => t.table) },
  );
  return Object.fromEntries(found.map((r) => [r.name, tableTtl(r.create_table_query)]));
}

/** {@link reconcileRetention} of `opts.ttlSeconds` alone; a debug-session rule the tables have is kept. */
export function reconcileTtl(client: ClickHouseClient, opts: SchemaOptions): Promise<string[]> {
  return reconcileRetention(client, opts, { ttlSeconds: opts.ttlSeconds });
}
