import type { IssueSummary } from '../store/model.ts';
import type { Occurrence } from '../types.ts';
import type { alertKinds } from './config.ts';

/**
 * What an alert is about. Plain data, produced by the issue store and handed to
 * {@link AlertDispatcher.notify}; nothing here holds a connection or a class instance.
 */

/** Why an alert fires: a fingerprint seen for the first time, a resolved issue seen again, or an issue getting worse. */
export type AlertKind = (typeof alertKinds)[number];

/** The issue an alert is about: the issue store's summary. */
export type { IssueSummary };

/** One alert: what happened, to which issue, and (when known) the occurrence that triggered it. */
export interface Alert {
  kind: AlertKind;
  issue: IssueSummary;
  /** The occurrence that triggered the alert. */
  occurrence?: Occurrence;
  /** What the issue was before, e.g. `{ status: 'resolved' }` for a regression, `{ severity: 'warning' }` for an escalation. */
  previous?: { status?: string; severity?: string };
}
