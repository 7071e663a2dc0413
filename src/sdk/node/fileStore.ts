import { appendFileSync, closeSync, fdatasyncSync, openSync } from 'node:fs';
import { mkdir, open, readFile, rename, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

import type { DropLedger, PendingBatch, QueuedRecord, RecordStore, Signal, StoreChange, StoreState } from '../core/queue.ts';

/** A record's bytes in the file beyond its OTLP/JSON (seq, signal, scope, times). */
const LINE_OVERHEAD = 200;

/**
 * The Node SDK's queue store: one file of changes (`queue.log`, a JSON line each), appended and
 * fdatasync'ed per commit and replayed at start; a line cut short by a crash (the last one) is
 * ignored. When the file holds much more than the records it describes, it is rewritten to a new
 * file and renamed over the old one, so a crash mid-way leaves one or the other whole.
 */
export class FileStore implements RecordStore {
  private handle: FileHandle | undefined;
  private fileBytes = 0;
  private readonly live = new Map<number, QueuedRecord>();
  /** What the live records take in a rewritten file, about (kept as changes apply, not summed per commit). */
  private liveBytes = 0;
  private readonly batches: Partial<Record<Signal, PendingBatch[]>> = {};
  private drops: DropLedger | undefined;
  private readonly path: string;

  constructor(private readonly dir: string) {
    this.path = join(dir, 'queue.log');
  }

  async load(): Promise<StoreState> {
    await mkdir(this.dir, { recursive: true });
    let text = '';
    try {
      text = await readFile(this.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      let change: StoreChange;
      try {
        change = parseLine(line);
      } catch {
        break; // a torn last line: what follows it was never acknowledged as durable
      }
      this.apply(change);
    }
    await this.rewrite();
    return { records: [...this.live.values()], batches: { ...this.batches }, drops: this.drops };
  }

  async commit(change: StoreChange): Promise<void> {
    this.apply(change);
    const bytes = changeBytes(change);
    this.handle ??= await open(this.path, 'a');
    for (let at = 0; at < bytes.length; ) at += (await this.handle.write(bytes, at)).bytesWritten;
    if (change.sync !== false) await this.handle.datasync();
    this.fileBytes += bytes.length;
    // Rewritten when it holds 8 times what is live (and at least 4 MiB): every live record is written again then, so the factor bounds that cost to an eighth of the appends.
    if (this.fileBytes > 4 * 1024 * 1024 && this.fileBytes > 8 * this.liveBytes) await this.rewrite();
  }

  /** For the last moment of a crashing process: the same append, synchronous. */
  commitSync(change: StoreChange): void {
    this.apply(change);
    const fd = openSync(this.path, 'a');
    try {
      appendFileSync(fd, changeBytes(change));
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }

  async close(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
  }

  private apply(change: StoreChange): void {
    for (const r of change.put ?? []) {
      const was = this.live.get(r.seq);
      if (was) this.liveBytes -= was.bytes + LINE_OVERHEAD;
      this.live.set(r.seq, r);
      this.liveBytes += r.bytes + LINE_OVERHEAD;
    }
    for (const seq of change.remove ?? []) {
      const was = this.live.get(seq);
      if (!was) continue;
      this.live.delete(seq);
      this.liveBytes -= was.bytes + LINE_OVERHEAD;
    }
    if (change.batch) this.batches[change.batch.signal] = change.batch.pending;
    if (change.drops) this.drops = change.drops;
  }

  /** Writes the current state as a new file and renames it over the log. */
  private async rewrite(): Promise<void> {
    await this.handle?.close();
    this.handle = undefined;
    const lines = [changeBytes({ put: [...this.live.values()] })];
    for (const [signal, pending] of Object.entries(this.batches)) lines.push(Buffer.from(`${JSON.stringify({ batch: { signal, pending } })}\n`));
    if (this.drops) lines.push(Buffer.from(`${JSON.stringify({ drops: this.drops })}\n`));
    const bytes = Buffer.concat(lines);
    const tmp = `${this.path}.tmp`;
    await writeFile(tmp, bytes);
    const fd = await open(tmp, 'r+');
    await fd.datasync();
    await fd.close();
    await rename(tmp, this.path);
    const dir = await open(this.dir, 'r');
    await dir.sync().catch(() => {});
    await dir.close();
    this.fileBytes = bytes.length;
  }
}

/**
 * A change as a line of the file. Each record's OTLP/JSON goes in as it is (`"record":{…}`), not
 * as a string inside the line's JSON: escaping every quote of every record again cost more than
 * the rest of the line.
 */
export function changeLine(change: StoreChange): string {
  const { put, sync: _sync, ...rest } = change;
  const head = JSON.stringify(rest);
  if (!put?.length) return head;
  const scopes = new Map<QueuedRecord['scope'], string>();
  const records = put.map((r) => {
    let scope = scopes.get(r.scope);
    if (scope === undefined) scopes.set(r.scope, (scope = JSON.stringify(r.scope)));
    return `{"signal":${JSON.stringify(r.signal)},"scope":${scope},"severity":${num(r.severity)},"seq":${num(r.seq)},"bytes":${num(r.bytes)},"createdMs":${num(r.createdMs)},"record":${r.json}}`;
  });
  return `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"put":[${records.join(',')}]}`;
}

/**
 * {@link changeLine} and its newline as UTF-8, written piece by piece into one buffer: each record's
 * text is encoded once, straight into place, instead of joined into one long string that is then
 * flattened and encoded (the larger part of a commit's CPU). The buffer's size comes from each
 * record's `bytes`; should one be wrong, the line is made the plain way.
 */
export function changeBytes(change: StoreChange): Buffer {
  const { put, sync: _sync, ...rest } = change;
  const head = JSON.stringify(rest);
  if (!put?.length) return Buffer.from(`${head}\n`);
  const open = `${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"put":[`;
  const scopes = new Map<QueuedRecord['scope'], { text: string; bytes: number }>();
  const heads: string[] = new Array(put.length);
  const headBytes: number[] = new Array(put.length);
  let total = Buffer.byteLength(open) + 3;
  for (let i = 0; i < put.length; i++) {
    const r = put[i]!;
    let scope = scopes.get(r.scope);
    if (scope === undefined) {
      const text = JSON.stringify(r.scope);
      scopes.set(r.scope, (scope = { text, bytes: Buffer.byteLength(text) }));
    }
    const signal = r.signal === 'logs' ? '"logs"' : r.signal === 'traces' ? '"traces"' : JSON.stringify(r.signal);
    const h = `{"signal":${signal},"scope":${scope.text},"severity":${num(r.severity)},"seq":${num(r.seq)},"bytes":${num(r.bytes)},"createdMs":${num(r.createdMs)},"record":`;
    heads[i] = h;
    // ASCII but for the scope (and a signal the queue never writes): its UTF-8 length without another pass where it is ASCII too.
    headBytes[i] = scope.bytes === scope.text.length && signal.length <= 8 ? h.length : Buffer.byteLength(h);
    total += (i ? 1 : 0) + headBytes[i]! + r.bytes + 1;
  }
  const buffer = Buffer.allocUnsafe(total);
  let at = buffer.write(open, 0);
  for (let i = 0; i < put.length; i++) {
    if (i) buffer[at++] = 0x2c; // ,
    const h = buffer.write(heads[i]!, at);
    const json = buffer.write(put[i]!.json, at + h);
    if (h !== headBytes[i] || json !== put[i]!.bytes) return Buffer.from(`${changeLine(change)}\n`);
    at += h + json;
    buffer[at++] = 0x7d; // }
  }
  buffer[at++] = 0x5d; // ]
  buffer[at++] = 0x7d; // }
  buffer[at++] = 0x0a; // \n
  return at === total ? buffer : Buffer.from(`${changeLine(change)}\n`);
}

/** A number as JSON writes it (a non-finite one as null, which the queue never holds). */
const num = (n: number) => (Number.isFinite(n) ? String(n) : 'null');

/** A line of the file as a change (lines of earlier versions carry each record's JSON as a string, `json`). */
export function parseLine(line: string): StoreChange {
  const change = JSON.parse(line) as StoreChange & { put?: Array<QueuedRecord & { record?: unknown }> };
  for (const r of change.put ?? []) {
    if (r.record === undefined) continue;
    r.json = JSON.stringify(r.record);
    delete r.record;
  }
  return change;
}
