import type { FileHandle } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { frameHeader, frameHeaderBytes } from './frame.ts';
import { syncDir, type LogFiles } from './files.ts';

interface Pending {
  payload: Uint8Array;
  resolve(): void;
  reject(err: unknown): void;
}

/**
 * One append-only file of frames (see `frame.ts`) with group commit: an {@link append} resolves
 * once its frame and every frame before it are written and fdatasync'ed. Appends that arrive while
 * a write is on disk wait for it and then go together, in one `writev` and one fdatasync, so the
 * cost of a sync is shared by every request that arrived during the previous one.
 *
 * A failed write or sync rejects the appends of that round; the file is cut back to its last
 * committed byte so later frames follow a whole one. If even that fails, the file is `broken`: every
 * later append is refused, and its owner starts a new file (the committed frames stay readable).
 */
export class AppendFile {
  private queue: Pending[] = [];
  private writing = false;
  private idle: Array<() => void> = [];
  private committedBytes = 0;
  private broken: Error | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly onCommit: (frames: number) => void,
  ) {}

  /**
   * Creates `path` (it must not exist) and fsyncs its directory, so the file itself survives a power
   * loss before its first frame is acknowledged. `onCommit` hears of every fdatasync and its frames.
   */
  static async create(files: LogFiles, path: string, onCommit: (frames: number) => void = () => {}): Promise<AppendFile> {
    const handle = await files.open(path, 'ax');
    try {
      await syncDir(files, dirname(path));
    } catch (err) {
      await handle.close();
      throw err;
    }
    return new AppendFile(path, handle, onCommit);
  }

  get name(): string {
    return basename(this.path);
  }

  /** Bytes durably in the file. */
  get bytes(): number {
    return this.committedBytes;
  }

  /** True once a failure left the file unusable for appends. */
  get usable(): boolean {
    return this.broken === undefined && !this.closed;
  }

  /** Resolves once `payload` is in the file as one frame and fsynced. */
  append(payload: Uint8Array): Promise<void> {
    if (this.broken) return Promise.reject(this.broken);
    if (this.closed) return Promise.reject(new Error(`${this.name} is closed`));
    return new Promise((resolve, reject) => {
      this.queue.push({ payload, resolve, reject });
      if (!this.writing) void this.commit();
    });
  }

  /** Waits for the appends under way, then closes the file; later appends are refused. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.writing) await new Promise<void>((resolve) => this.idle.push(resolve));
    await this.handle.close();
  }

  private async commit(): Promise<void> {
    this.writing = true;
    while (this.queue.length > 0) {
      const round = this.queue;
      this.queue = [];
      if (this.broken) {
        for (const p of round) p.reject(this.broken);
        continue;
      }
      const buffers: Uint8Array[] = [];
      let bytes = 0;
      for (const p of round) {
        buffers.push(frameHeader(p.payload), p.payload);
        bytes += frameHeaderBytes + p.payload.length;
      }
      try {
        await writeAll(this.handle, buffers, bytes);
        await this.handle.datasync();
        this.committedBytes += bytes;
        this.onCommit(round.length);
        for (const p of round) p.resolve();
      } catch (err) {
        // Cut back (or give the file up) before the round's appends hear of the failure: a caller
        // then sees `usable` as it is for the appends that follow.
        await this.cutBack(err as Error);
        for (const p of round) p.reject(err);
      }
    }
    this.writing = false;
    this.idle.splice(0).forEach((done) => done());
  }

  /** After a failed round: drop whatever part of it reached the file, or give the file up. */
  private async cutBack(cause: Error): Promise<void> {
    try {
      await this.handle.truncate(this.committedBytes);
      await this.handle.datasync();
    } catch {
      this.broken = new Error(`${this.name} is unusable after a failed write: ${cause.message}`);
    }
  }
}

/** `writev` until every byte is written (a regular file normally takes them in one call). */
async function writeAll(handle: FileHandle, buffers: Uint8Array[], bytes: number): Promise<void> {
  let { bytesWritten } = await handle.writev(buffers);
  while (bytesWritten < bytes) {
    const rest = Buffer.concat(buffers).subarray(bytesWritten);
    bytesWritten += (await handle.write(rest)).bytesWritten;
  }
}
