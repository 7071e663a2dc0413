import { randomBytes } from 'node:crypto';

import type { ClickHouseClient } from '@clickhouse/client';

import { controlTableNames } from './schema/options.ts';
import { quoteIdent } from './schema/sql.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';

/** One control-plane change: who did what to which entity, and the entity before and after. */
export interface AuditEntry {
  /** `system`, or the API caller: the admin token's name, `… on behalf of <X-Otelhouse-Actor>` when the header is sent. */
  actor: string;
  /** Dotted verb, e.g. `issue.resolve`, `session.create`, `policy.update`. */
  action: string;
  /** `issue`, `session`, `policy`, `sourcemaps` (id: the release), `erasure`, … */
  entityType: string;
  entityId: string;
  /** The entity before the change (`null` when it did not exist) and after (`null` when removed); stored as JSON. */
  before: unknown;
  after: unknown;
}

/** A stored entry. */
export interface AuditRecord extends AuditEntry {
  id: string;
  /** ISO 8601, ms. */
  time: string;
}

/** Filters of {@link AuditLog.list}; times in ms since the epoch, inclusive. */
export interface AuditQuery {
  entityType?: string;
  entityId?: string;
  actor?: string;
  action?: string;
  sinceMs?: number;
  untilMs?: number;
  /** Page size (the API bounds it). */
  limit: number;
  /** From the previous page's `nextCursor`; a foreign one throws `CursorError`. */
  cursor?: string;
}

/**
 * The audit log of every control-plane change, in `otelhouse_audit_log` (ordered by entity, then
 * time, so one entity's history is a range read). Entries are never updated or deleted.
 */
export class AuditLog {
  private readonly table: string;
  private readonly now: () => number;

  /** @param options.now clock in ms, default `Date.now` */
  constructor(
    private readonly client: ClickHouseClient,
    options: { database: string; now?: () => number },
  ) {
    this.table = `${quoteIdent(options.database)}.${quoteIdent(controlTableNames.auditLog)}`;
    this.now = options.now ?? Date.now;
  }

  /** Appends entries (one insert); resolves once they are stored. */
  async write(entries: AuditEntry | readonly AuditEntry[]): Promise<void> {
    const list = Array.isArray(entries) ? entries : [entries as AuditEntry];
    if (list.length === 0) return;
    const time = this.now();
    await this.client.insert({
      table: this.table,
      format: 'JSONEachRow',
      values: list.map((e, i) => ({
        Time: time,
        // Sorts by time, then by position in this write: a multi-step change reads back in order.
        Id: `${time.toString(16).padStart(12, '0')}-${i.toString(16).padStart(4, '0')}-${randomBytes(6).toString('hex')}`,
        Actor: e.actor,
        Action: e.action,
        EntityType: e.entityType,
        EntityId: e.entityId,
        Before: JSON.stringify(e.before ?? null),
        After: JSON.stringify(e.after ?? null),
      })),
    });
  }

  /** Entries matching every filter given, newest first. */
  async list(q: AuditQuery): Promise<{ items: AuditRecord[]; nextCursor: string | null }> {
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const where: string[] = [];
    if (q.entityType !== undefined) where.push('EntityType = {entityType:String}');
    if (q.entityId !== undefined) where.push('EntityId = {entityId:String}');
    if (q.actor !== undefined) where.push('Actor = {actor:String}');
    if (q.action !== undefined) where.push('Action = {action:String}');
    if (q.sinceMs !== undefined) where.push('Time >= fromUnixTimestamp64Milli({sinceMs:Int64})');
    if (q.untilMs !== undefined) where.push('Time <= fromUnixTimestamp64Milli({untilMs:Int64})');
    if (cursor) where.push('(toUnixTimestamp64Milli(Time), Id) < ({cursorMs:Int64}, {cursorId:String})');
    const query = `SELECT toUnixTimestamp64Milli(Time) AS timeMs, Id AS id, Actor AS actor, Action AS action,
      EntityType AS entityType, EntityId AS entityId, Before AS before, After AS after
      FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY Time DESC, Id DESC LIMIT {limit:UInt32}`;
    const params = { ...q, limit: q.limit + 1, cursorMs: cursor?.key, cursorId: cursor?.id, cursor: undefined };
    const result = await this.client.query({
      query,
      format: 'JSONEachRow',
      query_params: Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined)),
    });
    const rows = await result.json<{ timeMs: number | string; id: string; actor: string; action: string; entityType: string; entityId: string; before: string; after: string }>();
    const items = rows.slice(0, q.limit).map((r): AuditRecord => ({
      id: r.id,
      time: new Date(Number(r.timeMs)).toISOString(),
      actor: r.actor,
      action: r.action,
      entityType: r.entityType,
      entityId: r.entityId,
      before: JSON.parse(r.before) as unknown,
      after: JSON.parse(r.after) as unknown,
    }));
    const last = rows[q.limit - 1];
    return { items, nextCursor: rows.length > q.limit && last ? encodeCursor(String(last.timeMs), last.id) : null };
  }
}
