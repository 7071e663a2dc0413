import { mkdir, open, readdir, readFile, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { TraceBatch } from '../../batch/types.ts';
import { RetryableError } from '../../errors.ts';
import { decodeBatch, encodeBatch } from './codec.ts';
import type { Hold } from './hold.ts';

const segmentName = /^seg-(\d{12})\.jsonl$/;

interface Segment {
  readonly seq: number;
  readonly openedMs: number;
  bytes: number;
  /** Traces holding spans in this segment. */
  refs: number;
  file?: Promise<FileHandle>;
}

interface Job {
  segment: Segment;
  line: string;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * The durable side of tail sampling: an append-only log of held spans in segment files under the
 * processor's state directory. A write resolves once its line is fsynced (writes arriving together
 * share one fsync). Each segment counts the traces holding spans in it; when a trace is done a
 * tombstone line records its ID, and segments are deleted oldest first once no trace needs them —
 * never before an older one, so a tombstone outlives the spans it cancels. After a crash, the
 * segments left are replayed: the spans of traces without a tombstone are held again. A crash
 * between a kept trace's export and its tombstone replays it once more (at-least-once, as OTLP).
 */
export class HoldLog implements Hold {
  private readonly segments: Segment[] = [];
  private active: Segment | undefined;
  private nextSeq = 1;
  private bytes = 0;
  private queue: Job[] = [];
  private writing: Promise<void> | undefined;
  private leftover: string[] = [];

  /**
   * @param dir the processor's state directory
   * @param maxBytes bound on the log; a write beyond it throws a {@link RetryableError} (503)
   * @param rotateMs a segment takes writes for this long, so decided traces free whole files
   */
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly rotateMs = 1000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Bytes on disk. */
  get size(): number {
    return this.bytes;
  }

  async replay(): Promise<TraceBatch[]> {
    await mkdir(this.dir, { recursive: true });
    const files = (await readdir(this.dir)).filter((f) => segmentName.test(f)).sort();
    const held: { at: number; batch: unknown }[] = [];
    /** Where each trace's last tombstone is: its spans written before it are done. */
    const doneAt = new Map<string, number>();
    let at = 0;
    const read = (file: string) =>
      readFile(join(this.dir, file), 'utf8').catch((err: NodeJS.ErrnoException) => {
        // A segment collected between listing and reading held nothing still needed.
        if (err.code === 'ENOENT') return '';
        throw err;
      });
    for (const file of files) {
      for (const line of (await read(file)).split('\n')) {
        if (line === '') continue;
        let entry: { b?: unknown; d?: string[] };
        try {
          entry = JSON.parse(line);
        } catch {
          continue; // a line torn by the crash was never acknowledged
        }
        at++;
        if (entry.d) for (const id of entry.d) doneAt.set(id, at);
        else if (entry.b) held.push({ at, batch: entry.b });
      }
      this.nextSeq = Math.max(this.nextSeq, Number(segmentName.exec(file)![1]) + 1);
    }
    this.leftover = files;
    const batches: TraceBatch[] = [];
    for (const { at: written, batch: json } of held) {
      const batch = decodeBatch(json);
      const pending = (traceId: string) => (doneAt.get(traceId) ?? 0) < written;
      for (const group of batch.resources) for (const scope of group.scopes) scope.records = scope.records.filter((s) => pending(s.traceId));
      for (const group of batch.resources) group.scopes = group.scopes.filter((s) => s.records.length > 0);
      batch.resources = batch.resources.filter((g) => g.scopes.length > 0);
      if (batch.resources.length) batches.push(batch);
    }
    return batches;
  }

  async replayed(): Promise<void> {
    for (const file of this.leftover) await rm(join(this.dir, file), { force: true });
    this.leftover = [];
  }

  write(batch: TraceBatch): { segment: number; durable: Promise<void> } {
    const line = `${JSON.stringify({ b: encodeBatch(batch) })}\n`;
    const length = Buffer.byteLength(line);
    if (this.bytes + length > this.maxBytes) {
      throw new RetryableError(`tail-sampling hold log full (${this.bytes} of ${this.maxBytes} bytes)`, 5000, 'hold_full');
    }
    const segment = this.current();
    const durable = this.enqueue(segment, line, length);
    return { segment: segment.seq, durable };
  }

  retain(seq: number): void {
    const segment = this.segments.find((s) => s.seq === seq);
    if (segment) segment.refs++;
  }

  release(traceIds: readonly string[], seqs: readonly number[]): void {
    for (const seq of seqs) {
      const segment = this.segments.find((s) => s.seq === seq);
      if (segment) segment.refs--;
    }
    if (traceIds.length && this.segments.length) {
      // Not awaited: a tombstone lost in a crash only means one more replay of a done trace.
      const line = `${JSON.stringify({ d: traceIds })}\n`;
      this.enqueue(this.current(), line, Buffer.byteLength(line)).catch(() => {});
    }
    void this.collect();
  }

  async close(): Promise<void> {
    await this.writing;
    await this.collect();
    for (const s of this.segments) if (s.file) await (await s.file).close();
    this.segments.length = 0;
    this.active = undefined;
  }

  private current(): Segment {
    const now = this.now();
    if (!this.active || now - this.active.openedMs >= this.rotateMs) {
      this.active = { seq: this.nextSeq++, openedMs: now, bytes: 0, refs: 0 };
      this.segments.push(this.active);
    }
    return this.active;
  }

  private enqueue(segment: Segment, line: string, length: number): Promise<void> {
    segment.bytes += length;
    this.bytes += length;
    return new Promise((resolve, reject) => {
      this.queue.push({ segment, line, resolve, reject });
      this.writing ??= this.drain();
    });
  }

  /** One writer: takes everything queued, appends it segment by segment, fsyncs, resolves. */
  private async drain(): Promise<void> {
    await new Promise((resolve) => setImmediate(resolve));
    while (this.queue.length) {
      const jobs = this.queue;
      this.queue = [];
      try {
        for (const segment of new Set(jobs.map((j) => j.segment))) {
          segment.file ??= open(join(this.dir, fileName(segment.seq)), 'a');
          const file = await segment.file;
          await file.write(jobs.filter((j) => j.segment === segment).map((j) => j.line).join(''));
          await file.datasync();
        }
        for (const job of jobs) job.resolve();
      } catch (err) {
        for (const job of jobs) job.reject(err);
      }
    }
    this.writing = undefined;
  }

  /** Deletes segments from the oldest while no trace needs them (never the active one). */
  private async collect(): Promise<void> {
    await this.writing;
    while (this.segments.length && this.segments[0].refs <= 0 && this.segments[0] !== this.active && !this.queue.some((j) => j.segment === this.segments[0])) {
      const segment = this.segments.shift()!;
      if (segment.file) await (await segment.file).close();
      await rm(join(this.dir, fileName(segment.seq)), { force: true });
      this.bytes -= segment.bytes;
    }
  }
}

const fileName = (seq: number) => `seg-${String(seq).padStart(12, '0')}.jsonl`;
