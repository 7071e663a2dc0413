import type { ClickHouseClient } from '@clickhouse/client';

import { decodeCursor, encodeCursor } from '../../storage/clickhouse/cursor.ts';
import { controlPlaneTableNames, qualified } from '../../storage/clickhouse/schema/controlPlane.ts';
import { type DebugSession, type SessionStats, type SessionStatus, type SessionTarget } from './model.ts';
import { readSession, SESSION_COLUMNS, sessionRow, STATUS_SQL, type SessionRecord } from './rows.ts';

/** Filters and page of {@link SessionStore.list}. */
export interface SessionListQuery {
  /** Statuses at `nowMs`; unset = all. */
  statuses?: readonly SessionStatus[];
  /** Sessions whose target has exactly these values. */
  target?: SessionTarget;
  createdBy?: string;
  /** Sessions whose span (starts → ends) overlaps [fromMs, toMs): those running at some time in it. */
  fromMs?: number;
  toMs?: number;
  /** Page size (the API bounds it). */
  limit: number;
  /** From the previous page's `nextCursor`; a foreign one throws `CursorError`. */
  cursor?: string;
}

/** One increment of a session's stats, as flushed by one gateway instance. */
export interface StatsIncrement {
  sessionId: string;
  logs: number;
  spans: number;
  errors: number;
  /** ms. */
  lastSeenMs: number;
}

const TARGET_COLUMNS: Record<keyof SessionTarget, string> = {
  'app.installation.id': 'InstallationId',
  'device.id': 'DeviceId',
  'user.id': 'UserId',
  'session.id': 'SessionId',
  'service.name': 'ServiceName',
};

/**
 * Debug sessions in ClickHouse: versioned rows in `otelhouse_debug_sessions` (read with FINAL) and
 * additive stats in `otelhouse_debug_session_stats`. Every value from a caller is a query parameter.
 */
export class SessionStore {
  private readonly table: string;
  private readonly statsTable: string;
  private readonly now: () => number;
  private lastVersion = 0;

  /** @param options.now clock in ms, default `Date.now` (stamps row versions) */
  constructor(
    private readonly client: ClickHouseClient,
    options: { database: string; now?: () => number },
  ) {
    this.table = qualified(options.database, controlPlaneTableNames.debugSessions);
    this.statsTable = qualified(options.database, controlPlaneTableNames.debugSessionStats);
    this.now = options.now ?? Date.now;
  }

  private async select<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    const result = await this.client.query({ query, format: 'JSONEachRow', query_params: defined });
    return result.json<T>();
  }

  /** Writes the session as a new row version (above the one it replaces); returns it with that version. */
  async put(session: DebugSession): Promise<DebugSession> {
    this.lastVersion = Math.max(this.now() * 1000, this.lastVersion + 1, session.version + 1);
    const stamped = { ...session, version: this.lastVersion };
    await this.client.insert({ table: this.table, format: 'JSONEachRow', values: [sessionRow(stamped)] });
    return stamped;
  }

  async get(id: string): Promise<DebugSession | undefined> {
    const rows = await this.select<SessionRecord>(`SELECT ${SESSION_COLUMNS} FROM ${this.table} FINAL WHERE Id = {id:String}`, { id });
    return rows[0] ? readSession(rows[0]) : undefined;
  }

  /** Sessions matching every filter, newest first (by creation). */
  async list(q: SessionListQuery, nowMs: number): Promise<{ items: DebugSession[]; nextCursor: string | null }> {
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const where: string[] = [];
    const params: Record<string, unknown> = { now: nowMs, limit: q.limit + 1 };
    if (q.statuses !== undefined) {
      where.push(`${STATUS_SQL} IN {statuses:Array(String)}`);
      params.statuses = q.statuses;
    }
    for (const [key, value] of Object.entries(q.target ?? {}) as Array<[keyof SessionTarget, string | undefined]>) {
      if (value === undefined) continue;
      const name = `t${Object.keys(TARGET_COLUMNS).indexOf(key)}`;
      where.push(`${TARGET_COLUMNS[key]} = {${name}:String}`);
      params[name] = value;
    }
    if (q.createdBy !== undefined) {
      where.push('CreatedBy = {createdBy:String}');
      params.createdBy = q.createdBy;
    }
    if (q.fromMs !== undefined) {
      where.push('EndsAt > fromUnixTimestamp64Milli({fromMs:Int64})');
      params.fromMs = q.fromMs;
    }
    if (q.toMs !== undefined) {
      where.push('StartsAt < fromUnixTimestamp64Milli({toMs:Int64})');
      params.toMs = q.toMs;
    }
    if (cursor) {
      where.push('(toUnixTimestamp64Milli(CreatedAt), Id) < ({cursorMs:Int64}, {cursorId:String})');
      Object.assign(params, { cursorMs: cursor.key, cursorId: cursor.id });
    }
    const rows = await this.select<SessionRecord>(
      `SELECT ${SESSION_COLUMNS} FROM ${this.table} FINAL ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY CreatedAt DESC, Id DESC LIMIT {limit:UInt32}`,
      params,
    );
    const items = rows.slice(0, q.limit).map(readSession);
    const last = items[q.limit - 1];
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(String(last.createdAtMs), last.id) : null };
  }

  /** Sessions that are not cancelled and have not reached their end at `nowMs`: what the registry holds. */
  async live(nowMs: number): Promise<DebugSession[]> {
    const rows = await this.select<SessionRecord>(
      `SELECT ${SESSION_COLUMNS} FROM ${this.table} FINAL
       WHERE CancelledAt = toDateTime64(0, 3) AND EndsAt > fromUnixTimestamp64Milli({now:Int64})`,
      { now: nowMs },
    );
    return rows.map(readSession);
  }

  /** Adds increments (one insert, never deduplicated: equal increments from two flushes both count). */
  async addStats(increments: readonly StatsIncrement[]): Promise<void> {
    if (increments.length === 0) return;
    await this.client.insert({
      table: this.statsTable,
      format: 'JSONEachRow',
      values: increments.map((i) => ({ SessionId: i.sessionId, Logs: i.logs, Spans: i.spans, Errors: i.errors, LastSeen: i.lastSeenMs })),
      clickhouse_settings: { insert_deduplicate: 0 },
    });
  }

  /** Stats of these sessions summed over every instance's increments; sessions without any are absent. */
  async stats(ids: readonly string[]): Promise<Map<string, SessionStats>> {
    if (ids.length === 0) return new Map();
    const rows = await this.select<Record<string, string | number>>(
      `SELECT SessionId AS id, sum(Logs) AS logs, sum(Spans) AS spans, sum(Errors) AS errors, toUnixTimestamp64Milli(max(LastSeen)) AS lastSeenMs
       FROM ${this.statsTable} WHERE SessionId IN {ids:Array(String)} GROUP BY SessionId`,
      { ids },
    );
    return new Map(rows.map((r) => [String(r.id), { logs: Number(r.logs), spans: Number(r.spans), errors: Number(r.errors), lastSeenMs: Number(r.lastSeenMs) }]));
  }
}

