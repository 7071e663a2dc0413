import { readFile } from 'node:fs/promises';
import type { Logger } from 'pino';
import { scanFrames, type CutReason } from '../../storage/wal/index.ts';
import type { BlockStore } from '../../storage/clickhouse/blockStore.ts';
import { insertToken, nativeColumns, type Segment } from './segments.ts';
import { maxFrameBytes, type TableLog } from './tableLog.ts';

export interface InserterOptions {
  store: BlockStore;
  /**
   * Columns the table's blocks carry, in order. A table's columns are only ever appended, so a
   * segment an earlier version wrote carries a prefix of them: it is inserted with that prefix, and
   * the columns it lacks take their table defaults.
   */
  columns: readonly string[];
  insertTimeoutMs: number;
  /** First delay before retrying a failed insert; doubles up to 30 s. */
  retryInitialMs: number;
  logger: Logger;
  /** Hears of every insert: its rows, seconds and outcome. */
  onInsert(rows: number, seconds: number, outcome: 'ok' | 'error'): void;
  onQuarantine(rows: number): void;
  onCut(reason: CutReason, bytes: number): void;
}

const maxRetryDelayMs = 30_000;

/** ClickHouse errors that mean the rows themselves are unparseable: retrying cannot help. */
const unparseable = new Set([
  'CANNOT_PARSE_TEXT', 'CANNOT_PARSE_QUOTED_STRING', 'CANNOT_PARSE_INPUT_ASSERTION_FAILED', 'CANNOT_PARSE_DATE',
  'CANNOT_PARSE_DATETIME', 'CANNOT_PARSE_NUMBER', 'INCORRECT_DATA', 'CANNOT_READ_ALL_DATA', 'TYPE_MISMATCH',
]);
// A table missing a column (drift) is not among them: its segments wait until the table is fixed.
/** Attempts at an unparseable segment before it is quarantined. */
const maxPoisonAttempts = 3;

/**
 * The columns a segment's blocks carry (all blocks of a segment come from one run): the table's,
 * or the prefix of them an earlier version wrote. Named in the insert, so a column added since is
 * filled by its `DEFAULT` expression rather than a type's zero (what a server's Native reader
 * puts in a listed column a block lacks).
 */
function carried(columns: readonly string[], first: Uint8Array): readonly string[] {
  const n = nativeColumns(first);
  return n < columns.length ? columns.slice(0, n) : columns;
}

/**
 * Inserts one table's sealed segments into ClickHouse, oldest first, one at a time: each segment is
 * read back from disk, inserted with the deduplication token its name gives, and deleted only once
 * the insert has committed. A failed insert is retried with backoff (the segment stays, the log
 * grows, requests are still acknowledged until the log's bound); a segment ClickHouse rejects as
 * unparseable three times is moved aside, so it cannot block the segments behind it.
 */
export class Inserter {
  private stopped = false;
  private running: Promise<void> | undefined;
  private sleeping: (() => void) | undefined;
  private timeoutMs: number;
  /** Rejects when the shutdown deadline passes, cutting short an insert under way. */
  private abandon: (err: Error) => void = () => {};
  private readonly abandoned = new Promise<never>((_, reject) => (this.abandon = reject));
  private readonly done = new Set<() => void>();
  /** Set at stop: the loop ends once no sealed segment is left. */
  private draining = false;

  constructor(
    readonly log: TableLog,
    private readonly options: InserterOptions,
  ) {
    this.timeoutMs = options.insertTimeoutMs;
    this.abandoned.catch(() => {});
  }

  start(): void {
    this.running ??= this.loop();
  }

  /** Resolves once every segment with a sequence number up to `seq` is inserted (or the inserter stops). */
  insertedThrough(seq: number): Promise<void> {
    if (this.log.firstSeq > seq || this.stopped) return Promise.resolve();
    return new Promise((resolve) => {
      const check = () => {
        if (this.log.firstSeq > seq || this.stopped) {
          this.done.delete(check);
          resolve();
        }
      };
      this.done.add(check);
    });
  }

  /**
   * Inserts what it can until `deadlineMs` from now, then stops; an insert still running then is
   * abandoned (its segment stays on disk and its token makes a late commit harmless at the next start).
   * Resolves by the deadline even while the disk holds the last seal or the loop (a hung fsync):
   * what it holds was acknowledged only once written, and the next start finds it.
   */
  async stop(deadlineMs: number): Promise<void> {
    this.timeoutMs = Math.min(this.timeoutMs, Math.max(100, deadlineMs));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.stopped = true;
        this.abandon(new Error('insert abandoned at shutdown deadline'));
        this.sleeping?.();
        this.log.wake();
        resolve();
      }, Math.max(0, deadlineMs));
    });
    // A seal failing after the deadline is the next start's to find (the race has handled it).
    await Promise.race([this.log.seal(), deadline]);
    this.draining = true;
    this.sleeping?.();
    this.log.wake();
    await Promise.race([this.running, deadline]);
    clearTimeout(timer);
    this.stopped = true;
    this.notify();
  }

  private async loop(): Promise<void> {
    let delay = this.options.retryInitialMs;
    let poisoned = 0;
    while (!this.stopped) {
      const segment = await this.log.oldest();
      if (!segment) {
        if (this.draining) return;
        await this.log.whenSealed();
        continue;
      }
      try {
        await this.insert(segment);
        await this.log.remove(segment);
        this.notify();
        delay = this.options.retryInitialMs;
        poisoned = 0;
      } catch (err) {
        if (this.stopped) return;
        if (unparseable.has((err as { type?: string }).type ?? '') && ++poisoned >= maxPoisonAttempts && (await this.setAside(segment, err as Error))) {
          poisoned = 0;
          continue;
        }
        this.options.logger.warn({ table: this.log.table, segment: segment.name, err: (err as Error).message, retryInMs: delay }, 'insert failed; the segment stays in the write-ahead log');
        if (this.draining) return;
        await new Promise<void>((resolve) => {
          this.sleeping = resolve;
          setTimeout(resolve, delay).unref();
        });
        this.sleeping = undefined;
        delay = Math.min(delay * 2, maxRetryDelayMs);
      }
    }
  }

  /**
   * Moves an unparseable segment to the log's dead/ folder; false when the move fails (a full or
   * read-only disk): the segment then stays, and the move is tried again after the next attempt.
   */
  private async setAside(segment: Segment, err: Error): Promise<boolean> {
    try {
      await this.log.quarantine(segment);
    } catch (moveErr) {
      this.options.logger.error({ table: this.log.table, segment: segment.name, err: err.message, moveErr: (moveErr as Error).message }, 'segment is unparseable, and moving it to the log\'s dead/ folder failed; it stays in the write-ahead log');
      return false;
    }
    this.options.logger.error({ table: this.log.table, segment: segment.name, err: err.message }, 'segment is unparseable; moved to the log\'s dead/ folder');
    this.options.onQuarantine(segment.rows);
    this.notify();
    return true;
  }

  private async insert(segment: Segment): Promise<void> {
    // Checksums were verified where damage happens: at recovery for what an earlier run left, and
    // this run's frames are its own writes. Lengths are still checked; a cut here means the file
    // changed on disk since.
    const scanned = scanFrames(await readFile(segment.path), maxFrameBytes, false);
    if (scanned.cut) this.options.onCut(scanned.cut.reason, scanned.cut.bytes);
    if (scanned.payloads.length === 0) return;
    const started = process.hrtime.bigint();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        this.options.store.insert(this.log.table, carried(this.options.columns, scanned.payloads[0]), scanned.payloads, insertToken(this.log.table, segment)),
        this.abandoned,
        new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`insert timed out after ${this.timeoutMs} ms`)), this.timeoutMs);
        }),
      ]);
      this.options.onInsert(segment.rows, Number(process.hrtime.bigint() - started) / 1e9, 'ok');
    } catch (err) {
      this.options.onInsert(0, Number(process.hrtime.bigint() - started) / 1e9, 'error');
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private notify(): void {
    for (const check of [...this.done]) check();
  }
}
