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
 * `flushIntervalMs`; due rows are cut into a chunk as soon as one of `maxConcurrentInserts` slots
 * is free. While every slot is busy, rows keep gathering, so batches grow with load by themselves
 * (low latency when idle, large inserts when busy). Each request's promise settles when its chunk
 * is durable; `write` decides how (insert or spool).
 */
export class TableQueue {
  private body = '';
  private rows = 0;
  private waiters: Chunk['waiters'] = [];
  private due = false;
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
      this.body += rows.body;
      this.rows += rows.rows;
      this.waiters.push({ resolve, reject });
      if (this.rows >= this.options.maxBatchRows) this.markDue();
      else this.timer ??= setTimeout(() => this.markDue(), this.options.flushIntervalMs).unref();
    });
  }

  /** Makes everything pending due now and resolves once every queued row is written. */
  flush(): Promise<void> {
    if (this.waiters.length) this.markDue();
    if (this.active === 0 && this.waiters.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private markDue(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.due = true;
    this.pump();
  }

  private pump(): void {
    while (this.due && this.waiters.length > 0 && this.active < this.options.maxConcurrentInserts) {
      const chunk: Chunk = { table: this.table, token: randomUUID(), rows: this.rows, body: this.body, waiters: this.waiters };
      this.body = '';
      this.rows = 0;
      this.waiters = [];
      this.due = false;
      this.active++;
      this.write(chunk)
        .then(
          () => chunk.waiters.forEach((w) => w.resolve()),
          (err) => chunk.waiters.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.waiters.length === 0) this.idle.splice(0).forEach((done) => done());
        });
    }
  }
}
