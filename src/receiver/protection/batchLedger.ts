import { createHash } from 'node:crypto';
import { mkdir, readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';

import { AppendFile, nodeFiles, recoverFile, type LogFiles } from '../../storage/wal/index.ts';

const DAY_MS = 86_400_000;
const KEY_BYTES = 16;
/** `batches-<UTC day>-<opened at, ms>-<n>.log`: a file is created once, never reopened for appends. */
const FILE = /^batches-(\d+)-\d+-\d+\.log$/;

export interface BatchLedgerOptions {
  /** Where the ledger's files live (one per UTC day). */
  dir: string;
  /** How long an acknowledged batch id is remembered (at least; whole days are kept). */
  retentionMs: number;
  /** Bound on remembered ids; the oldest are forgotten first. */
  maxEntries: number;
  files?: LogFiles;
  now?: () => number;
}

/** The caller either has a batch acknowledged already, or owns it and must settle it. */
export type BatchClaim = 'seen' | { settle(acknowledged: boolean): Promise<void> };

/**
 * The batch ids senders stamp on their requests (`?batch=`), remembered once acknowledged, for
 * `retentionMs` and across restarts, so a batch resent after a lost answer — seconds or days later,
 * after a reload or a restart of either side — is acknowledged again and not stored twice. The
 * exact-bytes retry check cannot see these: a resent batch may be re-encoded or recompressed.
 *
 * Each id (hashed with the signal and the sender's client token, 16 bytes) is appended to a file of
 * the day with group commit (`AppendFile`) after the records' own append and before the answer. A
 * crash between the two appends can store a resend twice; never lose one. Ids of a request that
 * is still being processed make a resend wait for its outcome. Memory: about 100 bytes per id,
 * bounded by `maxEntries`.
 */
export class BatchLedger {
  private readonly seen = new Map<string, number>();
  private readonly pending = new Map<string, Promise<boolean>>();
  private file: AppendFile | undefined;
  private fileDay = -1;
  private fileSeq = 0;
  private opening: Promise<AppendFile> | undefined;
  private readonly files: LogFiles;
  private readonly now: () => number;
  /** Ids forgotten before their time because of `maxEntries`. */
  evicted = 0;

  private constructor(private readonly options: BatchLedgerOptions) {
    this.files = options.files ?? nodeFiles;
    this.now = options.now ?? Date.now;
  }

  /** Opens the ledger: ids of the files still within the retention are remembered, older files deleted. */
  static async open(options: BatchLedgerOptions): Promise<BatchLedger> {
    const ledger = new BatchLedger(options);
    await mkdir(options.dir, { recursive: true });
    const today = Math.floor(ledger.now() / DAY_MS);
    const days = (await readdir(options.dir)).flatMap((name) => {
      const m = FILE.exec(name);
      return m ? [{ name, day: Number(m[1]) }] : [];
    });
    for (const { name, day } of days.sort((a, b) => a.day - b.day)) {
      const path = join(options.dir, name);
      const expiresAt = ledger.expiryOf(day);
      if (expiresAt <= ledger.now() || day > today + 1) {
        await rm(path, { force: true });
        continue;
      }
      const { payloads } = await recoverFile(ledger.files, path, KEY_BYTES);
      for (const key of payloads) if (key.length === KEY_BYTES) ledger.remember(key.toString('base64'), expiresAt);
    }
    return ledger;
  }

  /** The ledger key of a batch id of `signal` sent with `client` (a client token's name, '' for others). */
  key(signal: string, client: string, batchId: string): Buffer {
    return createHash('sha256').update(`${signal}\0${client}\0${batchId}`).digest().subarray(0, KEY_BYTES);
  }

  async claim(key: Buffer): Promise<BatchClaim> {
    const id = key.toString('base64');
    for (;;) {
      const expiresAt = this.seen.get(id);
      if (expiresAt !== undefined && expiresAt > this.now()) return 'seen';
      const inFlight = this.pending.get(id);
      if (inFlight === undefined) break;
      if (await inFlight) return 'seen';
    }
    let resolve!: (acknowledged: boolean) => void;
    this.pending.set(id, new Promise((r) => (resolve = r)));
    return {
      settle: async (acknowledged) => {
        try {
          if (acknowledged) await this.record(key, id);
        } finally {
          this.pending.delete(id);
          resolve(acknowledged);
        }
      },
    };
  }

  /** Remembered ids (for metrics and tests). */
  get size(): number {
    return this.seen.size;
  }

  async close(): Promise<void> {
    const file = await this.opening;
    this.opening = undefined;
    await file?.close();
  }

  /** Remembers the id, in memory at once and on disk before resolving. */
  private async record(key: Buffer, id: string): Promise<void> {
    const day = Math.floor(this.now() / DAY_MS);
    this.remember(id, this.expiryOf(day));
    const file = await this.fileFor(day);
    await file.append(key);
  }

  private remember(id: string, expiresAt: number): void {
    this.seen.delete(id);
    this.seen.set(id, expiresAt);
    // Maps iterate in insertion order: the first ids are the oldest.
    for (const [old, at] of this.seen) {
      if (this.seen.size <= this.options.maxEntries && at > this.now()) break;
      if (at > this.now()) this.evicted++;
      this.seen.delete(old);
    }
  }

  /** Ids recorded on `day` are kept until the retention has passed for the last of them. */
  private expiryOf(day: number): number {
    return (day + 1) * DAY_MS + this.options.retentionMs;
  }

  private async fileFor(day: number): Promise<AppendFile> {
    if (this.opening !== undefined && this.fileDay === day) {
      const file = await this.opening;
      if (file.usable) return file;
    }
    const previous = this.opening;
    this.fileDay = day;
    this.opening = (async () => {
      await (await previous?.catch(() => undefined))?.close();
      const file = await AppendFile.create(this.files, join(this.options.dir, `batches-${day}-${Date.now()}-${++this.fileSeq}.log`));
      await this.dropExpiredFiles();
      return file;
    })();
    return this.opening;
  }

  private async dropExpiredFiles(): Promise<void> {
    for (const name of await readdir(this.options.dir)) {
      const m = FILE.exec(name);
      if (m && this.expiryOf(Number(m[1])) <= this.now()) await rm(join(this.options.dir, name), { force: true });
    }
  }
}
