/**
 * Erasure by data subject (GDPR art. 17, CCPA deletion): who a subject is, and where the stored
 * rows that carry them are, table by table.
 */
import { z } from 'zod';

/** The identifiers a subject is known by in telemetry (semantic conventions and the SDK's). */
export const SUBJECT_KEYS = ['user.id', 'app.installation.id', 'device.id', 'session.id'] as const;

/**
 * A subject: an attribute and its value. `email` matches the value in any attribute (and in log
 * bodies); `enduser.<anything>` matches that attribute.
 */
export const subjectSchema = z.strictObject({
  key: z.string().min(1).max(128).refine((k) => (SUBJECT_KEYS as readonly string[]).includes(k) || k === 'email' || /^enduser\.[a-z0-9_.]+$/.test(k), {
    message: `must be one of ${SUBJECT_KEYS.join(', ')}, email, or enduser.<attribute>`,
  }),
  value: z.string().min(1).max(512),
});

export type Subject = z.infer<typeof subjectSchema>;

export type ErasureStatus = 'pending' | 'running' | 'done' | 'failed';

export interface Erasure {
  id: string;
  subject: Subject;
  status: ErasureStatus;
  /** Rows deleted per table (and rewritten aggregates, `<table>`: rows of the rebuilt issue aggregates). */
  rowsRemoved: Record<string, number>;
  error: string;
  requestedAt: number;
  requestedBy: string;
  startedAt: number;
  finishedAt: number;
  /** Records of the subject arriving before this instant are dropped at ingest (ms). */
  blockUntil: number;
}

/** The ClickHouse condition on an attribute map for a subject's values (bound as `{values:Array(String)}`). */
export function mapCondition(map: string, subject: Subject): string {
  return subject.key === 'email' ? `hasAny(mapValues(${map}), {values:Array(String)})` : `${map}[{key:String}] IN {values:Array(String)}`;
}

/** The same condition on an array of maps (a span's events' or links' attributes): any of them. */
function anyMapCondition(maps: string, subject: Subject): string {
  return `arrayExists(m -> ${mapCondition('m', subject)}, ${maps})`;
}

/** The column of the error events and debug sessions tables a subject's identifier is stored in (none for an email or another enduser.* value). */
export function identifierColumn(subject: Subject): string | undefined {
  return ({ 'user.id': 'UserId', 'enduser.id': 'UserId', 'app.installation.id': 'InstallationId', 'device.id': 'DeviceId', 'session.id': 'SessionId' } as Record<string, string>)[subject.key];
}

/** The error-events columns a subject's identifier is stored in. */
export function errorEventCondition(subject: Subject): string {
  const column = identifierColumn(subject);
  if (column) return `${column} IN {values:Array(String)}`;
  // An email (or another enduser.* value) may be a user id, or appear in an error's message.
  return `(UserId IN {values:Array(String)} OR arrayExists(v -> position(Message, v) > 0, {values:Array(String)}))`;
}

/** The telemetry and error tables' names, for {@link subjectTables}. */
export interface SubjectTableNames {
  traces: string;
  logs: string;
  metrics: readonly string[];
  errorEvents: string;
}

/**
 * Where a subject's records are, table by table: the condition that finds them (parameters
 * `{key:String}` and `{values:Array(String)}`). Shared by erasure and export, so both reach the
 * same rows.
 */
export function subjectTables(subject: Subject, t: SubjectTableNames): Array<{ table: string; where: string }> {
  const maps = (...names: string[]) => `(${names.map((m) => mapCondition(m, subject)).join(' OR ')})`;
  const body = subject.key === 'email' ? ' OR arrayExists(v -> positionCaseInsensitive(Body, v) > 0, {values:Array(String)})' : '';
  return [
    // A span carries the subject in its own, its resource's, its events' or its links' attributes.
    { table: t.traces, where: `(${maps('ResourceAttributes', 'SpanAttributes')} OR ${anyMapCondition('`Events.Attributes`', subject)} OR ${anyMapCondition('`Links.Attributes`', subject)})` },
    { table: t.logs, where: `(${maps('ResourceAttributes', 'LogAttributes')}${body})` },
    ...t.metrics.map((table) => ({ table, where: maps('ResourceAttributes', 'Attributes') })),
    { table: t.errorEvents, where: errorEventCondition(subject) },
  ];
}
