import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { StartupError } from '../errors.ts';

/**
 * What another process can take from a starting gateway, checked before the store is touched: a
 * port in use found only after minutes of migrations helps nobody, and a second gateway on the
 * same data directory would fight the first over its write-ahead log and its embedded engine.
 */

/** The lock a running gateway holds on its data directory. */
export interface DataDirLock {
  /** Removes the lock file if it is still this process's; idempotent. */
  release(): void;
}

/** The lock file, holding the pid of the gateway using the directory. */
export const lockFileName = 'otelhouse.pid';

/**
 * Takes `<dir>/otelhouse.pid` (created exclusively, with this process's pid), creating `dir` if
 * needed. A lock whose process is gone (a crash, a SIGKILL) is taken over; so is one with this
 * process's own pid (a restart in a container, where the pid is 1 every time). A live holder:
 * {@link StartupError} `data dir <dir> is in use by pid <n>`.
 */
export function lockDataDir(dir: string): DataDirLock {
  const file = join(dir, lockFileName);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw new StartupError(`data dir ${dir} cannot be created: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      return { release: () => releaseLock(file) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw new StartupError(`data dir ${dir} cannot be locked (${file}): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
    }
    const holder = readPid(file);
    if (holder !== undefined && holder !== process.pid && isAlive(holder)) throw new StartupError(`data dir ${dir} is in use by pid ${holder}`);
    // Stale: its process is gone. Removed, then created again exclusively (another starter may win that race).
    try {
      unlinkSync(file);
    } catch {
      // gone already
    }
  }
  throw new StartupError(`data dir ${dir} cannot be locked: ${file} keeps reappearing`);
}

function releaseLock(file: string): void {
  try {
    if (readPid(file) === process.pid) unlinkSync(file);
  } catch {
    // already gone
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** Signal 0 checks that a process exists without touching it; EPERM means it exists as another user. */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Resolves when `port` on `host` can be bound (0, an ephemeral port, always can); else
 * {@link StartupError} naming the option: `port 4318 on 127.0.0.1 is in use by another process`.
 * A probe, bound and closed at once: the server binds it for real moments later.
 */
export function checkPortFree(host: string, port: number, option: string): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', (err: NodeJS.ErrnoException) => {
      const why = err.code === 'EADDRINUSE' ? 'is in use by another process' : `cannot be bound (${err.code ?? err.message})`;
      reject(new StartupError(`${option} ${port} on ${host} ${why}`));
    });
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
