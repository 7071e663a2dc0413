import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { RetryableError } from '../../errors.ts';
import { AppendFile, frameHeaderBytes, recoverFile, type CutReason, type LogFiles } from '../../storage/wal/index.ts';
import type { WalBudget } from './budget.ts';
import { nativeRows, segmentName, segmentPattern, type Segment } from './segments.ts';

export interface TableLogOptions {
  /** The table's folder in the log, e.g. `<dataDir>/wal/otel_traces`. */
  dir: string;
  table: string;
  /** A segment is sealed (and queued for its insert) at this many rows, */
  segmentMaxRows: number;
  /** or bytes, */
  segmentMaxBytes: number;
  /** or this long after its first frame. */
  segmentMaxAgeMs: number;
  budget: WalBudget;
  files: LogFiles;
  retryAfterMs: number;
  now: () => number;
  /** Hears of every fdatasync and the frames it made durable. */
  onCommit(frames: number): void;
  /** Hears of every torn or corrupt tail cut off a segment. */
  onCut(reason: CutReason, bytes: number): void;
}

/** Largest frame recovery accepts: a length above it is garbage, not a frame. */
export const maxFrameBytes = 1 << 30;

interface Sealed {
  segment: Segment;
  /** Resolves once the segment's last append has finished and its file is closed. */
  ready: Promise<void>;
}

/**
 * One table's write-ahead log: the segment taking appends, and the sealed segments waiting for
 * their insert, oldest first. {@link append} resolves once the block is fsynced; a segment is sealed
 * by rows, bytes or age, and deleted only after its insert commits ({@link remove}). At start,
 * {@link open} takes up the segments an earlier run left, cutting torn tails.
 */
export class TableLog {
  private active: { segment: Segment; file: AppendFile } | undefined;
  private opening: Promise<{ segment: Segment; file: AppendFile }> | undefined;
  private readonly sealed: Sealed[] = [];
  private nextSeq = 1;
  private ageTimer: NodeJS.Timeout | undefined;
  private waiting: Array<() => void> = [];
  private closed = false;

  constructor(private readonly options: TableLogOptions) {}

  get table(): string {
    return this.options.table;
  }

  /** Takes up the segments an earlier run left (all sealed now), oldest first; removes temporary files. */
  async open(): Promise<void> {
    const { dir, files, budget } = this.options;
    await mkdir(dir, { recursive: true });
    for (const file of (await readdir(dir)).sort()) {
      const m = segmentPattern.exec(file);
      if (!m) {
        if (file.endsWith('.native') || file.endsWith('.tmp')) await rm(join(dir, file), { force: true });
        continue;
      }
      const path = join(dir, file);
      const scanned = await recoverFile(files, path, maxFrameBytes);
      if (scanned.cut) this.options.onCut(scanned.cut.reason, scanned.cut.bytes);
      let rows = 0;
      for (const payload of scanned.payloads) rows += nativeRows(payload);
      const segment: Segment = { seq: Number(m[1]), name: file, path, rows, bytes: scanned.validBytes, firstAppendMs: (await stat(path)).mtimeMs };
      budget.add(segment.bytes);
      this.sealed.push({ segment, ready: Promise.resolve() });
      this.nextSeq = Math.max(this.nextSeq, segment.seq + 1);
    }
  }

  /**
   * Appends one Native block; resolves once it is durable. Refused with a {@link RetryableError}
   * when the log is at its bound or the disk refuses the write (then nothing of it is kept).
   */
  async append(block: Uint8Array, rows: number): Promise<void> {
    if (this.closed) throw new RetryableError('write-ahead log closed: shutting down', this.options.retryAfterMs, 'shutting_down');
    const bytes = frameHeaderBytes + block.length;
    const { budget } = this.options;
    if (!budget.reserve(bytes)) {
      throw new RetryableError(`write-ahead log full (${budget.bytes} of ${budget.maxBytes} bytes not yet in ClickHouse)`, this.options.retryAfterMs, 'wal_full');
    }
    let target: { segment: Segment; file: AppendFile };
    try {
      // Appends waiting for a new segment resume together; one may fill and seal it before the next runs.
      do target = await this.writable();
      while (!target.file.usable);
    } catch (err) {
      budget.release(bytes);
      throw this.writeFailure(err);
    }
    const { segment, file } = target;
    segment.rows += rows;
    segment.bytes += bytes;
    if (segment.firstAppendMs === 0) {
      segment.firstAppendMs = this.options.now();
      this.ageTimer = setTimeout(() => this.sealSegment(segment), this.options.segmentMaxAgeMs).unref();
    }
    const durable = file.append(block);
    if (segment.rows >= this.options.segmentMaxRows || segment.bytes >= this.options.segmentMaxBytes) this.sealSegment(segment);
    try {
      await durable;
    } catch (err) {
      segment.rows -= rows;
      segment.bytes -= bytes;
      budget.release(bytes);
      // A file given up after the failure: its acknowledged frames go to their insert, later appends to a new segment.
      if (!file.usable) this.sealSegment(segment);
      throw this.writeFailure(err);
    }
  }

  /** Seals the segment taking appends (if it holds anything); resolves once it is ready for its insert. */
  async seal(): Promise<void> {
    if (this.active && this.active.segment.firstAppendMs !== 0) this.sealSegment(this.active.segment);
    await Promise.all(this.sealed.map((s) => s.ready));
  }

  /** The oldest sealed segment, once its file is complete; undefined when none is sealed. */
  async oldest(): Promise<Segment | undefined> {
    const head = this.sealed[0];
    if (!head) return undefined;
    await head.ready;
    return head.segment;
  }

  /** Resolves when a segment is sealed (at once if one is). */
  whenSealed(): Promise<void> {
    if (this.sealed.length) return Promise.resolve();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Wakes whoever waits in {@link whenSealed} (at shutdown). */
  wake(): void {
    this.waiting.splice(0).forEach((w) => w());
  }

  /** Sequence number of the newest segment that holds data (sealed or active); 0 when none. */
  get lastSeq(): number {
    if (this.active && this.active.segment.firstAppendMs !== 0) return this.active.segment.seq;
    return this.sealed.at(-1)?.segment.seq ?? 0;
  }

  /** Sequence number of the oldest segment not yet inserted; Infinity when none. */
  get firstSeq(): number {
    if (this.sealed.length) return this.sealed[0].segment.seq;
    if (this.active && this.active.segment.firstAppendMs !== 0) return this.active.segment.seq;
    return Infinity;
  }

  /** Deletes a segment whose rows are committed in ClickHouse. */
  async remove(segment: Segment): Promise<void> {
    await rm(segment.path, { force: true });
    this.forget(segment);
  }

  /** Moves a segment ClickHouse can never take (its rows fail to parse) to `<wal>/dead/`, for an operator to inspect. */
  async quarantine(segment: Segment): Promise<void> {
    const dead = join(this.options.dir, '..', 'dead');
    await mkdir(dead, { recursive: true });
    await rename(segment.path, join(dead, `${this.options.table}-${segment.name}`));
    this.forget(segment);
  }

  /** Acknowledged rows and bytes not yet in ClickHouse, and when the oldest was appended. */
  backlog(): { rows: number; bytes: number; segments: number; oldestMs: number | undefined } {
    let rows = 0;
    let bytes = 0;
    let oldestMs: number | undefined;
    const all = this.sealed.map((s) => s.segment);
    if (this.active && this.active.segment.firstAppendMs !== 0) all.push(this.active.segment);
    for (const s of all) {
      rows += s.rows;
      bytes += s.bytes;
      if (s.rows > 0 && (oldestMs === undefined || s.firstAppendMs < oldestMs)) oldestMs = s.firstAppendMs;
    }
    return { rows, bytes, segments: all.length, oldestMs };
  }

  /** Refuses further appends, seals the active segment and waits for its file to close. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.opening) await this.opening.catch(() => {});
    if (this.active) this.sealSegment(this.active.segment);
    await Promise.all(this.sealed.map((s) => s.ready));
    this.wake();
  }

  private writable(): Promise<{ segment: Segment; file: AppendFile }> {
    if (this.active?.file.usable) return Promise.resolve(this.active);
    if (this.closed) return Promise.reject(new RetryableError('write-ahead log closed: shutting down', this.options.retryAfterMs, 'shutting_down'));
    this.opening ??= (async () => {
      try {
        const seq = this.nextSeq++;
        const name = segmentName(seq);
        const path = join(this.options.dir, name);
        const file = await AppendFile.create(this.options.files, path, this.options.onCommit);
        this.active = { segment: { seq, name, path, rows: 0, bytes: 0, firstAppendMs: 0 }, file };
        return this.active;
      } finally {
        this.opening = undefined;
      }
    })();
    return this.opening;
  }

  private sealSegment(segment: Segment): void {
    if (this.active?.segment !== segment) return;
    const { file } = this.active;
    this.active = undefined;
    clearTimeout(this.ageTimer);
    this.ageTimer = undefined;
    const ready = file.close();
    ready.catch(() => {});
    this.sealed.push({ segment, ready });
    this.wake();
  }

  private forget(segment: Segment): void {
    const i = this.sealed.findIndex((s) => s.segment === segment);
    if (i >= 0) this.sealed.splice(i, 1);
    this.options.budget.release(segment.bytes);
  }

  private writeFailure(err: unknown): RetryableError {
    if (err instanceof RetryableError) return err;
    return new RetryableError(`write-ahead log append failed: ${(err as Error).message}`, this.options.retryAfterMs, 'wal_write');
  }
}
