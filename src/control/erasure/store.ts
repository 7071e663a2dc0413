import type { ClickHouseClient } from '@clickhouse/client';
import { controlPlaneTableNames, qualified } from '../../storage/clickhouse/schema/controlPlane.ts';
import type { Erasure, ErasureStatus } from './model.ts';

interface ErasureRow {
  Id: string;
  SubjectKey: string;
  SubjectValue: string;
  Status: string;
  RowsRemoved: Record<string, string | number>;
  Error: string;
  RequestedAt: string;
  RequestedBy: string;
  StartedAt: string;
  FinishedAt: string;
  BlockUntil: string;
  Version?: number;
}

const ms = (t: string) => Date.parse(`${t.replace(' ', 'T')}Z`);
const time = (t: number) => new Date(t).toISOString().replace('T', ' ').replace('Z', '');

const fromRow = (r: ErasureRow): Erasure => ({
  id: r.Id,
  subject: { key: r.SubjectKey, value: r.SubjectValue },
  status: r.Status as ErasureStatus,
  rowsRemoved: Object.fromEntries(Object.entries(r.RowsRemoved).map(([k, v]) => [k, Number(v)])),
  error: r.Error,
  requestedAt: ms(r.RequestedAt),
  requestedBy: r.RequestedBy,
  startedAt: ms(r.StartedAt),
  finishedAt: ms(r.FinishedAt),
  blockUntil: ms(r.BlockUntil),
});

/** Erasure requests as versioned rows in `otelhouse_erasures` (read with FINAL). */
export class ErasureStore {
  private readonly table: string;
  private version: number;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    private readonly now: () => number = Date.now,
  ) {
    this.table = qualified(database, controlPlaneTableNames.erasures);
    this.version = now() * 1000;
  }

  async put(e: Erasure): Promise<void> {
    // Strictly increasing versions, so the latest write wins even within one millisecond.
    this.version = Math.max(this.version + 1, this.now() * 1000);
    await this.client.insert({
      table: this.table,
      format: 'JSONEachRow',
      values: [{
        Id: e.id, SubjectKey: e.subject.key, SubjectValue: e.subject.value, Status: e.status, RowsRemoved: e.rowsRemoved, Error: e.error,
        RequestedAt: time(e.requestedAt), RequestedBy: e.requestedBy, StartedAt: time(e.startedAt), FinishedAt: time(e.finishedAt),
        BlockUntil: time(e.blockUntil), Version: this.version,
      } satisfies ErasureRow],
    });
  }

  async get(id: string): Promise<Erasure | undefined> {
    return (await this.select('WHERE Id = {id:String}', { id }))[0];
  }

  /** The newest first. */
  async list(limit: number): Promise<Erasure[]> {
    return this.select(`ORDER BY RequestedAt DESC, Id LIMIT ${Math.max(1, Math.floor(limit))}`, {});
  }

  /** A request for this subject that has not failed, if any (the newest). */
  async forSubject(key: string, value: string): Promise<Erasure | undefined> {
    return (await this.select("WHERE SubjectKey = {key:String} AND SubjectValue = {value:String} AND Status != 'failed' ORDER BY RequestedAt DESC LIMIT 1", { key, value }))[0];
  }

  /** Requests not finished (to resume at start), and those still blocking late records. */
  async open(nowMs: number): Promise<Erasure[]> {
    return this.select("WHERE Status IN ('pending', 'running') OR BlockUntil > fromUnixTimestamp64Milli({now:Int64}) ORDER BY RequestedAt", { now: nowMs });
  }

  private async select(rest: string, params: Record<string, unknown>): Promise<Erasure[]> {
    const result = await this.client.query({
      // Times as text under other names: an alias named as its column would shadow it in WHERE.
      query: `SELECT Id, SubjectKey, SubjectValue, Status, RowsRemoved, Error, toString(RequestedAt) AS RequestedAtText, RequestedBy, toString(StartedAt) AS StartedAtText,
        toString(FinishedAt) AS FinishedAtText, toString(BlockUntil) AS BlockUntilText FROM ${this.table} FINAL ${rest}`,
      format: 'JSONEachRow',
      query_params: params,
    });
    type Selected = Omit<ErasureRow, 'RequestedAt' | 'StartedAt' | 'FinishedAt' | 'BlockUntil'> & Record<'RequestedAtText' | 'StartedAtText' | 'FinishedAtText' | 'BlockUntilText', string>;
    return (await result.json<Selected>()).map((r) => fromRow({ ...r, RequestedAt: r.RequestedAtText, StartedAt: r.StartedAtText, FinishedAt: r.FinishedAtText, BlockUntil: r.BlockUntilText }));
  }
}
