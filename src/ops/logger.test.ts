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
  it.each(['json', 'pretty'])('drops whole lines instead of blocking while its reader does not read (a full pipe), counts them, and resumes when the reader catches up (%s lines)', async (format) => {
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
      const { output } = JSON.parse(out) as { output: string };
      const dropped = Number(/^otelhouse: (\d+) log lines dropped while the log output was full$/m.exec(err)?.[1]);
      const kept = output.match(/filling the pipe/g)?.length ?? 0;
      // Some lines fit, the rest were dropped, every one accounted for: none cut, none lost unsaid.
      expect(kept).toBeGreaterThan(0);
      expect(dropped).toBeGreaterThan(0);
      expect(kept + dropped).toBe(5_000);
      expect(output).toContain('the reader caught up');
      expect(output.endsWith('\n')).toBe(true);
      if (format === 'json') for (const line of output.trimEnd().split('\n')) expect(() => JSON.parse(line)).not.toThrow();
      expect(err).not.toMatch(/logging stopped/);
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
