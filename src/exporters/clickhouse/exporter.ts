import type { Logger } from 'pino';
import type { Batch } from '../../batch/types.ts';
import { RetryableError } from '../../errors.ts';
import type { GatewayMetrics } from '../../ops/metrics.ts';
import { Spool, SpoolFullError } from '../spool/spool.ts';
import { encodeLogs, encodeSpans, type EncodedRows } from './rows.ts';
import type { RowStore } from '../../storage/clickhouse/store.ts';
import { TableQueue, type Chunk } from './tableQueue.ts';

export interface ExporterOptions {
  store: RowStore;
  spool: Spool;
  /** Telemetry tables, and the table of error occurrences derived from them. */
  tables: { traces: string; logs: string; errorEvents: string };
  maxBatchRows: number;
  flushIntervalMs: number;
  maxConcurrentInserts: number;
  insertTimeoutMs: number;
  retryInitialMs: number;
  retryAfterSeconds: number;
  metrics: GatewayMetrics;
  logger: Logger;
}

const maxRetryDelayMs = 30_000;

/** ClickHouse errors that mean the rows themselves are unparseable: retrying cannot help. */
const unparseable = new Set([
  'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_QUOTED_STRING', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER', 'INCORRECT_DATA', 'CANNOT_READ_ALL_DATA', 'TYPE_MISMATCH',
]);
/** Attempts at an unparseable spool entry before it is quarantined. */
const maxPoisonAttempts = 3;

/**
 * Writes batches into the ClickHouse telemetry tables. A batch's promise resolves only when its
 * rows are durable: inserted, or — when the insert fails or ClickHouse is down — written to the
 * local spool, which is replayed (oldest first, with the original deduplication tokens) until the
 * store takes it. While the spool holds anything, new chunks go to the spool too, so order is kept
 * and a dead store costs no per-request timeouts. When the spool is full, batches are refused with
 * a {@link RetryableError} (the receiver answers 503 with Retry-After).
 */
export class ClickHouseExporter {
  private readonly queues: { traces: TableQueue; logs: TableQueue; errorEvents: TableQueue };
  private degraded = false;
  private draining: Promise<void> | undefined;
  private stopped = false;
  private wake: (() => void) | undefined;
  private timeoutMs: number;
  /** Rejects when the shutdown deadline passes, cutting short inserts already under way. */
  private readonly deadline: Promise<never>;
  private expire: (err: Error) => void = () => {};

  constructor(private readonly options: ExporterOptions) {
    const queueOptions = {
      maxBatchRows: options.maxBatchRows,
      flushIntervalMs: options.flushIntervalMs,
      maxConcurrentInserts: options.maxConcurrentInserts,
    };
    const write = (chunk: Chunk) => this.write(chunk);
    this.queues = {
      traces: new TableQueue(options.tables.traces, queueOptions, write),
      logs: new TableQueue(options.tables.logs, queueOptions, write),
      errorEvents: new TableQueue(options.tables.errorEvents, queueOptions, write),
    };
    this.timeoutMs = options.insertTimeoutMs;
    this.deadline = new Promise<never>((_, reject) => (this.expire = reject));
    this.deadline.catch(() => {});
  }

  /** Replays what an earlier run left in the spool. */
  async start(): Promise<void> {
    this.updateSpoolGauges();
    if (this.options.spool.size > 0) {
      this.options.logger.info({ entries: this.options.spool.size, bytes: this.options.spool.bytes }, 'replaying spool');
      this.degraded = true;
      this.kickDrain();
    }
  }

  /** Resolves when the batch's rows are in ClickHouse or in the spool. */
  export(batch: Batch): Promise<void> {
    const rows = batch.signal === 'traces' ? encodeSpans(batch) : encodeLogs(batch);
    if (rows.rows === 0) return Promise.resolve();
    return this.queues[batch.signal].add(rows);
  }

  /**
   * Resolves when already-encoded rows of a derived table (error occurrences) are in ClickHouse or
   * in the spool: the same batching, spool and deduplication as telemetry.
   */
  exportRows(table: 'errorEvents', rows: EncodedRows): Promise<void> {
    if (rows.rows === 0) return Promise.resolve();
    return this.queues[table].add(rows);
  }

  /** True while the spool holds rows the store has not taken yet. */
  get spooling(): boolean {
    return this.degraded;
  }

  /**
   * Flushes every queue (inserting, or spooling what cannot be inserted within `deadlineMs`),
   * then stops replaying. What is left in the spool is replayed at the next start.
   */
  async shutdown(deadlineMs: number): Promise<void> {
    const budgetMs = Math.max(100, deadlineMs);
    this.timeoutMs = Math.min(this.options.insertTimeoutMs, budgetMs);
    // Inserts still running at the deadline are abandoned to the spool (their tokens make a late commit harmless).
    const timer = setTimeout(() => this.expire(new Error('insert abandoned at shutdown deadline')), budgetMs);
    await Promise.all([this.queues.traces.flush(), this.queues.logs.flush(), this.queues.errorEvents.flush()]);
    this.stopped = true;
    this.wake?.();
    await this.draining;
    clearTimeout(timer);
  }

  private async write(chunk: Chunk): Promise<void> {
    if (!this.degraded) {
      try {
        await this.insert(chunk.table, chunk.body, chunk.token, chunk.rows, 'direct');
        return;
      } catch (err) {
        this.degraded = true;
        this.options.logger.warn({ table: chunk.table, err: (err as Error).message }, 'insert failed; spooling until ClickHouse takes inserts again');
      }
    }
    await this.spool(chunk);
  }

  private async spool(chunk: Chunk): Promise<void> {
    try {
      await this.options.spool.append(chunk.table, chunk.token, chunk.rows, chunk.body);
    } catch (err) {
      const message = err instanceof SpoolFullError ? err.message : `spool write failed: ${(err as Error).message}`;
      throw new RetryableError(`ClickHouse unavailable and ${message}`, this.options.retryAfterSeconds * 1000, 'spool_full');
    }
    this.options.metrics.spooledRows.inc({ table: chunk.table }, chunk.rows);
    this.updateSpoolGauges();
    this.kickDrain();
  }

  private async insert(table: string, body: string, token: string, rows: number, path: string): Promise<void> {
    const end = this.options.metrics.insertSeconds.startTimer({ table });
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.store.insert(table, body, token),
        this.deadline,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`insert timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      end({ outcome: 'ok' });
      this.options.metrics.exportedRows.inc({ table, path }, rows);
    } catch (err) {
      end({ outcome: 'error' });
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private kickDrain(): void {
    if (this.draining || this.stopped) return;
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      // An append may have landed after the loop saw an empty spool.
      if (this.options.spool.size > 0 && !this.stopped) this.kickDrain();
    });
  }

  private async drain(): Promise<void> {
    const { spool, logger } = this.options;
    let delay = this.options.retryInitialMs;
    let poisoned = 0;
    while (!this.stopped) {
      const entry = spool.oldest();
      if (!entry) {
        if (this.degraded) logger.info('spool drained; inserting directly again');
        this.degraded = false;
        return;
      }
      try {
        const body = await spool.read(entry);
        await this.insert(entry.table, body, entry.token, entry.rows, 'spool');
        await spool.remove(entry);
        this.updateSpoolGauges();
        delay = this.options.retryInitialMs;
        poisoned = 0;
      } catch (err) {
        if (unparseable.has((err as { type?: string }).type ?? '') && ++poisoned >= maxPoisonAttempts) {
          // A batch the store rejects as malformed would block every batch behind it forever.
          logger.error({ table: entry.table, file: entry.file, err: (err as Error).message }, 'spool entry is unparseable; moved to spool/dead');
          await spool.quarantine(entry);
          this.options.metrics.quarantinedRows.inc({ table: entry.table }, entry.rows);
          this.updateSpoolGauges();
          poisoned = 0;
          continue;
        }
        if (this.stopped) return;
        logger.warn({ table: entry.table, err: (err as Error).message, retryInMs: delay }, 'spool replay failed');
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, delay).unref();
        });
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  private updateSpoolGauges(): void {
    this.options.metrics.spoolBytes.set(this.options.spool.bytes);
    this.options.metrics.spoolEntries.set(this.options.spool.size);
  }
}
