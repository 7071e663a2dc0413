/**
 * The issue store's SQL. Identifiers come from validated schema options and are quoted here;
 * every value a user gives travels as a `{name:Type}` query parameter, never inside the text.
 */
import { controlTableNames } from '../../storage/clickhouse/schema/options.ts';
import { quoteIdent } from '../../storage/clickhouse/schema/sql.ts';
import { STATE_COLUMNS, STATE_FIELDS } from './stateRows.ts';

/** Quoted `database.table` names of the issue tables. */
export interface IssueTables {
  events: string;
  stats: string;
  daily: string;
  state: string;
}

/** The issue tables in `database`. */
export function issueTables(database: string): IssueTables {
  const q = (table: string) => `${quoteIdent(database)}.${quoteIdent(table)}`;
  return {
    events: q(controlTableNames.errorEvents),
    stats: q(controlTableNames.issueStats),
    daily: q(controlTableNames.issueDaily),
    state: q(controlTableNames.issueState),
  };
}

/** Merges the partial aggregates per issue; `where` filters raw stats rows (by fingerprint). */
export function statsSelect(t: IssueTables, where: string): string {
  return `SELECT
    Fingerprint AS fingerprint,
    toUnixTimestamp64Milli(min(FirstSeen)) AS firstSeenMs,
    toUnixTimestamp64Milli(max(LastSeen)) AS lastSeenMs,
    toUnixTimestamp64Nano(min(FirstSeen)) AS firstSeenNs,
    toUnixTimestamp64Nano(max(LastSeen)) AS lastSeenNs,
    sum(Events) AS events,
    max(SeverityRank) AS severityRank,
    uniqMerge(Users) AS users,
    arrayFilter(v -> v != '', groupUniqArrayMerge(100)(Versions)) AS versions,
    arrayFilter(v -> v != '', groupUniqArrayMerge(20)(Services)) AS services,
    arrayFilter(v -> v != '', groupUniqArrayMerge(20)(Environments)) AS environments,
    argMaxMerge(LatestEventId) AS latestEventId,
    argMaxMerge(LatestType) AS latestType,
    argMaxMerge(LatestMessage) AS latestMessage,
    argMaxMerge(LatestCulprit) AS latestCulprit,
    argMaxMerge(LatestService) AS latestService,
    argMaxMerge(LatestEnvironment) AS latestEnvironment
  FROM ${t.stats}
  WHERE ${where}
  GROUP BY Fingerprint`;
}

/** The latest state row of the given issues ({fingerprints:Array(String)}). */
export function statesSelect(t: IssueTables): string {
  return `SELECT ${STATE_COLUMNS} FROM ${t.state} FINAL WHERE Fingerprint IN {fingerprints:Array(String)}`;
}

/**
 * The status reads show, in SQL: mirrors `effectiveStatus` in lifecycle.ts (an issue without a
 * state row yet is `new`). Needs {nowMs:Int64} and {ongoingBeforeMs:Int64}.
 */
const EFFECTIVE_STATUS = `multiIf(
    st.status IN ('', 'new'), if(s.firstSeenMs <= {ongoingBeforeMs:Int64}, 'ongoing', 'new'),
    st.status = 'ignored' AND ((st.ignoreUntilMs > 0 AND st.ignoreUntilMs <= {nowMs:Int64})
      OR (st.ignoreUntilEvents > 0 AND s.events >= st.ignoreBaseEvents + st.ignoreUntilEvents)), 'ongoing',
    st.status)`;

/** The joined state columns, renamed `state_<alias>` so they never clash with the stats columns. */
const JOINED_STATE = STATE_FIELDS.map(([alias]) => `st.${alias} AS state_${alias}`).join(', ');

/** Sort columns the list accepts; keys are the API's names. Each is an Int64 so the cursor is one number. */
export const SORT_KEYS = {
  last_seen: 's.lastSeenNs',
  first_seen: 's.firstSeenNs',
  events: 'toInt64(s.events)',
  users: 'toInt64(s.users)',
} as const;
export type SortKey = keyof typeof SORT_KEYS;

/** What narrows the list; each clause is added only when its filter is set. */
export interface ListClauses {
  sort: SortKey;
  descending: boolean;
  service: boolean;
  environment: boolean;
  version: boolean;
  statuses: boolean;
  from: boolean;
  to: boolean;
  cursor: boolean;
}

/**
 * The issue list: merged stats joined with the latest state, filtered, sorted by one key with the
 * fingerprint as tie-breaker, keyset-paged. Parameters: {limit:UInt32}, {nowMs:Int64},
 * {ongoingBeforeMs:Int64} and, when set, {service:String}, {environment:String}, {version:String},
 * {statuses:Array(String)}, {fromMs:Int64}, {toMs:Int64}, {cursorKey:Int64}, {cursorFingerprint:String}.
 * A time range keeps issues with events in it, to the day (daily counts) and to the ms (first/last seen).
 */
export function listSelect(t: IssueTables, c: ListClauses): string {
  const days: string[] = [];
  if (c.from) days.push('Day >= toDate(fromUnixTimestamp64Milli({fromMs:Int64}))');
  if (c.to) days.push('Day <= toDate(fromUnixTimestamp64Milli({toMs:Int64}))');
  const statsWhere = days.length ? `Fingerprint IN (SELECT Fingerprint FROM ${t.daily} WHERE ${days.join(' AND ')})` : '1';

  const where: string[] = [];
  if (c.service) where.push('has(s.services, {service:String})');
  if (c.environment) where.push('has(s.environments, {environment:String})');
  if (c.version) where.push('has(s.versions, {version:String})');
  if (c.from) where.push('s.lastSeenMs >= {fromMs:Int64}');
  if (c.to) where.push('s.firstSeenMs <= {toMs:Int64}');
  if (c.statuses) where.push('effectiveStatus IN {statuses:Array(String)}');
  const key = SORT_KEYS[c.sort];
  const dir = c.descending ? 'DESC' : 'ASC';
  if (c.cursor) where.push(`(${key}, s.fingerprint) ${c.descending ? '<' : '>'} ({cursorKey:Int64}, {cursorFingerprint:String})`);

  // As text: nanosecond keys exceed a JavaScript number's exact range.
  return `SELECT s.*, toString(${key}) AS sortKey, ${EFFECTIVE_STATUS} AS effectiveStatus, ${JOINED_STATE}
  FROM (${statsSelect(t, statsWhere)}) AS s
  LEFT JOIN (SELECT ${STATE_COLUMNS} FROM ${t.state} FINAL) AS st ON st.fingerprint = s.fingerprint
  ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
  ORDER BY ${key} ${dir}, s.fingerprint ${dir}
  LIMIT {limit:UInt32}`;
}

/** Output names of an event row, as `IssueEvent` has them. */
const EVENT_COLUMNS = `EventId AS eventId, toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano,
  Fingerprint AS fingerprint, Source AS source, ServiceName AS service, ServiceVersion AS version,
  Environment AS environment, Platform AS platform, ExceptionType AS type, Message AS message,
  StackTrace AS stacktrace, Culprit AS culprit, Severity AS severity, TraceId AS traceId, SpanId AS spanId,
  UserId AS userId, InstallationId AS installationId, DeviceId AS deviceId, SessionId AS sessionId`;

/**
 * An issue's events, newest first, keyset-paged by (time, event id). Parameters: {fingerprint:String},
 * {limit:UInt32} and, when set, {cursorNs:Int64} + {cursorId:String}, {fromMs:Int64}, {toMs:Int64}.
 */
export function eventsSelect(t: IssueTables, c: { cursor: boolean; from: boolean; to: boolean }): string {
  const where = ['Fingerprint = {fingerprint:String}'];
  if (c.from) where.push('Timestamp >= fromUnixTimestamp64Milli({fromMs:Int64})');
  if (c.to) where.push('Timestamp <= fromUnixTimestamp64Milli({toMs:Int64})');
  if (c.cursor) {
    // The first condition lets the primary key (Fingerprint, Timestamp) skip; the tuple breaks ties.
    where.push('Timestamp <= fromUnixTimestamp64Nano({cursorNs:Int64})');
    where.push('(toUnixTimestamp64Nano(Timestamp), EventId) < ({cursorNs:Int64}, {cursorId:String})');
  }
  return `SELECT ${EVENT_COLUMNS} FROM ${t.events} WHERE ${where.join(' AND ')}
  ORDER BY Timestamp DESC, EventId DESC LIMIT {limit:UInt32}`;
}

/** The newest stored event of an issue ({fingerprint:String}); none once retention dropped them all. */
export function latestEventSelect(t: IssueTables): string {
  return `SELECT ${EVENT_COLUMNS} FROM ${t.events} WHERE Fingerprint = {fingerprint:String}
  ORDER BY Timestamp DESC, EventId DESC LIMIT 1`;
}

/** Daily counts by severity of an issue ({fingerprint:String}) since {since:Date}. */
export function dailySelect(t: IssueTables): string {
  return `SELECT toString(Day) AS day, Severity AS severity, sum(Events) AS events FROM ${t.daily}
  WHERE Fingerprint = {fingerprint:String} AND Day >= {since:Date}
  GROUP BY Day, Severity`;
}
