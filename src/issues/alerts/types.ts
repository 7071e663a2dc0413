import type { Occurrence, Severity } from '../types.ts';

/**
 * What an alert is about. Plain data, produced by the issue store and handed to
 * {@link AlertDispatcher.notify}; nothing here holds a connection or a class instance.
 */

/** Why an alert fires: a fingerprint seen for the first time, a resolved issue seen again, or an issue getting worse. */
export type AlertKind = 'new' | 'regressed' | 'escalated';

/** Every alert kind, in a stable order (the default subscription of a webhook). */
export const alertKinds = ['new', 'regressed', 'escalated'] as const satisfies readonly AlertKind[];

/** The state of an issue at the moment the alert fires. */
export interface IssueSummary {
  fingerprint: string;
  /** The issue's title, e.g. `TypeError: x is undefined` (normalized message). */
  title: string;
  service: string;
  environment: string;
  /** Lifecycle status after this occurrence, e.g. `unresolved`, `resolved`, `ignored`. */
  status: string;
  severity: Severity;
  /** The in-app frame that threw, `function (file)`, or `''`. */
  culprit: string;
  /** First occurrence, ISO 8601 UTC (`2024-05-01T12:00:00.000Z`). */
  firstSeen: string;
  /** Latest occurrence, ISO 8601 UTC. */
  lastSeen: string;
  /** Occurrences counted so far. */
  events: number;
  /** Distinct users affected so far. */
  users: number;
  /** Service versions the issue was seen in, oldest first. */
  versions: string[];
}

/** One alert: what happened, to which issue, and (when known) the occurrence that triggered it. */
export interface Alert {
  kind: AlertKind;
  issue: IssueSummary;
  /** The occurrence that triggered the alert. */
  occurrence?: Occurrence;
  /** What the issue was before, e.g. `{ status: 'resolved' }` for a regression, `{ severity: 'warning' }` for an escalation. */
  previous?: { status?: string; severity?: string };
}
