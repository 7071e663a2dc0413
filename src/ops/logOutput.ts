import { writeSync } from 'node:fs';

/**
 * Where the log lines go: a file descriptor written synchronously, one line per write, that never
 * waits for its reader. pino's own destination (sonic-boom) retries a refused write in a sleep loop
 * that no timer can end, so a log shipper that stops reading or exits could hang a SIGTERM forever.
 *
 * - A full output (a pipe whose reader is slow: EAGAIN) drops whole lines, counted, and logging
 *   resumes with the first write that fits, after a line on stderr saying how many were dropped.
 *   A line written in part keeps its rest (at most one line) for the next write, so no JSON line
 *   is ever cut.
 * - An output that is gone (EPIPE, ENOSPC, EBADF…) stops logging, said once on stderr.
 * - `flushSync` (pino calls it at exit) tries the kept rest once and never loops.
 */
export class LogOutput {
  private rest: Buffer | undefined;
  private dropped = 0;
  private stopped = false;

  constructor(
    private readonly fd: number,
    private readonly warn: (text: string) => void = writeStderr,
  ) {}

  write(line: string): boolean {
    if (this.stopped) return true;
    if (!this.drainRest()) {
      this.dropped++;
      return true;
    }
    const buffer = Buffer.from(line);
    const written = this.tryWrite(buffer);
    if (written === undefined) {
      if (!this.stopped) this.dropped++;
      return true;
    }
    if (this.dropped > 0) {
      this.warn(`otelhouse: ${this.dropped} log line${this.dropped === 1 ? '' : 's'} dropped while the log output was full`);
      this.dropped = 0;
    }
    if (written < buffer.length) this.rest = buffer.subarray(written);
    return true;
  }

  flushSync(): void {
    if (!this.stopped) this.drainRest();
  }

  flush(cb?: (err?: Error) => void): void {
    this.flushSync();
    cb?.();
  }

  /** Writes what is left of a line written in part; false while the output is still full. */
  private drainRest(): boolean {
    while (this.rest !== undefined) {
      const written = this.tryWrite(this.rest);
      if (written === undefined || written === 0) return false;
      this.rest = written < this.rest.length ? this.rest.subarray(written) : undefined;
    }
    return true;
  }

  /** Bytes written; undefined when the output is full or gone (then logging has stopped). */
  private tryWrite(buffer: Buffer): number | undefined {
    try {
      return writeSync(this.fd, buffer);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK' || code === 'EBUSY') return undefined;
      this.stopped = true;
      this.rest = undefined;
      this.warn(`otelhouse: log output refused a write (${code ?? (err as Error).message}); logging stopped`);
      return undefined;
    }
  }
}

function writeStderr(text: string): void {
  try {
    process.stderr.write(`${text}\n`);
  } catch {
    // stderr is gone too
  }
}
