import type { Logger } from 'pino';

import type { AuditEntry, AuditLog } from '../storage/clickhouse/audit.ts';
import type { IssuesConfig } from './config.ts';
import {
  applyCommand, applyEvent, effectiveStatus, openIssue,
  type AlertKind, type Change, type IssueCommand, type IssueState, type IssueStatus,
} from './lifecycle.ts';
import { foldOccurrences, toSummary, type IssueStats, type IssueSummary } from './store/model.ts';
import type { IssueStore } from './store/issueStore.ts';
import { storedCount } from './store/rows.ts';
import type { Occurrence } from './types.ts';

export type { IssueSummary } from './store/model.ts';

/** What the issue was before the alert's change: the status for `regressed`, the severity for `escalated`. */
export interface AlertPrevious {
  status?: string;
  severity?: string;
}

/**
 * Called at most once per transition (not per event), after the new state is stored, with the
 * occurrence that caused it. Errors (thrown or rejected) are logged, never rethrown.
 */
export type AlertCallback = (kind: AlertKind, issue: IssueSummary, occurrence: Occurrence, previous?: AlertPrevious) => void | Promise<void>;

/** Options of {@link IssueTracker}. */
export interface IssueTrackerOptions {
  store: IssueStore;
  audit: AuditLog;
  config: Pick<IssuesConfig, 'escalation' | 'ongoingAfterMs' | 'refreshMs' | 'maxCachedIssues'>;
  onAlert?: AlertCallback;
  logger?: Pick<Logger, 'warn'>;
  /** Clock, ms; default `Date.now`. */
  now?: () => number;
}

/** What the tracker knows of one issue. */
interface Entry {
  /** Undefined until the issue's first state row is written. */
  state: IssueState | undefined;
  /** Stored aggregates as last read, with the occurrences observed since folded in. */
  view: IssueStats | undefined;
  /** Distinct users observed, for an issue with no stored aggregates yet (bounded). */
  users: Set<string>;
  loadedAtMs: number;
}

const MAX_TRACKED_USERS = 10_000;

/**
 * Turns stored occurrences into issue state: opens issues, applies lifecycle transitions, writes
 * the new state rows and their audit entries (actor `system`), and raises alerts.
 *
 * State is cached per issue (bounded LRU) and read again from ClickHouse after `refreshMs`, and
 * just before writing any event-driven change for an issue not read in the same call; the
 * aggregates are read at the same times (never per event) and occurrences observed since are
 * added. Calls run one at a time in this process.
 *
 * Several gateway instances may run: the state row with the highest version is the truth. What
 * can race between instances: two instances seeing an issue's first events at once both open it
 * (two `new` alerts, the same state); an event-driven change and an operator's command within
 * one read-to-write window (milliseconds) — the later write wins; escalation counts lag other
 * instances' events by up to `refreshMs`.
 */
export class IssueTracker {
  private readonly cache = new Map<string, Entry>();
  private readonly now: () => number;
  private queue: Promise<unknown> = Promise.resolve();
  private stopped = false;

  constructor(private readonly options: IssueTrackerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Nothing to prepare: state is loaded on demand. */
  async start(): Promise<void> {
    this.stopped = false;
  }

  /** Waits for calls in progress; later `observe` calls are ignored. Idempotent. */
  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.queue.catch(() => undefined);
  }

  /**
   * Handles occurrences that are already durable (in the write-ahead log or stored). Rejects when ClickHouse
   * cannot be read or written; the occurrences stay stored and count at the next read.
   */
  observe(occurrences: readonly Occurrence[]): Promise<void> {
    if (this.stopped || occurrences.length === 0) return Promise.resolve();
    return this.serial(() => this.track(occurrences));
  }

  /**
   * Applies an operator's commands to an issue, in order, as one change set: all are stored (one
   * state row, one audit entry each) or, when one is refused (`LifecycleError`), none. Returns
   * undefined for an unknown issue.
   */
  command(fingerprint: string, commands: readonly IssueCommand[], actor: string): Promise<{ state: IssueState; status: IssueStatus; stats: IssueStats } | undefined> {
    return this.serial(async () => {
      const found = await this.options.store.get(fingerprint);
      if (!found) return undefined;
      const nowMs = this.now();
      const ctx = { actor, nowMs, events: found.stats.events, config: this.options.config };
      const changes: Change[] = [];
      let state = found.state;
      for (const command of commands) {
        const change = applyCommand(state, command, ctx);
        if (change) {
          changes.push(change);
          state = change.after;
        }
      }
      if (changes.length) state = await this.persist([state], changes, actor).then(([s]) => s!);
      const entry = this.cache.get(fingerprint);
      if (entry) entry.state = state;
      return { state, status: effectiveStatus(state, nowMs, found.stats.events, this.options.config), stats: found.stats };
    });
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async track(occurrences: readonly Occurrence[]): Promise<void> {
    const groups = new Map<string, Occurrence[]>();
    for (const o of occurrences) {
      const group = groups.get(o.fingerprint);
      if (group) group.push(o);
      else groups.set(o.fingerprint, [o]);
    }
    try {
      await this.trackGroups(groups);
    } finally {
      this.evict(groups);
    }
  }

  private async trackGroups(groups: Map<string, Occurrence[]>): Promise<void> {
    const nowMs = this.now();
    for (const group of groups.values()) group.sort((a, b) => (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0));

    const stale = [...groups.keys()].filter((fp) => !this.cache.has(fp) || nowMs - this.cache.get(fp)!.loadedAtMs >= this.options.config.refreshMs);
    const fresh = new Set(stale);
    await this.load(stale, groups, nowMs);
    for (const [fp, group] of groups) {
      if (fresh.has(fp)) continue;
      const entry = this.cache.get(fp)!;
      this.fold(entry, group);
      this.cache.delete(fp); // most recently used last
      this.cache.set(fp, entry);
    }

    let decided = [...groups].map(([fp, group]) => this.decide(fp, group, nowMs));
    // Read state again before acting on a cached copy: another instance may have changed it.
    const recheck = decided.filter((d) => d.changes.length && !fresh.has(d.fingerprint)).map((d) => d.fingerprint);
    if (recheck.length) {
      const states = await this.options.store.states(recheck);
      for (const fp of recheck) {
        const entry = this.cache.get(fp)!;
        entry.state = states.get(fp) ?? entry.state;
      }
      decided = decided.map((d) => (recheck.includes(d.fingerprint) ? this.decide(d.fingerprint, groups.get(d.fingerprint)!, nowMs) : d));
    }

    const changed = decided.filter((d) => d.changes.length);
    if (changed.length === 0) return;
    const written = await this.persist(changed.map((d) => d.changes.at(-1)!.after), changed.flatMap((d) => d.changes), 'system');
    changed.forEach((d, i) => {
      const entry = this.cache.get(d.fingerprint)!;
      entry.state = written[i];
      for (const [kind, { occurrence, previous }] of d.alerts) this.alert(kind, entry, occurrence, previous, nowMs);
    });
  }

  /** Reads state and aggregates of these issues and caches them with the occurrences not yet in the aggregates. */
  private async load(fingerprints: string[], groups: Map<string, Occurrence[]>, nowMs: number): Promise<void> {
    if (fingerprints.length === 0) return;
    const [states, stats] = await Promise.all([this.options.store.states(fingerprints), this.options.store.stats(fingerprints)]);
    for (const fp of fingerprints) {
      const stored = stats.get(fp);
      // Occurrences already inserted are in the aggregates; the rest (still in the write-ahead log, or racing the insert) are added.
      const lastSeenNs = stored ? BigInt(stored.lastSeenMs) * 1_000_000n + 999_999n : -1n;
      const entry: Entry = { state: states.get(fp), view: stored, users: new Set(), loadedAtMs: nowMs };
      this.fold(entry, groups.get(fp)!.filter((o) => o.timeUnixNano > lastSeenNs));
      this.cache.delete(fp);
      this.cache.set(fp, entry);
    }
  }

  /** Drops least recently used issues beyond the bound, never one of the batch being handled. */
  private evict(inUse: Map<string, unknown>): void {
    for (const fp of this.cache.keys()) {
      if (this.cache.size <= this.options.config.maxCachedIssues) break;
      if (!inUse.has(fp)) this.cache.delete(fp);
    }
  }

  private fold(entry: Entry, occurrences: readonly Occurrence[]): void {
    if (occurrences.length === 0) return;
    for (const o of occurrences) if (o.userId !== '' && entry.users.size < MAX_TRACKED_USERS) entry.users.add(o.userId);
    entry.view = foldOccurrences(entry.view, occurrences, entry.users);
  }

  /** The changes and alerts the occurrences cause, from the cached state; each alert kind once, with the occurrence that caused it. */
  private decide(fingerprint: string, group: Occurrence[], nowMs: number) {
    const entry = this.cache.get(fingerprint)!;
    const view = entry.view!;
    const changes: Change[] = [];
    const alerts = new Map<AlertKind, { occurrence: Occurrence; previous?: AlertPrevious }>();
    let state = entry.state;
    // Counts as of each occurrence: the later ones in the group (each weighing its count) are not there yet.
    let later = 0;
    for (const o of group) later += storedCount(o);
    group.forEach((o) => {
      later -= storedCount(o);
      const counts = { events: view.events - later, users: view.users };
      const facts = { timeMs: Number(o.timeUnixNano / 1_000_000n), version: o.version, severity: o.severity };
      const step = state
        ? applyEvent(state, facts, counts, this.options.config, nowMs)
        : [openIssue(fingerprint, { ...facts, timeMs: Math.min(facts.timeMs, view.firstSeenMs) }, counts, this.options.config, nowMs)];
      for (const change of step) {
        changes.push(change);
        state = change.after;
        for (const kind of change.alerts) if (!alerts.has(kind)) alerts.set(kind, { occurrence: o, previous: previousOf(kind, change) });
      }
    });
    return { fingerprint, changes, alerts };
  }

  /** Stores the final states (versions stamped) and one audit entry per change. */
  private async persist(states: IssueState[], changes: Change[], actor: string): Promise<IssueState[]> {
    const written = await this.options.store.writeStates(states);
    const stamped = new Map(written.map((s) => [s.fingerprint, s]));
    const entries = changes.map((c, i): AuditEntry => {
      const lastOfIssue = !changes.slice(i + 1).some((later) => later.after.fingerprint === c.after.fingerprint);
      return {
        actor,
        action: c.action,
        entityType: 'issue',
        entityId: c.after.fingerprint,
        before: c.before,
        after: lastOfIssue ? stamped.get(c.after.fingerprint) : c.after,
      };
    });
    await this.options.audit.write(entries);
    return written;
  }

  private alert(kind: AlertKind, entry: Entry, occurrence: Occurrence, previous: AlertPrevious | undefined, nowMs: number): void {
    const { onAlert, logger, config } = this.options;
    if (!onAlert || !entry.state || !entry.view) return;
    const summary = toSummary(entry.view, entry.state, effectiveStatus(entry.state, nowMs, entry.view.events, config));
    const failed = (err: unknown) => logger?.warn({ err, kind, fingerprint: summary.fingerprint }, 'issue alert callback failed');
    try {
      const result = onAlert(kind, summary, occurrence, previous);
      if (result instanceof Promise) result.catch(failed);
    } catch (err) {
      failed(err);
    }
  }
}

function previousOf(kind: AlertKind, change: Change): AlertPrevious | undefined {
  if (!change.before) return undefined;
  return kind === 'regressed' ? { status: change.before.status } : kind === 'escalated' ? { severity: change.before.severity } : undefined;
}
