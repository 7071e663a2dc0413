import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/** One spooled insert: the rows of one table, with the deduplication token it must be inserted with. */
export interface SpoolEntry {
  readonly file: string;
  readonly seq: number;
  readonly table: string;
  readonly token: string;
  readonly rows: number;
  readonly bytes: number;
}

/** The spool cannot take more bytes; the caller refuses the request (503) so the sender retries. */
export class SpoolFullError extends Error {
  override name = 'SpoolFullError';
}

const entryName = /^(\d{12})\.([A-Za-z0-9_]+)\.([0-9a-f-]{36})\.(\d+)\.jsonl$/;

/**
 * A durable FIFO of encoded (already redacted) row batches on local disk, used when ClickHouse
 * cannot take an insert. Each entry is one file, written to a temporary name, fsynced and renamed
 * into place, so a crash at any moment leaves either the whole entry or nothing. Entries keep the
 * insert's deduplication token: replaying an entry whose insert had in fact succeeded stores no
 * duplicate rows.
 */
export class Spool {
  private entries: SpoolEntry[] = [];
  private totalBytes = 0;
  private nextSeq = 1;
  private reservedBytes = 0;

  /**
   * @param dir folder of the spool (created if missing)
   * @param maxBytes bound on the bytes held; {@link append} throws {@link SpoolFullError} beyond it
   */
  constructor(
    readonly dir: string,
    readonly maxBytes: number,
  ) {}

  /** Loads the entries left by an earlier run, oldest first, and removes half-written files. */
  async open(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const found: SpoolEntry[] = [];
    for (const file of await readdir(this.dir)) {
      const m = entryName.exec(file);
      if (!m) {
        if (file.endsWith('.tmp')) await rm(join(this.dir, file), { force: true });
        continue;
      }
      const { size } = await stat(join(this.dir, file));
      found.push({ file, seq: Number(m[1]), table: m[2], token: m[3], rows: Number(m[4]), bytes: size });
    }
    found.sort((a, b) => a.seq - b.seq);
    this.entries = found;
    this.totalBytes = found.reduce((n, e) => n + e.bytes, 0);
    this.nextSeq = (found.at(-1)?.seq ?? 0) + 1;
  }

  /** Bytes held on disk. */
  get bytes(): number {
    return this.totalBytes;
  }

  /** Entries held. */
  get size(): number {
    return this.entries.length;
  }

  /** The oldest entry, the next to replay. */
  oldest(): SpoolEntry | undefined {
    return this.entries[0];
  }

  /** Durably stores one batch of rows; resolves only once it is on disk. */
  async append(table: string, token: string, rows: number, body: string): Promise<SpoolEntry> {
    const data = Buffer.from(body);
    if (this.totalBytes + this.reservedBytes + data.length > this.maxBytes) {
      throw new SpoolFullError(`spool full (${this.totalBytes} of ${this.maxBytes} bytes)`);
    }
    this.reservedBytes += data.length;
    const seq = this.nextSeq++;
    const file = `${String(seq).padStart(12, '0')}.${table}.${token}.${rows}.jsonl`;
    const tmp = join(this.dir, `${file}.tmp`);
    try {
      const handle = await open(tmp, 'w');
      try {
        await handle.writeFile(data);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(tmp, join(this.dir, file));
      await syncDir(this.dir);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    } finally {
      this.reservedBytes -= data.length;
    }
    const entry: SpoolEntry = { file, seq, table, token, rows, bytes: data.length };
    // Appends can finish out of order; keep the list sorted by sequence.
    let i = this.entries.length;
    while (i > 0 && this.entries[i - 1].seq > seq) i--;
    this.entries.splice(i, 0, entry);
    this.totalBytes += entry.bytes;
    return entry;
  }

  /** The rows of an entry, as they were appended. */
  read(entry: SpoolEntry): Promise<string> {
    return readFile(join(this.dir, entry.file), 'utf8');
  }

  /**
   * Moves an entry the store can never take (its rows fail to parse) to `dead/` beside the spool,
   * out of the replay queue but still on disk for an operator to inspect.
   */
  async quarantine(entry: SpoolEntry): Promise<void> {
    const dead = join(this.dir, 'dead');
    await mkdir(dead, { recursive: true });
    await rename(join(this.dir, entry.file), join(dead, entry.file));
    this.forget(entry);
  }

  /** Forgets an entry once its rows are stored. */
  async remove(entry: SpoolEntry): Promise<void> {
    await rm(join(this.dir, entry.file), { force: true });
    this.forget(entry);
  }

  private forget(entry: SpoolEntry): void {
    const i = this.entries.indexOf(entry);
    if (i >= 0) {
      this.entries.splice(i, 1);
      this.totalBytes -= entry.bytes;
    }
  }
}

/** fsync the directory so the rename itself survives a power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
