import type { FileHandle } from 'node:fs/promises';
import { nodeFiles, type LogFiles } from './files.ts';

/** What a {@link spyFiles} wrapper saw, in order: `write <path> <bytes>`, `datasync <path>`, `sync <path>`, `truncate <path> <bytes>`. */
export type FileEvent = string;

export interface SpyFiles extends LogFiles {
  readonly events: FileEvent[];
  /** Makes the next `count` writes fail with `code` (ENOSPC: a full disk). */
  failWrites(code: string, count?: number): void;
  /** Holds every fdatasync until the returned function is called (a slow disk). */
  holdSyncs(): () => void;
}

/** Real files, with every write and sync recorded, and writes that can be made to fail. */
export function spyFiles(inner: LogFiles = nodeFiles): SpyFiles {
  const events: FileEvent[] = [];
  let failing = 0;
  let held: Promise<void> | undefined;
  let failCode = 'ENOSPC';
  const fail = () => Object.assign(new Error(`${failCode}: injected write failure`), { code: failCode });
  return {
    events,
    failWrites(code, count = 1) {
      failCode = code;
      failing = count;
    },
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
                  throw fail();
                }
                const result = await (value as (...a: unknown[]) => Promise<{ bytesWritten: number }>).apply(target, args);
                events.push(`write ${path} ${result.bytesWritten}`);
                return result;
              };
            case 'datasync':
            case 'sync':
              return async () => {
                if (key === 'datasync' && held) await held;
                await (value as () => Promise<void>).call(target);
                events.push(`${String(key)} ${path}`);
              };
            case 'truncate':
              return async (len?: number) => {
                await (value as (n?: number) => Promise<void>).call(target, len);
                events.push(`truncate ${path} ${len ?? 0}`);
              };
            default:
              return (value as (...a: unknown[]) => unknown).bind(target);
          }
        },
      }) as FileHandle;
    },
  };
}
