import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { freePort } from './support/process.ts';

// The Node SDK (issue 13, points 1, 3, 4, 6, 7, 9, 11) in a real child process against a real
// gateway and its embedded ClickHouse; every record carries a unique test id.

const app = fileURLToPath(new URL('./fixtures/sdk/node-app.ts', import.meta.url));
const INGEST_TOKEN = 'sdk-test-ingest-token';
let gateway: Gateway;
const dirs: Array<{ remove: () => void }> = [];

beforeAll(async () => {
  gateway = await startGateway({ auth: { ingestTokens: [INGEST_TOKEN] } });
});
afterAll(async () => {
  await gateway?.shutdown();
  for (const d of dirs) d.remove();
});

function sdkDir(): string {
  const d = tempDataDir('otelhouse-sdk-');
  dirs.push(d);
  return d.dir;
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the app; `until` (a line of its stdout) hands back control with the child still running. */
function runApp(endpoint: string, dataDir: string, testId: string, n: number, mode: string, until?: string, env: Record<string, string> = {}): { done: Promise<Run>; reached: Promise<void>; kill: (signal: NodeJS.Signals) => void } {
  const child = spawn(process.execPath, ['--conditions=otelhouse-source', '--import', 'tsx', app, endpoint, dataDir, testId, String(n), mode], { env: { ...process.env, OTELHOUSE_TEST_TOKEN: INGEST_TOKEN, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let reach!: () => void;
  const reached = new Promise<void>((r) => (reach = r));
  child.stdout.on('data', (d: Buffer) => {
    stdout += d;
    if (until && stdout.includes(until)) reach();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d));
  const watchdog = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const done = new Promise<Run>((resolve) =>
    child.on('exit', (code, signal) => {
      clearTimeout(watchdog);
      resolve({ code, signal, stdout, stderr });
    }),
  );
  return { done, reached, kill: (signal) => child.kill(signal) };
}

const health = (run: Run) => JSON.parse(run.stdout.slice(run.stdout.indexOf('done ') + 5)) as { ok: boolean; queuedRecords: number };

async function logRows(testId: string): Promise<Array<{ installation: string; session: string; severity: number; traceId: string; i: string; lang: string; version: string; env: string }>> {
  return rows(gateway, `SELECT ResourceAttributes['app.installation.id'] AS installation, LogAttributes['session.id'] AS session, SeverityNumber AS severity,
    TraceId AS traceId, LogAttributes['i'] AS i, ResourceAttributes['telemetry.sdk.language'] AS lang, ResourceAttributes['service.version'] AS version,
    ResourceAttributes['deployment.environment.name'] AS env FROM otel_logs WHERE Body = '${testId}' ORDER BY toUInt32(i)`);
}

/** A proxy to the gateway whose behaviour per request `intercept` decides (answer itself, or forward and maybe lose the answer). */
async function proxy(intercept: (req: IncomingMessage, res: ServerResponse, n: number) => 'forward' | 'lose-answer' | 'answered'): Promise<{ url: string; seen: Array<{ at: number; url: string }>; close: () => Promise<void> }> {
  const target = new URL(gateway.url);
  const seen: Array<{ at: number; url: string }> = [];
  const server: Server = createServer((req, res) => {
    seen.push({ at: Date.now(), url: req.url ?? '' });
    const what = intercept(req, res, seen.length);
    if (what === 'answered') return;
    const upstream = httpRequest({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
      if (what === 'lose-answer') {
        answer.resume();
        answer.on('end', () => req.socket.destroy());
        return;
      }
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('the Node SDK', () => {
  it('delivers logs and spans as OTLP with the resource, the installation and the session, each once', async () => {
    const testId = `send-${randomUUID()}`;
    const dir = sdkDir();
    const run = await runApp(gateway.url, dir, testId, 50, 'send').done;
    expect(run.code, run.stderr).toBe(0);
    expect(health(run)).toMatchObject({ ok: true, queuedRecords: 0 });
    const logs = await logRows(testId);
    expect(logs.map((r) => Number(r.i))).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const installation = readFileSync(join(dir, 'installation-id'), 'utf8');
    expect(new Set(logs.map((r) => r.installation))).toEqual(new Set([installation]));
    expect(new Set(logs.map((r) => r.session)).size).toBe(1);
    expect(logs[0]).toMatchObject({ lang: 'nodejs', version: '1.2.3', env: 'test', severity: 9 });
    expect(logs[10]!.severity).toBe(17);
    const spans = await rows<{ traceId: string; session: string }>(gateway, `SELECT TraceId AS traceId, SpanAttributes['session.id'] AS session FROM otel_traces WHERE SpanName = 'checkout' AND ResourceAttributes['app.installation.id'] = '${installation}'`);
    expect(spans).toEqual([{ traceId: logs[0]!.traceId, session: logs[0]!.session }]);
  });

  it('delivers, after a SIGKILL and a restart, every record made before it, once, under the same installation id', async () => {
    const testId = `sigkill-${randomUUID()}`;
    const dir = sdkDir();
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const first = runApp(unreachable, dir, testId, 300, 'persist', 'persisted');
    await first.reached;
    first.kill('SIGKILL');
    expect((await first.done).signal).toBe('SIGKILL');
    expect(await logRows(testId)).toEqual([]);

    const second = await runApp(gateway.url, dir, testId, 0, 'resume').done;
    expect(second.code, second.stderr).toBe(0);
    expect(health(second)).toMatchObject({ ok: true, queuedRecords: 0 });
    const logs = await logRows(testId);
    expect(logs.map((r) => Number(r.i))).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(new Set(logs.map((r) => r.installation))).toEqual(new Set([readFileSync(join(dir, 'installation-id'), 'utf8')]));
  });

  it('resends a batch whose answer was lost with the same batch id, and it is stored once', async () => {
    const testId = `lost-ack-${randomUUID()}`;
    let lost = 0;
    const p = await proxy((req) => (req.url?.startsWith('/v1/logs') && lost++ === 0 ? 'lose-answer' : 'forward'));
    try {
      const run = await runApp(p.url, sdkDir(), testId, 20, 'send').done;
      expect(run.code, run.stderr).toBe(0);
      const logRequests = p.seen.filter((r) => r.url.startsWith('/v1/logs'));
      expect(logRequests.length).toBeGreaterThanOrEqual(2);
      const batch = (url: string) => new URL(url, 'http://x').searchParams.get('batch');
      expect(batch(logRequests[1]!.url)).toBe(batch(logRequests[0]!.url));
      expect((await logRows(testId)).map((r) => Number(r.i))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    } finally {
      await p.close();
    }
  });

  it('waits out a 429\'s Retry-After before the next try, and then delivers everything', async () => {
    const testId = `retry-after-${randomUUID()}`;
    let refused = 0;
    const p = await proxy((req, res) => {
      if (!req.url?.startsWith('/v1/logs') || refused++ > 0) return 'forward';
      req.resume();
      res.writeHead(429, { 'retry-after': '2', 'content-type': 'application/json' }).end('{"code":8,"message":"slow down"}');
      return 'answered';
    });
    try {
      const run = await runApp(p.url, sdkDir(), testId, 20, 'send').done;
      expect(run.code, run.stderr).toBe(0);
      const [first, second] = p.seen.filter((r) => r.url.startsWith('/v1/logs'));
      expect(second!.at - first!.at).toBeGreaterThanOrEqual(2000);
      expect(await logRows(testId)).toHaveLength(20);
    } finally {
      await p.close();
    }
  });

  it('flushes on SIGTERM and then exits as the signal would', async () => {
    const testId = `sigterm-${randomUUID()}`;
    const run = runApp(gateway.url, sdkDir(), testId, 30, 'sigterm', 'ready');
    await run.reached;
    run.kill('SIGTERM');
    const result = await run.done;
    expect(result.signal).toBe('SIGTERM');
    expect(await logRows(testId)).toHaveLength(30);
  });

  it('records an uncaught exception as a fatal log before the process exits 1 with the stack on stderr', async () => {
    const testId = `crash-${randomUUID()}`;
    const run = await runApp(gateway.url, sdkDir(), testId, 5, 'throw').done;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Error: crash ${testId}`);
    const fatal = await rows<{ body: string; type: string }>(gateway, `SELECT Body AS body, LogAttributes['exception.type'] AS type FROM otel_logs WHERE SeverityNumber = 21 AND Body = 'crash ${testId}'`);
    expect(fatal).toEqual([{ body: `crash ${testId}`, type: 'Error' }]);
    expect(await logRows(testId)).toHaveLength(5);
  });

  it('records an unhandled rejection as a fatal log and exits 1 as Node does by default', async () => {
    const testId = `reject-${randomUUID()}`;
    const run = await runApp(gateway.url, sdkDir(), testId, 3, 'reject').done;
    expect(run.code).toBe(1);
    expect(run.stdout).not.toContain('survived');
    expect(run.stderr).toContain(`RangeError: rejected ${testId}`);
    const fatal = await rows<{ severity: number; type: string }>(gateway, `SELECT SeverityNumber AS severity, LogAttributes['exception.type'] AS type FROM otel_logs WHERE Body = 'rejected ${testId}'`);
    expect(fatal).toEqual([{ severity: 21, type: 'RangeError' }]);
  });

  it('records an unhandled rejection as an error and keeps the process alive under --unhandled-rejections=warn, as Node would', async () => {
    const testId = `reject-warn-${randomUUID()}`;
    const run = await runApp(gateway.url, sdkDir(), testId, 3, 'reject', undefined, { NODE_OPTIONS: '--unhandled-rejections=warn' }).done;
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('survived');
    // Node's own warning is still printed.
    expect(run.stderr).toContain(`rejected ${testId}`);
    const stored = await rows<{ severity: number; type: string }>(gateway, `SELECT SeverityNumber AS severity, LogAttributes['exception.type'] AS type FROM otel_logs WHERE Body = 'rejected ${testId}'`);
    expect(stored).toEqual([{ severity: 17, type: 'RangeError' }]);
  });

  it('sends at most 10 records a second for a storm of 10,000 throws a second, their occurrence counts adding up to every throw', async () => {
    const testId = `storm-${randomUUID()}`;
    const run = await runApp(gateway.url, sdkDir(), testId, 0, 'storm').done;
    expect(run.code).toBe(0);
    const result = health(run) as unknown as { ok: boolean; thrown: number };
    expect(result.ok).toBe(true);
    // The loop yields every 10 throws, so it makes fewer than 10,000 a second on a busy machine; at least thousands.
    expect(result.thrown).toBeGreaterThan(5_000);
    const stored = await rows<{ second: string; records: string; occurrences: string }>(gateway, `SELECT toString(toStartOfSecond(Timestamp)) AS second, toString(count()) AS records,
      toString(sum(toUInt64OrDefault(LogAttributes['otelhouse.occurrences'], toUInt64(1)))) AS occurrences FROM otel_logs WHERE Body = 'storm ${testId}' GROUP BY second ORDER BY second`);
    expect(stored.length).toBeGreaterThanOrEqual(3);
    for (const s of stored) expect(Number(s.records)).toBeLessThanOrEqual(10);
    expect(stored.reduce((sum, s) => sum + Number(s.occurrences), 0)).toBe(result.thrown);
    expect(stored.reduce((sum, s) => sum + Number(s.records), 0)).toBeLessThan(20);
  });

  it('sends log batches gzip\'ed, at least 3 times smaller', async () => {
    const testId = `gzip-${randomUUID()}`;
    const sizes: Array<{ sent: number; plain: number }> = [];
    const p = await proxy((req) => {
      if (req.url?.startsWith('/v1/logs')) {
        expect(req.headers['content-encoding']).toBe('gzip');
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const body = Buffer.concat(chunks);
          sizes.push({ sent: body.length, plain: gunzipSync(body).length });
        });
      }
      return 'forward';
    });
    try {
      const run = await runApp(p.url, sdkDir(), testId, 300, 'send').done;
      expect(run.code, run.stderr).toBe(0);
      expect(sizes.length).toBeGreaterThan(0);
      for (const { sent, plain } of sizes) expect(plain / sent).toBeGreaterThanOrEqual(3);
      expect(await logRows(testId)).toHaveLength(300);
    } finally {
      await p.close();
    }
  });

  it('drops the lowest severity first when its queue is full while the gateway is away, and reports the count with the next logs', async () => {
    const testId = `overflow-${randomUUID()}`;
    const dir = sdkDir();
    const env = { OTELHOUSE_TEST_MAX_QUEUE_BYTES: '20000' };
    const first = runApp(`http://127.0.0.1:${await freePort()}`, dir, testId, 300, 'persist', 'persisted', env);
    await first.reached;
    first.kill('SIGKILL');
    await first.done;
    const second = await runApp(gateway.url, dir, testId, 0, 'resume', undefined, env).done;
    expect(second.code, second.stderr).toBe(0);
    const kept = await logRows(testId);
    // Every tenth record after the first is an error: all 29 kept; INFO records fill what is left, the newest kept.
    expect(kept.filter((r) => r.severity === 17).map((r) => Number(r.i))).toEqual(Array.from({ length: 29 }, (_, k) => (k + 1) * 10));
    expect(kept.length).toBeLessThan(300);
    const infos = kept.filter((r) => r.severity === 9).map((r) => Number(r.i));
    expect(infos[infos.length - 1]).toBe(299);
    const installation = readFileSync(join(dir, 'installation-id'), 'utf8');
    const [report] = await rows<{ overflow: string }>(gateway, `SELECT LogAttributes['otelhouse.dropped.overflow'] AS overflow FROM otel_logs WHERE ResourceAttributes['app.installation.id'] = '${installation}' AND Body = 'records dropped on the client' ORDER BY Timestamp DESC LIMIT 1`);
    // 300 logs and one span were made; what was not stored was dropped, and said so.
    const spans = await rows(gateway, `SELECT 1 FROM otel_traces WHERE ResourceAttributes['app.installation.id'] = '${installation}'`);
    expect(Number(report!.overflow)).toBe(301 - kept.length - spans.length);
  });

  it('after optOut() records and sends nothing, empties its queue, and stays out after a restart', async () => {
    const testId = `optout-${randomUUID()}`;
    const dir = sdkDir();
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const run = await runApp(unreachable, dir, testId, 10, 'optout').done;
    expect(run.code, run.stderr).toBe(0);
    expect(health(run)).toMatchObject({ queuedRecords: 0, optedOut: true });
    expect(existsSync(join(dir, 'opted-out'))).toBe(true);
    const again = await runApp(gateway.url, dir, testId, 10, 'send').done;
    expect(again.code, again.stderr).toBe(0);
    expect(health(again)).toMatchObject({ queuedRecords: 0, optedOut: true });
    expect(await logRows(testId)).toEqual([]);
  });
});
