import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/log-to-full-pipe.ts', import.meta.url));

describe('the gateway\'s logger', () => {
  it('stops logging instead of blocking when its reader stops reading (a full pipe), so the process can still exit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelhouse-log-'));
    const fifo = join(dir, 'log.fifo');
    execFileSync('mkfifo', [fifo]);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, fifo], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (d: Buffer) => (out += d));
      child.stderr.on('data', (d: Buffer) => (err += d));
      // A logger that retries the refused write sleeps in a loop and never exits: the kill decides.
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      clearTimeout(killer);
      expect(code).toBe(0);
      expect(out).toBe('done\n');
      expect(err).toMatch(/log output refused a write \(EAGAIN\); logging stopped/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
