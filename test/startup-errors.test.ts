import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDataDir } from './support/gateway.ts';
import { freePort, spawnGateway } from './support/process.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Runs `src/main.ts` as `npm start` does until it exits; its stderr and exit code. */
async function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; stdout: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: repoRoot,
    env: { ...process.env, OTELHOUSE_PORT: String(await freePort()), OTELHOUSE_SQL_PORT: '0', OTELHOUSE_LOG_LEVEL: 'info', UV_THREADPOOL_SIZE: '16', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d));
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  // A gateway that starts after all would run until killed: the test then fails on its exit code.
  const killer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
  clearTimeout(killer);
  return { code, stderr, stdout };
}

function dataDir(): string {
  const dir = tempDataDir();
  cleanups.push(dir.remove);
  return dir.dir;
}

/** Exactly one line on stderr, `otelhouse: …`, matching `cause`. */
function expectOneLine(stderr: string, cause: RegExp): void {
  const lines = stderr.split('\n').filter(Boolean);
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^otelhouse: /);
  expect(lines[0]).toMatch(cause);
}

describe('a start-up failure', () => {
  it('for an invalid processor option is one line naming its path, exit code 2', async () => {
    const dir = dataDir();
    const file = join(dir, 'otelhouse.yaml');
    writeFileSync(file, 'processors:\n  - type: sampling\n  - type: redaction\n    customRules:\n      - { name: order-id, pattern: "ORD-(" }\n');
    const { code, stderr } = await start({ OTELHOUSE_CONFIG: file, OTELHOUSE_DATA_DIR: join(dir, 'data') });
    expectOneLine(stderr, /processors\[1\]\.customRules\.0\.pattern = "ORD-\(": must be a valid regular expression/);
    expect(code).toBe(2);
  }, 60_000);

  it('for a port in use is one line naming it, exit code 2, before the store is opened', async () => {
    const holder: Server = createServer();
    await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => holder.close(r)));
    const port = (holder.address() as { port: number }).port;
    const dir = dataDir();
    const { code, stderr } = await start({ OTELHOUSE_PORT: String(port), OTELHOUSE_DATA_DIR: dir });
    expectOneLine(stderr, new RegExp(`^otelhouse: port ${port} on 127\\.0\\.0\\.1 is in use by another process$`));
    expect(code).toBe(2);
    // Found before migrations: the embedded engine never created its files.
    expect(existsSync(join(dir, 'clickhouse'))).toBe(false);
  }, 60_000);

  it('for a data dir another gateway uses is one line naming its pid, exit code 2; the lock goes with that gateway', async () => {
    const dir = dataDir();
    const first = await spawnGateway({ OTELHOUSE_DATA_DIR: dir });
    cleanups.push(() => first.child.kill('SIGKILL'));
    expect(readFileSync(join(dir, 'otelhouse.pid'), 'utf8').trim()).toBe(String(first.child.pid));

    const { code, stderr } = await start({ OTELHOUSE_DATA_DIR: dir });
    expectOneLine(stderr, new RegExp(`^otelhouse: data dir ${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is in use by pid ${first.child.pid}$`));
    expect(code).toBe(2);

    first.child.kill('SIGTERM');
    expect((await first.exited).code).toBe(0);
    expect(existsSync(join(dir, 'otelhouse.pid'))).toBe(false);
  }, 90_000);

  it('does not happen for a lock left by a process that is gone (a crash)', async () => {
    const dir = dataDir();
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((r) => gone.on('exit', r));
    writeFileSync(join(dir, 'otelhouse.pid'), `${gone.pid}\n`);
    const gateway = await spawnGateway({ OTELHOUSE_DATA_DIR: dir });
    cleanups.push(() => gateway.child.kill('SIGKILL'));
    expect(readFileSync(join(dir, 'otelhouse.pid'), 'utf8').trim()).toBe(String(gateway.child.pid));
    gateway.child.kill('SIGTERM');
    expect((await gateway.exited).code).toBe(0);
  }, 90_000);

  it('for anything unexpected is still one line, exit code 2', async () => {
    const dir = dataDir();
    // The embedded engine's directory is a file: the engine cannot open it.
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'clickhouse'), 'not a directory');
    const { code, stderr } = await start({ OTELHOUSE_DATA_DIR: dir });
    expectOneLine(stderr, /^otelhouse: failed to start: .*clickhouse/);
    expect(code).toBe(2);
  }, 60_000);
});
