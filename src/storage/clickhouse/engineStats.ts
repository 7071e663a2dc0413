import type { ClickHouseClient } from './client.ts';

/**
 * ClickHouse's own profile counters (`system.events`) that say where the engine's time goes:
 * inserts and merges (rows, bytes, time), the CPU its query and background threads used (user,
 * system, waiting for a core), and queries by kind. A ClickHouse server serves these on its own
 * Prometheus endpoint (`ClickHouseProfileEvents_*`); the embedded engine has no endpoint, so the
 * gateway reads them for it.
 */
export const ENGINE_EVENTS = [
  'Query', 'SelectQuery', 'InsertQuery', 'FailedQuery', 'FailedInsertQuery',
  'InsertedRows', 'InsertedBytes', 'DelayedInserts', 'RejectedInserts',
  'Merge', 'MergedRows', 'MergedUncompressedBytes', 'MergeTotalMilliseconds',
  'UserTimeMicroseconds', 'SystemTimeMicroseconds', 'OSCPUWaitMicroseconds', 'OSCPUVirtualTimeMicroseconds',
  'InsertQueryTimeMicroseconds', 'SelectQueryTimeMicroseconds',
] as const;

export type EngineEvent = (typeof ENGINE_EVENTS)[number];

export interface EngineStats {
  /** Counters since the engine started; an event the engine has not counted yet is 0. */
  events: Record<EngineEvent, number>;
  /** Bytes the engine's memory tracker holds now (`system.metrics` `MemoryTracking`). */
  memoryTrackedBytes: number;
  /** Active data parts per table of `database`: many small parts mean merges are behind. */
  activeParts: Record<string, number>;
}

const list = ENGINE_EVENTS.map((e) => `'${e}'`).join(', ');

/** Reads {@link EngineStats} from the engine (three small queries over system tables). */
export async function readEngineStats(client: ClickHouseClient, database: string): Promise<EngineStats> {
  const rows = async <T>(query: string, params: Record<string, unknown> = {}) =>
    (await (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json()) as T[];
  const events = Object.fromEntries(ENGINE_EVENTS.map((e) => [e, 0])) as Record<EngineEvent, number>;
  for (const r of await rows<{ event: EngineEvent; value: string }>(`SELECT event, value FROM system.events WHERE event IN (${list})`)) {
    events[r.event] = Number(r.value);
  }
  const [memory] = await rows<{ value: string }>("SELECT value FROM system.metrics WHERE metric = 'MemoryTracking'");
  const activeParts: Record<string, number> = {};
  for (const r of await rows<{ table: string; parts: string }>(
    'SELECT table, count() AS parts FROM system.parts WHERE active AND database = {db:String} GROUP BY table ORDER BY table',
    { db: database },
  )) {
    activeParts[r.table] = Number(r.parts);
  }
  return { events, memoryTrackedBytes: Number(memory?.value ?? 0), activeParts };
}
