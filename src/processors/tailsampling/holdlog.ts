import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { TraceBatch } from '../../batch/types.ts';
import { RetryableError } from '../../errors.ts';
import { AppendFile, frameHeaderBytes, nodeFiles, recoverFile, type LogFiles } from '../../storage/wal/index.ts';
import { decodeBatch, encodeBatch } from './codec.ts';
import type { Hold } from './hold.ts';

const segmentName = /^seg-(\d{12})\.(log|jsonl)$/;
/** Largest frame replay accepts: a length above it is garbage, not a frame. */
const maxFrameBytes = 1 << 30;

interface Segment {
  readonly seq: number;
  readonly openedMs: number;
  bytes: number;
  /** Traces holding spans in this segment. */
  refs: number;
  file?: Promise<AppendFile>;
  /** Frames queued for it and not yet durable. */
  writes: number;
}

/** A held batch (`b`) or the IDs of traces that are done (`d`), one per frame. */
type Entry = { b?: unknown; d?: string[] };

/**
 * The durable side of tail sampling: an append-only log of held spans in segment files under the
 * processor's state directory, in the framing every local log shares (`src/storage/wal`): each
 * frame one JSON entry, checksummed. A write resolves once its frame is fsynced (writes arriving
 * together share one fsync). Each segment counts the traces holding spans in it; when a trace is
 * done a tombstone frame records its ID, and segments are deleted oldest first once no trace needs
 * them — never before an older one, so a tombstone outlives the spans it cancels. After a crash,
 * the segments left are replayed (a torn or corrupt tail cut at the last whole frame): the spans of
 * traces without a tombstone are held again. A crash between a kept trace's export and its
 * tombstone replays it once more (at-least-once, as OTLP).
 */
export class HoldLog implements Hold {
  private readonly segments: Segment[] = [];
  private active: Segment | undefined;
  private nextSeq = 1;
  private bytes = 0;
  private leftover: string[] = [];

  /**
   * @param dir the processor's state directory
   * @param maxBytes bound on the log; a write beyond it throws a {@link RetryableError} (503)
   * @param rotateMs a segment takes writes for this long, so decided traces free whole files
   * @param files the file operations (tests spy on fsyncs)
   */
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
    private readonly rotateMs = 1000,
    private readonly now: () => number = Date.now,
    private readonly files: LogFiles = nodeFiles,
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
    for (const file of files) {
      for (const entry of await this.entries(file)) {
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
    const payload = Buffer.from(JSON.stringify({ b: encodeBatch(batch) }));
    if (this.bytes + frameHeaderBytes + payload.length > this.maxBytes) {
      throw new RetryableError(`tail-sampling hold log full (${this.bytes} of ${this.maxBytes} bytes)`, 5000, 'hold_full');
    }
    const segment = this.current();
    return { segment: segment.seq, durable: this.append(segment, payload) };
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
      this.append(this.current(), Buffer.from(JSON.stringify({ d: traceIds }))).catch(() => {});
    }
    void this.collect();
  }

  async close(): Promise<void> {
    await this.collect();
    for (const s of this.segments) if (s.file) await (await s.file).close();
    this.segments.length = 0;
    this.active = undefined;
  }

  /** The entries of a segment file: frames, or the lines of a `.jsonl` segment an earlier version wrote. */
  private async entries(file: string): Promise<Entry[]> {
    const path = join(this.dir, file);
    try {
      if (file.endsWith('.log')) return (await recoverFile(this.files, path, maxFrameBytes)).payloads.map((p) => JSON.parse(p.toString('utf8')) as Entry);
      const entries: Entry[] = [];
      for (const line of (await readFile(path, 'utf8')).split('\n')) {
        try {
          if (line) entries.push(JSON.parse(line) as Entry);
        } catch {
          // a line torn by a crash was never acknowledged
        }
      }
      return entries;
    } catch (err) {
      // A segment collected between listing and reading held nothing still needed.
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
  }

  private current(): Segment {
    const now = this.now();
    if (!this.active || now - this.active.openedMs >= this.rotateMs) {
      this.active = { seq: this.nextSeq++, openedMs: now, bytes: 0, refs: 0, writes: 0 };
      this.segments.push(this.active);
    }
    return this.active;
  }

  private async append(segment: Segment, payload: Buffer): Promise<void> {
    const length = frameHeaderBytes + payload.length;
    segment.bytes += length;
    this.bytes += length;
    segment.writes++;
    try {
      segment.file ??= AppendFile.create(this.files, join(this.dir, fileName(segment.seq)));
      await (await segment.file).append(payload);
    } finally {
      segment.writes--;
    }
  }

  /** Deletes segments from the oldest while no trace needs them (never the active one). */
  private async collect(): Promise<void> {
    while (this.segments.length && this.segments[0].refs <= 0 && this.segments[0] !== this.active && this.segments[0].writes === 0) {
      const segment = this.segments.shift()!;
      if (segment.file) await (await segment.file).close();
      await rm(join(this.dir, fileName(segment.seq)), { force: true });
      this.bytes -= segment.bytes;
    }
  }
}

const fileName = (seq: number) => `seg-${String(seq).padStart(12, '0')}.log`;
