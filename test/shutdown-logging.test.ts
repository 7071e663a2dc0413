import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDataDir } from './support/gateway.ts';
import { post, uniqueSpans } from './support/payloads.ts';
import { freePort } from './support/process.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHUTDOWN_TIMEOUT_MS = 8000;

/**
 * `src/main.ts` with its stdout given by `stdout`, at `info` so it logs on every start and stop;
 * takes a request, then gets SIGTERM: it must exit 0 within `shutdownTimeoutMs`, whatever its log
 * output does (a watchdog SIGKILLs it after twice that, and the test then fails).
 */
async function stopWithStdout(stdout: 'closed-pipe' | 'full-disk' | 'blocked-reader'): Promise<{ code: number | null; signal: string | null; ms: number; stderr: string }> {
  const data = tempDataDir();
  const port = await freePort();
  const blocked = stdout === 'blocked-reader' ? fullPipe() : undefined;
  const full = stdout === 'full-disk' ? openSync('/dev/full', 'w') : blocked?.writer;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, OTELHOUSE_PORT: String(port), OTELHOUSE_SQL_PORT: '0', OTELHOUSE_LOG_LEVEL: 'info', OTELHOUSE_DATA_DIR: data.dir, OTELHOUSE_CONFIG: '' },
    stdio: ['ignore', full ?? 'pipe', 'pipe'],
  });
  if (full !== undefined) closeSync(full);
  // The reader goes away before the gateway writes its first line: every write gets EPIPE.
  child.stdout?.destroy();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })));
  try {
    const url = `http://127.0.0.1:${port}`;
    for (let healthy = false; !healthy; ) {
      if (child.exitCode !== null) throw new Error(`gateway exited early: ${stderr}`);
      healthy = await fetch(`${url}/healthz`).then((r) => r.status === 200, () => false);
      if (!healthy) await new Promise((r) => setTimeout(r, 100));
    }
    expect((await post(url, '/v1/traces', uniqueSpans('logging', 5))).status).toBe(200);
    const t0 = Date.now();
    child.kill('SIGTERM');
    const watchdog = setTimeout(() => child.kill('SIGKILL'), 2 * SHUTDOWN_TIMEOUT_MS);
    const { code, signal } = await exited;
    clearTimeout(watchdog);
    return { code, signal, ms: Date.now() - t0, stderr };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
    blocked?.remove();
    data.remove();
  }
}

/**
 * A FIFO whose reader never reads, already full: `writer` is a blocking write end (as a shell's
 * pipe to a stalled log shipper is), every write to it would wait.
 */
function fullPipe(): { writer: number; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-pipe-'));
  const fifo = join(dir, 'stdout.fifo');
  execFileSync('mkfifo', [fifo]);
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const filler = openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
  try {
    for (;;) writeSync(filler, Buffer.alloc(4096, 120));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') throw err;
  }
  closeSync(filler);
  const writer = openSync(fifo, constants.O_WRONLY);
  return {
    writer,
    remove: () => {
      closeSync(reader);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('logging never blocks shutdown', () => {
  it('SIGTERM with stdout a pipe its reader stopped reading: serves, then exits 0 within shutdownTimeoutMs (its lines dropped, logging not stopped)', async () => {
    const result = await stopWithStdout('blocked-reader');
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(result.stderr).not.toMatch(/logging stopped/);
  });

  it.each(['closed-pipe', 'full-disk'] as const)('SIGTERM with stdout a %s: exit 0 within shutdownTimeoutMs, the failure said once on stderr', async (stdout) => {
    const result = await stopWithStdout(stdout);
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.ms).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    expect(result.stderr.match(/log output refused a write \((EPIPE|ENOSPC)\); logging stopped/g)).toHaveLength(1);
  });
});
