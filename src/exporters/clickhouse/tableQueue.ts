import { randomUUID } from 'node:crypto';
import type { EncodedRows } from './rows.ts';

/** A batch of rows cut from the queue, with the requests waiting on it. */
export interface Chunk {
  table: string;
  token: string;
  rows: number;
  body: string;
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

export interface TableQueueOptions {
  maxBatchRows: number;
  flushIntervalMs: number;
  maxConcurrentInserts: number;
}

/**
 * Gathers the rows of many requests for one table into large inserts (ClickHouse wants few, big
 * inserts). Pending rows become due when `maxBatchRows` are waiting or the oldest has waited
 * `flushIntervalMs`; due rows are cut into a chunk (whole requests, up to `maxBatchRows`) as soon
 * as one of `maxConcurrentInserts` slots is free. While every slot is busy, rows keep gathering, so
 * batches grow with load by themselves (low latency when idle, full inserts when busy). Each request's promise settles when its chunk
 * is durable; `write` decides how (insert or spool).
 */
export class TableQueue {
  /** Pending requests' rows, oldest first. */
  private pending: Array<EncodedRows & Chunk['waiters'][number]> = [];
  private rows = 0;
  private due = false;
  /** Set by flush(): everything pending is due until the queue is empty. */
  private flushing = false;
  private timer: NodeJS.Timeout | undefined;
  private active = 0;
  private idle: Array<() => void> = [];

  constructor(
    readonly table: string,
    private readonly options: TableQueueOptions,
    private readonly write: (chunk: Chunk) => Promise<void>,
  ) {}

  /** Queues rows; resolves once they are in ClickHouse or in the spool, rejects if neither could take them. */
  add(rows: EncodedRows): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ body: rows.body, rows: rows.rows, resolve, reject });
      this.rows += rows.rows;
      if (this.rows >= this.options.maxBatchRows) this.markDue();
      else this.timer ??= setTimeout(() => this.markDue(), this.options.flushIntervalMs).unref();
    });
  }

  /** Makes everything pending due now and resolves once every queued row is written. */
  flush(): Promise<void> {
    if (this.active === 0 && this.pending.length === 0) return Promise.resolve();
    this.flushing = true;
    if (this.pending.length) this.markDue();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private markDue(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = true;
    this.pump();
  }

  private pump(): void {
    while (this.due && this.pending.length > 0 && this.active < this.options.maxConcurrentInserts) {
      // Whole requests, oldest first, up to maxBatchRows: inserts stay bounded however much waits.
      let take = 0;
      let rows = 0;
      while (take < this.pending.length && (take === 0 || rows + this.pending[take].rows <= this.options.maxBatchRows)) {
        rows += this.pending[take++].rows;
      }
      const taken = this.pending.splice(0, take);
      const chunk: Chunk = { table: this.table, token: randomUUID(), rows, body: taken.map((p) => p.body).join(''), waiters: taken };
      this.rows -= rows;
      // Rows left behind are already due if they fill a batch; otherwise their own timer runs.
      this.due = this.flushing || this.rows >= this.options.maxBatchRows;
      if (this.pending.length && !this.due) this.timer ??= setTimeout(() => this.markDue(), this.options.flushIntervalMs).unref();
      this.active++;
      this.write(chunk)
        .then(
          () => chunk.waiters.forEach((w) => w.resolve()),
          (err) => chunk.waiters.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.pending.length === 0) {
            this.flushing = false;
            this.idle.splice(0).forEach((done) => done());
          }
        });
    }
  }
}
