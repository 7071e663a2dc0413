/**
 * The issue lifecycle as a pure state machine: what an arriving event and an operator's command
 * do to an issue's state. No I/O; the tracker and the API persist what these functions return.
 *
 * Statuses (Sentry's model, without its sub-statuses): `new`, `ongoing` and `regressed` are the
 * unresolved ones; `resolved`; `ignored` (Sentry's "archived").
 * - `new`: first seen less than `ongoingAfterMs` ago. The first event after that makes it
 *   `ongoing`; reads show it `ongoing` from then on even without an event ({@link effectiveStatus}).
 * - `resolved` now: an event that happened after the resolution regresses it; a late event that
 *   happened before (an offline client's queue) does not.
 * - `resolved` in version X: an event from a version that is semver-greater than X regresses it; X
 *   itself, older versions, X's pre-releases and versions that are not semver do not.
 * - `ignored` forever stays ignored; ignored until a time or until N more events becomes `ongoing`
 *   (not `regressed`: it was never fixed) once the time has passed or the count is reached.
 * - `regressed` stays until someone resolves or ignores the issue again.
 * Severity escalates `warning → error → fatal` from the events' own severity and the thresholds
 * on events and users; it never goes down by itself.
 */
import semver from 'semver';

import type { EscalationConfig, IssuesConfig } from './config.ts';
import type { Severity } from './types.ts';

/** Where an issue is in its lifecycle. */
export type IssueStatus = 'new' | 'ongoing' | 'regressed' | 'resolved' | 'ignored';
export const ISSUE_STATUSES: readonly IssueStatus[] = ['new', 'ongoing', 'regressed', 'resolved', 'ignored'];
/** The statuses that mean "needs attention". */
export const UNRESOLVED: readonly IssueStatus[] = ['new', 'ongoing', 'regressed'];

/** A note an operator left on an issue. */
export interface IssueNote {
  timeMs: number;
  author: string;
  text: string;
}

/** The mutable state of one issue, one versioned row in `otelhouse_issue_state`. Times in ms since the epoch; 0 = unset. */
export interface IssueState {
  fingerprint: string;
  status: IssueStatus;
  severity: Severity;
  /** Time of the issue's first event. */
  firstSeenMs: number;
  /** When resolved: the version the fix shipped in, `''` for "resolved now". */
  resolvedInVersion: string;
  resolvedAtMs: number;
  /** When ignored: the end of the ignore, 0 = no time limit. */
  ignoreUntilMs: number;
  /** When ignored: the ignore ends after this many more events, 0 = no count limit. */
  ignoreUntilEvents: number;
  /** The issue's event count when it was ignored. */
  ignoreBaseEvents: number;
  /** `''` = unassigned. */
  assignee: string;
  /** Oldest first; at most {@link MAX_NOTES}. */
  notes: IssueNote[];
  updatedAtMs: number;
  updatedBy: string;
  /** Row version: the highest wins. Assigned by the store when written. */
  version: number;
}

/** What the lifecycle needs to know about an event. */
export interface EventFacts {
  timeMs: number;
  /** `service.version`, `''` when unknown. */
  version: string;
  severity: Severity;
}

/** The issue's totals, this event included. */
export interface Counts {
  events: number;
  /** Distinct non-empty user ids. */
  users: number;
}

/** Alerts a change asks for; at most one of each per change. */
export type AlertKind = 'new' | 'regressed' | 'escalated';

/** One state change: the audit log gets one entry per change (`action`, before, after). */
export interface Change {
  action: string;
  before: IssueState | null;
  after: IssueState;
  alerts: AlertKind[];
}

/** A refused command: `invalid` → HTTP 400 naming `field`, `conflict` → HTTP 409. */
export class LifecycleError extends Error {
  constructor(
    readonly kind: 'invalid' | 'conflict',
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

export const MAX_NOTES = 100;
export const MAX_NOTE_LENGTH = 4_000;
const SEVERITY_RANK: Record<Severity, number> = { warning: 0, error: 1, fatal: 2 };

/** The higher of two severities. */
export function maxSeverity(a: Severity, b: Severity): Severity {
  return SEVERITY_RANK[a] >= SEVERITY_RANK[b] ? a : b;
}

/** The severity the thresholds alone give for these counts. */
export function thresholdSeverity(counts: Counts, escalation: EscalationConfig): Severity {
  const reaches = (t: { events: number; users: number }) => counts.events >= t.events || counts.users >= t.users;
  return reaches(escalation.fatal) ? 'fatal' : reaches(escalation.error) ? 'error' : 'warning';
}

/** `version` as semver: strict or loose (`v1.2.3`), else coerced when it starts like one (`1.2`, `1.2.3.4`). */
export function parseVersion(version: string): semver.SemVer | null {
  const text = version.trim();
  if (text === '') return null;
  const parsed = semver.parse(text, { loose: true });
  if (parsed) return parsed;
  return /^v?\d+(\.\d+)*/.test(text) ? semver.coerce(text, { includePrerelease: true }) : null;
}

const DOTTED = /^v?(\d+(?:\.\d+)*)/;

/**
 * Compares the leading dotted numbers of two versions part by part (`1.2.3.5` > `1.2.3`, as
 * Android and .NET builds number them), missing parts counting as 0; 0 when they are equal.
 */
function compareDotted(a: string, b: string): number {
  const ma = DOTTED.exec(a.trim());
  const mb = DOTTED.exec(b.trim());
  if (!ma || !mb) return 0; // e.g. `=1.2.3`, which semver alone reads
  const pa = ma[1]!.split('.').map(Number);
  const pb = mb[1]!.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  return 0;
}

/** Whether an event regresses a resolved issue (see the module comment). */
export function regresses(state: IssueState, event: EventFacts): boolean {
  if (state.status !== 'resolved') return false;
  if (state.resolvedInVersion === '') return event.timeMs > state.resolvedAtMs;
  const fixed = parseVersion(state.resolvedInVersion);
  const seen = parseVersion(event.version);
  if (fixed === null || seen === null) return false;
  // Numbers first, over every part (semver alone would drop a fourth one); pre-releases by semver.
  const byNumbers = compareDotted(event.version, state.resolvedInVersion);
  return byNumbers !== 0 ? byNumbers > 0 : semver.gt(seen, fixed);
}

type Timing = Pick<IssuesConfig, 'ongoingAfterMs'>;

/** The status as of `nowMs`: a `new` issue past its age, or an ignore that ran out, reads as `ongoing`. */
export function effectiveStatus(state: IssueState, nowMs: number, events: number, config: Timing): IssueStatus {
  if (state.status === 'new' && nowMs - state.firstSeenMs >= config.ongoingAfterMs) return 'ongoing';
  if (state.status === 'ignored' && ignoreEnded(state, nowMs, events)) return 'ongoing';
  return state.status;
}

function ignoreEnded(state: IssueState, nowMs: number, events: number): boolean {
  return (state.ignoreUntilMs > 0 && nowMs >= state.ignoreUntilMs) ||
    (state.ignoreUntilEvents > 0 && events >= state.ignoreBaseEvents + state.ignoreUntilEvents);
}

const cleared = { resolvedInVersion: '', resolvedAtMs: 0, ignoreUntilMs: 0, ignoreUntilEvents: 0, ignoreBaseEvents: 0 };

/** A new issue's state for its first event (the `new` alert). */
export function openIssue(fingerprint: string, event: EventFacts, counts: Counts, config: Pick<IssuesConfig, 'escalation'>, nowMs: number): Change {
  const after: IssueState = {
    fingerprint,
    status: 'new',
    severity: maxSeverity(event.severity, thresholdSeverity(counts, config.escalation)),
    firstSeenMs: event.timeMs,
    ...cleared,
    assignee: '',
    notes: [],
    updatedAtMs: nowMs,
    updatedBy: 'system',
    version: 0,
  };
  return { action: 'issue.open', before: null, after, alerts: ['new'] };
}

/**
 * What one more event does to an existing issue: up to two changes (status, then severity), each
 * audited on its own; none when nothing changes. Alerts are muted while the issue stays resolved
 * or ignored.
 */
export function applyEvent(state: IssueState, event: EventFacts, counts: Counts, config: Pick<IssuesConfig, 'escalation' | 'ongoingAfterMs'>, nowMs: number): Change[] {
  const changes: Change[] = [];
  let current = state;
  const move = (action: string, patch: Partial<IssueState>, alerts: AlertKind[] = []) => {
    const after = { ...current, ...patch, updatedAtMs: nowMs, updatedBy: 'system' };
    changes.push({ action, before: current, after, alerts });
    current = after;
  };
  if (regresses(current, event)) move('issue.regress', { status: 'regressed', ...cleared }, ['regressed']);
  else if (current.status === 'ignored' && ignoreEnded(current, nowMs, counts.events)) move('issue.unignore', { status: 'ongoing', ...cleared });
  else if (current.status === 'new' && nowMs - current.firstSeenMs >= config.ongoingAfterMs) move('issue.ongoing', { status: 'ongoing' });

  const severity = maxSeverity(current.severity, maxSeverity(event.severity, thresholdSeverity(counts, config.escalation)));
  if (severity !== current.severity) {
    const muted = current.status === 'resolved' || current.status === 'ignored';
    move('issue.escalate', { severity }, muted ? [] : ['escalated']);
  }
  return changes;
}

/** An operator's request. `ignore` with no limit ignores forever; `forMs` counts from the command's time. */
export type IssueCommand =
  | { kind: 'resolve'; inVersion?: string }
  | { kind: 'ignore'; untilMs?: number; forMs?: number; untilEvents?: number }
  | { kind: 'reopen' }
  | { kind: 'assign'; assignee: string }
  | { kind: 'note'; text: string };

/** Context of a command: who, when, and the issue's current event count. */
export interface CommandContext {
  actor: string;
  nowMs: number;
  events: number;
  config: Timing;
}

/**
 * Which statuses each status command may start from (after {@link effectiveStatus}). Anything
 * else is a conflict (409): resolving or ignoring again with the same terms, reopening an issue
 * that is not resolved or ignored, or ignoring a resolved one (reopen it first).
 */
export const ALLOWED_FROM: Readonly<Record<'resolve' | 'ignore' | 'reopen', readonly IssueStatus[]>> = {
  resolve: ['new', 'ongoing', 'regressed', 'ignored', 'resolved'],
  ignore: ['new', 'ongoing', 'regressed', 'ignored'],
  reopen: ['resolved', 'ignored'],
};

/** Applies a command; returns no change for a no-op (same assignee), throws {@link LifecycleError} when refused. */
export function applyCommand(state: IssueState, command: IssueCommand, ctx: CommandContext): Change | undefined {
  const status = effectiveStatus(state, ctx.nowMs, ctx.events, ctx.config);
  const change = (action: string, patch: Partial<IssueState>): Change => ({
    action,
    before: state,
    after: { ...state, ...patch, updatedAtMs: ctx.nowMs, updatedBy: ctx.actor },
    alerts: [],
  });
  const refuseFrom = (kind: keyof typeof ALLOWED_FROM, why: string) => {
    if (!ALLOWED_FROM[kind].includes(status)) throw new LifecycleError('conflict', `cannot ${kind} an issue that is ${status}${why}`);
  };
  switch (command.kind) {
    case 'resolve': {
      const inVersion = command.inVersion?.trim() ?? '';
      if (inVersion !== '' && !semver.valid(inVersion, { loose: true })) {
        throw new LifecycleError('invalid', `resolution.inVersion ${JSON.stringify(command.inVersion)} is not a semantic version`, 'resolution.inVersion');
      }
      refuseFrom('resolve', '');
      if (status === 'resolved' && state.resolvedInVersion === inVersion) {
        throw new LifecycleError('conflict', `issue is already resolved${inVersion ? ` in ${inVersion}` : ''}`);
      }
      return change('issue.resolve', { status: 'resolved', ...cleared, resolvedInVersion: inVersion, resolvedAtMs: ctx.nowMs });
    }
    case 'ignore': {
      const { untilEvents = 0 } = command;
      const untilMs = command.forMs !== undefined ? ctx.nowMs + command.forMs : command.untilMs ?? 0;
      if (untilMs !== 0 && untilMs <= ctx.nowMs) throw new LifecycleError('invalid', 'ignore.untilMs must be in the future', 'ignore.untilMs');
      if (!Number.isSafeInteger(untilEvents) || untilEvents < 0) throw new LifecycleError('invalid', 'ignore.untilEvents must be a positive integer', 'ignore.untilEvents');
      refuseFrom('ignore', status === 'resolved' ? ' (reopen it first)' : '');
      if (status === 'ignored' && state.ignoreUntilMs === untilMs && state.ignoreUntilEvents === untilEvents) {
        throw new LifecycleError('conflict', 'issue is already ignored on the same terms');
      }
      return change('issue.ignore', { status: 'ignored', ...cleared, ignoreUntilMs: untilMs, ignoreUntilEvents: untilEvents, ignoreBaseEvents: untilEvents ? ctx.events : 0 });
    }
    case 'reopen':
      refuseFrom('reopen', ' (it is already unresolved)');
      return change('issue.reopen', { status: 'ongoing', ...cleared });
    case 'assign':
      return command.assignee === state.assignee ? undefined : change('issue.assign', { assignee: command.assignee });
    case 'note': {
      const text = command.text.trim();
      if (text === '' || text.length > MAX_NOTE_LENGTH) throw new LifecycleError('invalid', `note must be 1–${MAX_NOTE_LENGTH} characters`, 'note');
      const notes = [...state.notes, { timeMs: ctx.nowMs, author: ctx.actor, text }].slice(-MAX_NOTES);
      return change('issue.note', { notes });
    }
  }
}
