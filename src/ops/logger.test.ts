import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const fixture = fileURLToPath(new URL('./fixtures/log-to-full-pipe.ts', import.meta.url));
const lineFixture = fileURLToPath(new URL('./fixtures/log-lines.ts', import.meta.url));

/**
 * Runs the log-lines fixture with `format` and returns its stdout, with stdout a pipe or a
 * pseudo-terminal (util-linux `script` gives the child one, as a shell in a terminal would).
 */
function logOutput(format: string, stdout: 'pipe' | 'terminal'): string {
  const command = [process.execPath, '--import', 'tsx', lineFixture, format];
  if (stdout === 'pipe') return execFileSync(command[0], command.slice(1), { encoding: 'utf8' });
  const quoted = command.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  const out = execFileSync('script', ['-qfec', quoted, '/dev/null'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  return out.replace(/\x1b\[[0-9;]*m/g, '').replace(/\r\n/g, '\n'); // colours and the terminal's line ends
}

const prettyLine = /^\[\d\d:\d\d:\d\d\.\d{3}\] INFO \(otelhouse\/\d+\): hello from the gateway\n {4}answer: 42\n$/;

describe('the gateway\'s logger', () => {
  it.each(['json', 'pretty'])('stops logging instead of blocking when its reader stops reading (a full pipe), so the process can still exit (%s lines)', async (format) => {
    const dir = mkdtempSync(join(tmpdir(), 'otelhouse-log-'));
    const fifo = join(dir, 'log.fifo');
    execFileSync('mkfifo', [fifo]);
    try {
      const child = spawn(process.execPath, ['--import', 'tsx', fixture, fifo, format], { stdio: ['ignore', 'pipe', 'pipe'] });
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

  it.each([
    ['auto', 'terminal', 'pretty'],
    ['auto', 'pipe', 'json'],
    ['json', 'terminal', 'json'],
    ['pretty', 'pipe', 'pretty'],
  ] as const)('with logFormat %s and stdout a %s, writes %s lines', (format, stdout, shape) => {
    const out = logOutput(format, stdout);
    if (shape === 'pretty') {
      expect(out).toMatch(prettyLine);
    } else {
      expect(JSON.parse(out)).toMatchObject({ level: 30, name: 'otelhouse', answer: 42, msg: 'hello from the gateway' });
      expect(out.endsWith('}\n')).toBe(true);
    }
  });
});
