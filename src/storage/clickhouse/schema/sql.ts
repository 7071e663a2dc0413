/**
 * SQL fragments that are built from configuration: identifiers and the TTL clause. Everything
 * a template receives from outside passes through here, so a hostile name cannot escape its
 * quotes.
 */

/** Database, table and cluster names must look like plain ClickHouse identifiers. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,191}$/;
/** Cluster names come from `remote_servers` XML element names, which also allow `-` and `.`. */
const CLUSTER = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,191}$/;

/** Whether `name` is an acceptable database or table name. */
export function isIdentifier(name: string): boolean {
  return IDENTIFIER.test(name);
}

/** Whether `name` is an acceptable cluster name. */
export function isClusterName(name: string): boolean {
  return CLUSTER.test(name);
}

/**
 * Backtick-quotes an identifier. Validation happens once when options are checked; quoting
 * still escapes so this stays safe even for a name that skipped validation.
 */
export function quoteIdent(name: string): string {
  return '`' + name.replace(/\\/g, '\\\\').replace(/`/g, '\\`') + '`';
}

const TTL_UNITS: ReadonlyArray<[seconds: number, fn: string]> = [
  [86_400, 'toIntervalDay'],
  [3_600, 'toIntervalHour'],
  [60, 'toIntervalMinute'],
  [1, 'toIntervalSecond'],
];

/**
 * Renders a TTL clause like the collector's `GenerateTTLExpr`: the largest of day, hour, minute
 * or second that divides `ttlSeconds` evenly. Returns `''` for 0 (no TTL).
 * @param ttlSeconds retention in seconds, a non-negative integer
 * @param column the time expression, e.g. `toDateTime(Timestamp)`
 */
export function ttlClause(ttlSeconds: number, column: string): string {
  if (ttlSeconds <= 0) return '';
  const [unit, fn] = TTL_UNITS.find(([s]) => ttlSeconds % s === 0)!;
  return `TTL ${column} + ${fn}(${ttlSeconds / unit})`;
}
