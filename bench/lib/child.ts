import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The repository root (bench/lib/../..). */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** Linux USER_HZ: /proc reports CPU time in these ticks. */
const TICKS_PER_SEC = 100;

/** A free TCP port on 127.0.0.1 (bound, read, released). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** CPU seconds (user + system) from a /proc `stat` line; fields 14 and 15, after the `(comm)`. */
function statCpuSeconds(path: string): number {
  const stat = readFileSync(path, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SEC;
}

export interface CpuSample {
  /** All threads of the process. */
  total: number;
  /** The main (JavaScript event loop) thread only. */
  main: number;
}

/** A Node child process (run with the tsx loader, as `npm start` does) that the bench measures. */
export class NodeChild {
  readonly proc: ChildProcess;
  private stderr = '';
  private signal: string | null = null;
  readonly exited: Promise<number | null>;
  /** How the last {@link stop} ended: the signal that ended the process (if one did), how long it took, whether the grace ran out. */
  lastStop: { signal: string | null; afterMs: number; killedAfterGrace: boolean; stderrTail: string } | undefined;

  constructor(script: string, args: string[], env: Record<string, string>, nodeFlags: string[] = []) {
    this.proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script, ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc.stdout!.resume();
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4000)));
    this.exited = new Promise((resolve) => this.proc.on('exit', (code) => resolve(code)));
    this.proc.on('exit', (_code, signal) => (this.signal = signal));
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get lastStderr(): string {
    return this.stderr;
  }

  cpu(): CpuSample {
    return { total: statCpuSeconds(`/proc/${this.pid}/stat`), main: statCpuSeconds(`/proc/${this.pid}/task/${this.pid}/stat`) };
  }

  /**
   * CPU seconds per thread name (`comm`: `node` is the JS thread, `V8 DefaultWorke` GC/compiler
   * helpers, `libuv-worker` the thread pool; chDB names its own pools). Threads that exited are
   * missing, so compare samples taken close together.
   */
  threadCpu(): Map<string, number> {
    const byName = new Map<string, number>();
    for (const tid of readdirSync(`/proc/${this.pid}/task`)) {
      try {
        const name = tid === String(this.pid) ? 'main (JS)' : readFileSync(`/proc/${this.pid}/task/${tid}/comm`, 'utf8').trim();
        byName.set(name, (byName.get(name) ?? 0) + statCpuSeconds(`/proc/${this.pid}/task/${tid}/stat`));
      } catch {
        // the thread exited between readdir and read
      }
    }
    return byName;
  }

  /** Peak resident set size so far (`VmHWM`), in MiB. */
  peakRssMiB(): number {
    return this.statusMiB('VmHWM');
  }

  /** Resident set size now (`VmRSS`), in MiB. */
  rssMiB(): number {
    return this.statusMiB('VmRSS');
  }

  private statusMiB(field: string): number {
    const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
    return m ? Math.round(Number(m[1]) / 1024) : NaN;
  }

  /** Polls `url` until it answers 200, or fails after `timeoutMs` (or when the child dies). */
  async waitHealthy(url: string, timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`child exited with ${this.proc.exitCode}: ${this.stderr}`);
      try {
        if ((await fetch(url)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`child not healthy at ${url} after ${timeoutMs} ms: ${this.stderr}`);
  }

  /** SIGTERM, then the exit code; SIGKILL if it has not exited after `graceMs`. */
  async stop(graceMs = 30_000): Promise<number | null> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return this.proc.exitCode;
    const t0 = performance.now();
    let killedAfterGrace = false;
    this.proc.kill('SIGTERM');
    const timer = setTimeout(() => {
      killedAfterGrace = true;
      this.proc.kill('SIGKILL');
    }, graceMs);
    const code = await this.exited;
    clearTimeout(timer);
    this.lastStop = { signal: this.signal, afterMs: Math.round(performance.now() - t0), killedAfterGrace, stderrTail: code === 0 ? '' : this.stderr.slice(-1500) };
    return code;
  }
}

/** Runs a worker script to completion and parses the JSON it prints last on stdout. */
export function runWorker<T>(script: string, args: string[], nodeFlags: string[] = []): Promise<T> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', script, ...args], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    proc.stderr.on('data', (d: Buffer) => (err = (err + d.toString()).slice(-4000)));
    proc.on('exit', (code) => {
      const last = out.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last) as T);
      else reject(new Error(`${script} exited with ${code}: ${err || out}`));
    });
  });
}
