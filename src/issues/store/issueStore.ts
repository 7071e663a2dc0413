import type { ClickHouseClient } from '@clickhouse/client';

import type { IssuesConfig } from '../config.ts';
import { effectiveStatus, type IssueState, type IssueStatus } from '../lifecycle.ts';
import type { Severity } from '../types.ts';
import { decodeCursor, encodeCursor } from '../../storage/clickhouse/cursor.ts';
import { sortVersions, toSummary, type IssueEvent, type IssueStats, type IssueSummary, type TimelineDay } from './model.ts';
import {
  dailySelect, eventsSelect, issueTables, latestEventSelect, listSelect, statesSelect, statsSelect,
  type IssueTables, type SortKey,
} from './queries.ts';
import { readState, stateRow, STATE_FIELDS, type StateRecord } from './stateRows.ts';

/** Filters, order and page of the issue list. Times in ms since the epoch. */
export interface IssueListQuery {
  service?: string;
  environment?: string;
  version?: string;
  /** Effective statuses to keep; unset = all. */
  statuses?: IssueStatus[];
  /** Issues with events at or after / at or before (to the day via daily counts, and first/last seen). */
  fromMs?: number;
  toMs?: number;
  /** Default `last_seen`. */
  sort?: SortKey;
  /** Default `desc`. */
  order?: 'asc' | 'desc';
  /** Page size, 1–500. */
  limit: number;
  /** From the previous page's `nextCursor`; throws `CursorError` when not one. */
  cursor?: string;
}

/** A list entry: the summary plus who is on it. */
export interface IssueListItem extends IssueSummary {
  assignee: string;
}

/** One page; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

/** Options of {@link IssueStore}. */
export interface IssueStoreOptions {
  /** Database holding the control tables. */
  database: string;
  config: Pick<IssuesConfig, 'ongoingAfterMs'>;
  /** Clock, ms; tests set it. Default `Date.now`. */
  now?: () => number;
}

const SEVERITY_BY_RANK: Severity[] = ['warning', 'error', 'fatal'];
const num = (v: unknown): number => Number(v);

type StatsRecord = Record<string, unknown> & { fingerprint: string };

function readStats(r: StatsRecord): IssueStats {
  return {
    fingerprint: r.fingerprint,
    firstSeenMs: num(r.firstSeenMs),
    lastSeenMs: num(r.lastSeenMs),
    events: num(r.events),
    highestSeverity: SEVERITY_BY_RANK[num(r.severityRank)] ?? 'error',
    users: num(r.users),
    versions: sortVersions([...(r.versions as string[])]),
    services: [...(r.services as string[])].sort(),
    environments: [...(r.environments as string[])].sort(),
    latestEventId: String(r.latestEventId),
    type: String(r.latestType),
    message: String(r.latestMessage),
    culprit: String(r.latestCulprit),
    service: String(r.latestService),
    environment: String(r.latestEnvironment),
  };
}

/**
 * Reads and writes the issue tables: aggregates kept by materialized views (never recomputed from
 * events here), versioned state rows (read with FINAL), the events themselves. Every value from a
 * caller is a query parameter.
 */
export class IssueStore {
  private readonly t: IssueTables;
  private readonly now: () => number;
  private lastVersion = 0;

  constructor(
    private readonly client: ClickHouseClient,
    private readonly options: IssueStoreOptions,
  ) {
    this.t = issueTables(options.database);
    this.now = options.now ?? Date.now;
  }

  private async select<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    const result = await this.client.query({ query, format: 'JSONEachRow', query_params: defined });
    return result.json<T>();
  }

  /** Aggregated stats of these issues; issues without events are absent. */
  async stats(fingerprints: readonly string[]): Promise<Map<string, IssueStats>> {
    if (fingerprints.length === 0) return new Map();
    const rows = await this.select<StatsRecord>(statsSelect(this.t, 'Fingerprint IN {fingerprints:Array(String)}'), { fingerprints });
    return new Map(rows.map((r) => [r.fingerprint, readStats(r)]));
  }

  /** The latest state row of these issues; issues never written are absent. */
  async states(fingerprints: readonly string[]): Promise<Map<string, IssueState>> {
    if (fingerprints.length === 0) return new Map();
    const rows = await this.select<StateRecord>(statesSelect(this.t), { fingerprints });
    return new Map(rows.map((r) => [r.fingerprint, readState(r)]));
  }

  /** The state an issue has before anything was written for it: `new`, at its highest event severity. */
  initialState(stats: IssueStats): IssueState {
    return {
      fingerprint: stats.fingerprint, status: 'new', severity: stats.highestSeverity, firstSeenMs: stats.firstSeenMs,
      resolvedInVersion: '', resolvedAtMs: 0, ignoreUntilMs: 0, ignoreUntilEvents: 0, ignoreBaseEvents: 0,
      assignee: '', notes: [], updatedAtMs: 0, updatedBy: '', version: 0,
    };
  }

  /** The issue's stats and current state (initial when none was written), or undefined for an unknown issue. */
  async get(fingerprint: string): Promise<{ stats: IssueStats; state: IssueState } | undefined> {
    const [stats, states] = await Promise.all([this.stats([fingerprint]), this.states([fingerprint])]);
    const s = stats.get(fingerprint);
    if (!s) return undefined;
    return { stats: s, state: states.get(fingerprint) ?? this.initialState(s) };
  }

  /** The status reads show for this state (a `new` issue past its age reads `ongoing`, and so on). */
  statusOf(state: IssueState, events: number): IssueStatus {
    return effectiveStatus(state, this.now(), events, this.options.config);
  }

  /** A filtered, sorted page of issues. */
  async list(q: IssueListQuery): Promise<Page<IssueListItem>> {
    const sort = q.sort ?? 'last_seen';
    const descending = (q.order ?? 'desc') === 'desc';
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const now = this.now();
    const query = listSelect(this.t, {
      sort, descending,
      service: q.service !== undefined, environment: q.environment !== undefined, version: q.version !== undefined,
      statuses: q.statuses !== undefined, from: q.fromMs !== undefined, to: q.toMs !== undefined, cursor: cursor !== undefined,
    });
    const rows = await this.select<StatsRecord & Record<string, unknown>>(query, {
      limit: q.limit + 1, nowMs: now, ongoingBeforeMs: now - this.options.config.ongoingAfterMs,
      service: q.service, environment: q.environment, version: q.version, statuses: q.statuses,
      fromMs: q.fromMs, toMs: q.toMs, cursorKey: cursor?.key, cursorFingerprint: cursor?.id,
    });
    const page = rows.slice(0, q.limit);
    const items = page.map((r): IssueListItem => {
      const stats = readStats(r);
      const state = r.state_fingerprint
        ? readState(Object.fromEntries(STATE_FIELDS.map(([alias]) => [alias, r[`state_${alias}`]])) as unknown as StateRecord)
        : this.initialState(stats);
      return { ...toSummary(stats, state, r.effectiveStatus as IssueStatus), assignee: state.assignee };
    });
    const last = page.at(-1);
    const more = rows.length > q.limit && last !== undefined;
    return { items, nextCursor: more ? encodeCursor(String(last.sortKey), last.fingerprint) : null };
  }

  /** An issue's events, newest first. */
  async events(fingerprint: string, q: { limit: number; cursor?: string; fromMs?: number; toMs?: number }): Promise<Page<IssueEvent>> {
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const query = eventsSelect(this.t, { cursor: cursor !== undefined, from: q.fromMs !== undefined, to: q.toMs !== undefined });
    const rows = await this.select<Omit<IssueEvent, 'time'>>(query, {
      fingerprint, limit: q.limit + 1, fromMs: q.fromMs, toMs: q.toMs, cursorNs: cursor?.key, cursorId: cursor?.id,
    });
    const items = rows.slice(0, q.limit).map(withTime);
    const last = items.at(-1);
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(last.timeUnixNano, last.eventId) : null };
  }

  /** The newest stored event of an issue, or null. */
  async latestEvent(fingerprint: string): Promise<IssueEvent | null> {
    const [row] = await this.select<Omit<IssueEvent, 'time'>>(latestEventSelect(this.t), { fingerprint });
    return row ? withTime(row) : null;
  }

  /** Events per UTC day and severity for the last `days` days (today included), oldest first; days without events are zeros. */
  async timeline(fingerprint: string, days = 14): Promise<TimelineDay[]> {
    const today = Math.floor(this.now() / 86_400_000);
    const dayText = (d: number) => new Date(d * 86_400_000).toISOString().slice(0, 10);
    const out = Array.from({ length: days }, (_, i): TimelineDay => ({ day: dayText(today - days + 1 + i), warning: 0, error: 0, fatal: 0, total: 0 }));
    const byDay = new Map(out.map((d) => [d.day, d]));
    const rows = await this.select<{ day: string; severity: string; events: number | string }>(dailySelect(this.t), { fingerprint, since: out[0]!.day });
    for (const r of rows) {
      const day = byDay.get(r.day);
      if (!day) continue;
      const n = num(r.events);
      if (r.severity === 'warning' || r.severity === 'error' || r.severity === 'fatal') day[r.severity] += n;
      day.total += n;
    }
    return out;
  }

  /**
   * Writes new state rows, stamping each with a version above the one it replaces and above any this
   * process wrote before (ms × 1000 plus a counter): the newest write wins on every replica.
   */
  async writeStates(states: readonly IssueState[]): Promise<IssueState[]> {
    if (states.length === 0) return [];
    const stamped = states.map((s) => ({ ...s, version: this.nextVersion(s.version) }));
    await this.client.insert({ table: this.t.state, format: 'JSONEachRow', values: stamped.map(stateRow) });
    return stamped;
  }

  private nextVersion(previous: number): number {
    this.lastVersion = Math.max(this.now() * 1000, this.lastVersion + 1, previous + 1);
    return this.lastVersion;
  }
}

function withTime(row: Omit<IssueEvent, 'time'>): IssueEvent {
  return { ...row, time: new Date(Number(BigInt(row.timeUnixNano) / 1_000_000n)).toISOString() };
}
