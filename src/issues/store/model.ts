/** The shapes the issue store reads, and the issue summary alerts and the API share. */
import semver from 'semver';

import { parseVersion, type IssueState, type IssueStatus } from '../lifecycle.ts';
import type { Occurrence, Severity } from '../types.ts';
import { eventId, storedCount } from './rows.ts';

/** Aggregates of one issue from `otelhouse_issue_stats` (kept by a materialized view). Times in ms. */
export interface IssueStats {
  fingerprint: string;
  firstSeenMs: number;
  lastSeenMs: number;
  events: number;
  /** The highest severity of any of its events. */
  highestSeverity: Severity;
  /** Distinct non-empty user ids (approximate above ~65 000: ClickHouse `uniq`). */
  users: number;
  /** Distinct non-empty `service.version`s, at most 100, oldest first (semver order). */
  versions: string[];
  /** Distinct services and environments, at most 20 each. */
  services: string[];
  environments: string[];
  /** Of the latest event. */
  latestEventId: string;
  type: string;
  message: string;
  culprit: string;
  service: string;
  environment: string;
}

/**
 * One issue as alerts and lists show it. `service` and `environment` are the latest event's;
 * `firstSeen`/`lastSeen` are ISO 8601; `users` counts distinct non-empty user ids.
 */
export interface IssueSummary {
  fingerprint: string;
  title: string;
  service: string;
  environment: string;
  status: IssueStatus;
  severity: Severity;
  culprit: string;
  firstSeen: string;
  lastSeen: string;
  events: number;
  users: number;
  versions: string[];
}

/** One stored occurrence as the API returns it. */
export interface IssueEvent {
  eventId: string;
  /** ISO 8601 (ms); `timeUnixNano` keeps the exact time. */
  time: string;
  timeUnixNano: string;
  fingerprint: string;
  source: string;
  service: string;
  version: string;
  environment: string;
  platform: string;
  type: string;
  message: string;
  stacktrace: string;
  culprit: string;
  severity: Severity;
  traceId: string;
  spanId: string;
  userId: string;
  installationId: string;
  deviceId: string;
  sessionId: string;
}

/** Events of one UTC day, by severity. */
export interface TimelineDay {
  /** `YYYY-MM-DD`. */
  day: string;
  warning: number;
  error: number;
  fatal: number;
  total: number;
}

const MAX_TITLE = 200;

/** Sentry-style title: `Type: message`, either alone when the other is empty. */
export function issueTitle(type: string, message: string): string {
  const title = type && message ? `${type}: ${message}` : type || message || '(no message)';
  return title.length > MAX_TITLE ? `${title.slice(0, MAX_TITLE - 1)}…` : title;
}

/** ISO 8601 of a time in ms. */
export const iso = (ms: number): string => new Date(ms).toISOString();

/** The summary of an issue from its stats and state (`status` is the caller's effective status). */
export function toSummary(stats: IssueStats, state: IssueState, status: IssueStatus = state.status): IssueSummary {
  return {
    fingerprint: stats.fingerprint,
    title: issueTitle(stats.type, stats.message),
    service: stats.service,
    environment: stats.environment,
    status,
    severity: state.severity,
    culprit: stats.culprit,
    firstSeen: iso(stats.firstSeenMs),
    lastSeen: iso(stats.lastSeenMs),
    events: stats.events,
    users: stats.users,
    versions: stats.versions,
  };
}

const MAX_VERSIONS = 100;

/**
 * `stats` (or, for an issue with no stored events yet, nothing) with `occurrences` folded in: what
 * the tracker knows between two reads of the aggregates. Each adds the count it is stored with to the
 * events, as the stats view sums `Occurrences`. Users are taken from the stored stats when
 * there are any (new users since then are counted at the next read), else from the occurrences.
 */
export function foldOccurrences(stats: IssueStats | undefined, occurrences: readonly Occurrence[], users: ReadonlySet<string>): IssueStats {
  const first = occurrences[0]!;
  const view: IssueStats = stats ? { ...stats, versions: [...stats.versions], services: [...stats.services], environments: [...stats.environments] } : {
    fingerprint: first.fingerprint, firstSeenMs: Number.MAX_SAFE_INTEGER, lastSeenMs: 0, events: 0, highestSeverity: 'warning',
    users: 0, versions: [], services: [], environments: [], latestEventId: '', type: '', message: '', culprit: '', service: '', environment: '',
  };
  for (const o of occurrences) {
    const ms = Number(o.timeUnixNano / 1_000_000n);
    view.events += storedCount(o);
    view.firstSeenMs = Math.min(view.firstSeenMs, ms);
    if (ms >= view.lastSeenMs) {
      Object.assign(view, { lastSeenMs: ms, latestEventId: eventId(o), type: o.type, message: o.normalizedMessage, culprit: o.culprit, service: o.service, environment: o.environment });
    }
    addBounded(view.versions, o.version, MAX_VERSIONS);
    addBounded(view.services, o.service, MAX_NAMES);
    addBounded(view.environments, o.environment, MAX_NAMES);
    if (SEVERITY_ORDER.indexOf(o.severity) > SEVERITY_ORDER.indexOf(view.highestSeverity)) view.highestSeverity = o.severity;
  }
  if (!stats) view.users = users.size;
  sortVersions(view.versions);
  view.services.sort();
  view.environments.sort();
  return view;
}

/** Sorts versions oldest first: semver order, then anything that is not a version, alphabetically. */
export function sortVersions(versions: string[]): string[] {
  const parsed = new Map(versions.map((v) => [v, parseVersion(v)]));
  return versions.sort((a, b) => {
    const [pa, pb] = [parsed.get(a), parsed.get(b)];
    if (pa && pb) return semver.compare(pa, pb) || (a < b ? -1 : a > b ? 1 : 0);
    if (pa || pb) return pa ? -1 : 1;
    return a < b ? -1 : a > b ? 1 : 0;
  });
}

/** The bounds of the stats table's `groupUniqArray`s. */
const MAX_NAMES = 20;

function addBounded(list: string[], value: string, max: number): void {
  if (value !== '' && list.length < max && !list.includes(value)) list.push(value);
}

const SEVERITY_ORDER: readonly Severity[] = ['warning', 'error', 'fatal'];
