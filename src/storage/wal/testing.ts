import type { FileHandle } from 'node:fs/promises';
import { nodeFiles, type LogFiles } from './files.ts';

/** What a {@link spyFiles} wrapper saw, in order: `write <path> <bytes>`, `datasync <path>`, `sync <path>`, `truncate <path> <bytes>`. */
export type FileEvent = string;

export interface SpyFiles extends LogFiles {
  readonly events: FileEvent[];
  /** Makes the next `count` writes fail with `code` (ENOSPC: a full disk). */
  failWrites(code: string, count?: number): void;
  /** Makes the next `count` fsyncs or fdatasyncs fail with `code` (EIO: a failing disk). */
  failSyncs(code: string, count?: number): void;
  /** Makes the next `writev` take only the first half of its bytes, a short write POSIX allows. */
  shortenNextWrite(): void;
  /** Holds every fdatasync until the returned function is called (a slow disk). */
  holdSyncs(): () => void;
  /** Paths of the handles opened through this wrapper and not closed yet (a leak shows here). */
  openHandles(): string[];
}

/** Real files, with every write and sync recorded, writes and syncs that can be made to fail or fall short, and open handles counted. */
export function spyFiles(inner: LogFiles = nodeFiles): SpyFiles {
  const events: FileEvent[] = [];
  let failing = 0;
  let failingSyncs = 0;
  let shorten = false;
  let held: Promise<void> | undefined;
  let failCode = 'ENOSPC';
  let failSyncCode = 'EIO';
  const open = new Map<FileHandle, string>();
  const fail = (code: string, what: string) => Object.assign(new Error(`${code}: injected ${what} failure`), { code });
  return {
    events,
    failWrites(code, count = 1) {
      failCode = code;
      failing = count;
    },
    failSyncs(code, count = 1) {
      failSyncCode = code;
      failingSyncs = count;
    },
    shortenNextWrite() {
      shorten = true;
    },
    openHandles: () => [...open.values()],
    holdSyncs() {
      let release = () => {};
      held = new Promise<void>((resolve) => (release = resolve));
      return () => {
        held = undefined;
        release();
      };
    },
    async open(path, flags) {
      const handle = await inner.open(path, flags);
      open.set(handle, path);
      return new Proxy(handle, {
        get(target, key) {
          const value = Reflect.get(target, key, target);
          if (typeof value !== 'function') return value;
          switch (key) {
            case 'writev':
            case 'write':
              return async (...args: unknown[]) => {
                if (failing > 0) {
                  failing--;
                  throw fail(failCode, 'write');
                }
                if (key === 'writev' && shorten) {
                  shorten = false;
                  const all = Buffer.concat(args[0] as Uint8Array[]);
                  const { bytesWritten } = await target.write(all.subarray(0, all.length >> 1));
                  events.push(`write ${path} ${bytesWritten}`);
                  return { bytesWritten, buffers: args[0] };
                }
                const result = await (value as (...a: unknown[]) => Promise<{ bytesWritten: number }>).apply(target, args);
                events.push(`write ${path} ${result.bytesWritten}`);
                return result;
              };
            case 'datasync':
            case 'sync':
              return async () => {
                if (key === 'datasync' && held) await held;
                if (failingSyncs > 0) {
                  failingSyncs--;
                  throw fail(failSyncCode, String(key));
                }
                await (value as () => Promise<void>).call(target);
                events.push(`${String(key)} ${path}`);
              };
            case 'truncate':
              return async (len?: number) => {
                await (value as (n?: number) => Promise<void>).call(target, len);
                events.push(`truncate ${path} ${len ?? 0}`);
              };
            case 'close':
              return async () => {
                await (value as () => Promise<void>).call(target);
                open.delete(target);
              };
            default:
              return (value as (...a: unknown[]) => unknown).bind(target);
          }
        },
      }) as FileHandle;
    },
  };
}
