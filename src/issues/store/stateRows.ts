/** `otelhouse_issue_state` rows: encoding an {@link IssueState} for insert and reading one back. */
import { ISSUE_STATUSES, type IssueState, type IssueStatus } from '../lifecycle.ts';
import type { Severity } from '../types.ts';

/** The columns as inserted (`JSONEachRow`); DateTime64(3) values as integer milliseconds. */
export function stateRow(s: IssueState): Record<string, unknown> {
  return {
    Fingerprint: s.fingerprint,
    Status: s.status,
    Severity: s.severity,
    FirstSeen: s.firstSeenMs,
    ResolvedInVersion: s.resolvedInVersion,
    ResolvedAt: s.resolvedAtMs,
    IgnoreUntil: s.ignoreUntilMs,
    IgnoreUntilEvents: s.ignoreUntilEvents,
    IgnoreBaseEvents: s.ignoreBaseEvents,
    Assignee: s.assignee,
    Notes: s.notes.map((n) => ({ Time: n.timeMs, Author: n.author, Text: n.text })),
    UpdatedAt: s.updatedAtMs,
    UpdatedBy: s.updatedBy,
    Version: String(s.version),
  };
}

/** Output name and expression of each state column as {@link readState} reads it; times as integer ms. */
export const STATE_FIELDS: ReadonlyArray<readonly [alias: string, expression: string]> = [
  ['fingerprint', 'Fingerprint'],
  ['status', 'Status'],
  ['severity', 'Severity'],
  ['firstSeenMs', 'toUnixTimestamp64Milli(FirstSeen)'],
  ['resolvedInVersion', 'ResolvedInVersion'],
  ['resolvedAtMs', 'toUnixTimestamp64Milli(ResolvedAt)'],
  ['ignoreUntilMs', 'toUnixTimestamp64Milli(IgnoreUntil)'],
  ['ignoreUntilEvents', 'IgnoreUntilEvents'],
  ['ignoreBaseEvents', 'IgnoreBaseEvents'],
  ['assignee', 'Assignee'],
  ['notes', 'arrayMap(n -> (toUnixTimestamp64Milli(n.Time), n.Author, n.Text), Notes)'],
  ['updatedAtMs', 'toUnixTimestamp64Milli(UpdatedAt)'],
  ['updatedBy', 'UpdatedBy'],
  ['version', 'Version'],
];

/** The select list of {@link STATE_FIELDS}. */
export const STATE_COLUMNS = STATE_FIELDS.map(([alias, expression]) => `${expression} AS ${alias}`).join(', ');

/** A row selected with {@link STATE_COLUMNS}. 64-bit integers may arrive as strings (HTTP) or numbers (chDB). */
export interface StateRecord {
  fingerprint: string;
  status: string;
  severity: string;
  firstSeenMs: number | string;
  resolvedInVersion: string;
  resolvedAtMs: number | string;
  ignoreUntilMs: number | string;
  ignoreUntilEvents: number | string;
  ignoreBaseEvents: number | string;
  assignee: string;
  notes: Array<[number | string, string, string]>;
  updatedAtMs: number | string;
  updatedBy: string;
  version: number | string;
}

const SEVERITIES: readonly string[] = ['warning', 'error', 'fatal'];

/** A stored row as state; unknown status or severity (written by a newer version) read as `ongoing` / `error`. */
export function readState(r: StateRecord): IssueState {
  return {
    fingerprint: r.fingerprint,
    status: (ISSUE_STATUSES as readonly string[]).includes(r.status) ? (r.status as IssueStatus) : 'ongoing',
    severity: SEVERITIES.includes(r.severity) ? (r.severity as Severity) : 'error',
    firstSeenMs: Number(r.firstSeenMs),
    resolvedInVersion: r.resolvedInVersion,
    resolvedAtMs: Number(r.resolvedAtMs),
    ignoreUntilMs: Number(r.ignoreUntilMs),
    ignoreUntilEvents: Number(r.ignoreUntilEvents),
    ignoreBaseEvents: Number(r.ignoreBaseEvents),
    assignee: r.assignee,
    notes: r.notes.map(([timeMs, author, text]) => ({ timeMs: Number(timeMs), author, text })),
    updatedAtMs: Number(r.updatedAtMs),
    updatedBy: r.updatedBy,
    version: Number(r.version),
  };
}
