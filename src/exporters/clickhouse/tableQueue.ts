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
 * inserts), cutting a chunk when `maxBatchRows` are waiting or the oldest has waited
 * `flushIntervalMs`. Each request's promise settles when its chunk is durable; `write` decides
 * how (insert or spool).
 */
export class TableQueue {
  private body = '';
  private rows = 0;
  private waiters: Chunk['waiters'] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly ready: Chunk[] = [];
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
      if (this.rows >= this.options.maxBatchRows) this.cut();
      else this.timer ??= setTimeout(() => this.cut(), this.options.flushIntervalMs).unref();
    });
  }

  /** Cuts whatever is pending now and resolves when every chunk cut so far is written. */
  flush(): Promise<void> {
    this.cut();
    if (this.active === 0 && this.ready.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private cut(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.waiters.length === 0) return;
    this.ready.push({ table: this.table, token: randomUUID(), rows: this.rows, body: this.body, waiters: this.waiters });
    this.body = '';
    this.rows = 0;
    this.waiters = [];
    this.pump();
  }

  private pump(): void {
    while (this.active < this.options.maxConcurrentInserts && this.ready.length > 0) {
      const chunk = this.ready.shift()!;
      this.active++;
      this.write(chunk)
        .then(
          () => chunk.waiters.forEach((w) => w.resolve()),
          (err) => chunk.waiters.forEach((w) => w.reject(err)),
        )
        .finally(() => {
          this.active--;
          this.pump();
          if (this.active === 0 && this.ready.length === 0) this.idle.splice(0).forEach((done) => done());
        });
    }
  }
}
