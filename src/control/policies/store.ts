import type { ClickHouseClient } from '@clickhouse/client';

import { decodeCursor, encodeCursor } from '../../storage/clickhouse/cursor.ts';
import { controlPlaneTableNames, qualified } from '../../storage/clickhouse/schema/controlPlane.ts';
import type { CollectionPolicy, PolicySettings, Targeting } from './model.ts';

/** Filters and page of {@link PolicyStore.list}. */
export interface PolicyListQuery {
  enabled?: boolean;
  /** Policies whose targeting names this service, or targets every service. */
  service?: string;
  limit: number;
  cursor?: string;
}

const COLUMNS = [
  'Id AS id', 'Name AS name', 'Description AS description', 'Enabled AS enabled', 'Priority AS priority',
  'Targeting AS targeting', 'Settings AS settings', 'toUnixTimestamp64Milli(StartsAt) AS startsAtMs',
  'toUnixTimestamp64Milli(ExpiresAt) AS expiresAtMs', 'toUnixTimestamp64Milli(CreatedAt) AS createdAtMs', 'CreatedBy AS createdBy',
  'toUnixTimestamp64Milli(UpdatedAt) AS updatedAtMs', 'UpdatedBy AS updatedBy', 'Version AS version',
].join(', ');

type PolicyRecord = Record<string, string | number>;

function row(p: CollectionPolicy, deleted: boolean): Record<string, unknown> {
  return {
    Id: p.id, Name: p.name, Description: p.description, Enabled: p.enabled ? 1 : 0, Priority: p.priority,
    Targeting: JSON.stringify(p.targeting), Settings: JSON.stringify(p.settings), StartsAt: p.startsAtMs ?? 0, ExpiresAt: p.expiresAtMs ?? 0,
    CreatedAt: p.createdAtMs, CreatedBy: p.createdBy, UpdatedAt: p.updatedAtMs, UpdatedBy: p.updatedBy, Deleted: deleted ? 1 : 0,
    Version: String(p.version),
  };
}

/** A stored row as a policy. Targeting and settings are trusted JSON this code wrote (unknown fields pass through). */
function read(r: PolicyRecord): CollectionPolicy {
  const instant = (v: string | number) => (Number(v) > 0 ? Number(v) : null);
  return {
    id: String(r.id), name: String(r.name), description: String(r.description), enabled: Number(r.enabled) === 1,
    priority: Number(r.priority), targeting: JSON.parse(String(r.targeting)) as Targeting, settings: JSON.parse(String(r.settings)) as PolicySettings,
    startsAtMs: instant(r.startsAtMs), expiresAtMs: instant(r.expiresAtMs), createdAtMs: Number(r.createdAtMs), createdBy: String(r.createdBy),
    updatedAtMs: Number(r.updatedAtMs), updatedBy: String(r.updatedBy), version: Number(r.version),
  };
}

/** Collection policies as versioned rows in `otelhouse_collection_policies` (read with FINAL; deletes are marked). */
export class PolicyStore {
  private readonly table: string;
  private readonly now: () => number;
  private lastVersion = 0;

  /** @param options.now clock in ms, default `Date.now` (stamps row versions) */
  constructor(
    private readonly client: ClickHouseClient,
    options: { database: string; now?: () => number },
  ) {
    this.table = qualified(options.database, controlPlaneTableNames.policies);
    this.now = options.now ?? Date.now;
  }

  private async select(query: string, params: Record<string, unknown> = {}): Promise<CollectionPolicy[]> {
    const defined = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
    const result = await this.client.query({ query, format: 'JSONEachRow', query_params: defined });
    return (await result.json<PolicyRecord>()).map(read);
  }

  private async write(p: CollectionPolicy, deleted: boolean): Promise<CollectionPolicy> {
    this.lastVersion = Math.max(this.now() * 1000, this.lastVersion + 1, p.version + 1);
    const stamped = { ...p, version: this.lastVersion };
    await this.client.insert({ table: this.table, format: 'JSONEachRow', values: [row(stamped, deleted)] });
    return stamped;
  }

  /** Writes the policy as a new row version; returns it with that version. */
  put(policy: CollectionPolicy): Promise<CollectionPolicy> {
    return this.write(policy, false);
  }

  /** Marks the policy deleted (the last version, as `policy`, stays readable in the table's history). */
  async delete(policy: CollectionPolicy): Promise<void> {
    await this.write(policy, true);
  }

  async get(id: string): Promise<CollectionPolicy | undefined> {
    return (await this.select(`SELECT ${COLUMNS} FROM ${this.table} FINAL WHERE Id = {id:String} AND Deleted = 0`, { id }))[0];
  }

  /** Every policy not deleted: what the registry holds. */
  all(): Promise<CollectionPolicy[]> {
    return this.select(`SELECT ${COLUMNS} FROM ${this.table} FINAL WHERE Deleted = 0`);
  }

  /** Policies matching the filters, newest first (by creation). */
  async list(q: PolicyListQuery): Promise<{ items: CollectionPolicy[]; nextCursor: string | null }> {
    const cursor = q.cursor === undefined ? undefined : decodeCursor(q.cursor);
    const where = ['Deleted = 0'];
    if (q.enabled !== undefined) where.push('Enabled = {enabled:UInt8}');
    if (q.service !== undefined) {
      where.push("(NOT JSONHas(Targeting, 'services') OR has(JSONExtract(Targeting, 'services', 'Array(String)'), {service:String}))");
    }
    if (cursor) where.push('(toUnixTimestamp64Milli(CreatedAt), Id) < ({cursorMs:Int64}, {cursorId:String})');
    const items = await this.select(
      `SELECT ${COLUMNS} FROM ${this.table} FINAL WHERE ${where.join(' AND ')} ORDER BY CreatedAt DESC, Id DESC LIMIT {limit:UInt32}`,
      { enabled: q.enabled === undefined ? undefined : Number(q.enabled), service: q.service, cursorMs: cursor?.key, cursorId: cursor?.id, limit: q.limit + 1 },
    );
    const page = items.slice(0, q.limit);
    const last = page[q.limit - 1];
    return { items: page, nextCursor: items.length > q.limit && last ? encodeCursor(String(last.createdAtMs), last.id) : null };
  }
}
