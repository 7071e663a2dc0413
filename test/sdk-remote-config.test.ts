import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import * as sdk from '../src/sdk/node/index.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';

// The SDK obeys GET /v1/config (issue 14, point 3), in Node against the real gateway: a policy's
// minimum level and batch settings apply live, a debug session for the installation brings DEBUG
// records (tagged by the gateway) within a poll and its cancellation stops them, and the kill switch
// empties the queue and stops recording until it is lifted.

const INGEST = 'sdk-remote-config-ingest';
const ADMIN = 'sdk-remote-config-admin';
let gateway: Gateway;
const dirs: Array<{ remove: () => void }> = [];

/** The config polls the gateway answered: whose (`app.installation.id`), when, revalidating or not, and the status. */
const polls: Array<{ installation: string; atMs: number; revalidating: boolean; status: number }> = [];

beforeAll(async () => {
  gateway = await startGateway({ auth: { ingestTokens: [INGEST], adminTokens: [ADMIN] } });
  gateway.app.server.on('request', (req, res) => {
    if (!req.url?.startsWith('/v1/config')) return;
    const installation = new URL(req.url, 'http://x').searchParams.get('app.installation.id') ?? '';
    const atMs = Date.now();
    res.on('finish', () => polls.push({ installation, atMs, revalidating: req.headers['if-none-match'] !== undefined, status: res.statusCode }));
  });
});
afterEach(async () => {
  await sdk.shutdown(1000);
});
afterAll(async () => {
  await gateway?.shutdown();
  for (const d of dirs) d.remove();
});

async function admin<T = { id: string }>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

/** Waits until `check` holds (polls every 50 ms, up to `ms`), then returns what it last saw. */
async function until<T>(read: () => T | Promise<T>, check: (value: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let value = await read();
  while (!check(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    value = await read();
  }
  return value;
}

async function start(service: string, batchDelayMs: number): Promise<{ installation: string; dataDir: string }> {
  const d = tempDataDir('otelhouse-sdk-rc-');
  dirs.push(d);
  await sdk.init({ endpoint: gateway.url, token: INGEST, service, dataDir: d.dir, batchDelayMs, handleProcessEvents: false });
  await until(() => sdk.health().config.etag, (etag) => etag !== undefined);
  return { installation: readFileSync(join(d.dir, 'installation-id'), 'utf8'), dataDir: d.dir };
}

const stored = (body: string) =>
  rows<{ level: string; session: string }>(gateway, `SELECT SeverityText AS level, ResourceAttributes['otelhouse.debug_session.id'] AS session FROM otel_logs WHERE Body = '${body}'`);

describe('the SDK under /v1/config', () => {
  it('applies a policy\'s level and batch settings live, and a debug session for its installation within a poll', async () => {
    const service = `rc-levels-${randomUUID()}`;
    await admin('POST', '/api/policies', { name: service, targeting: { services: [service] }, settings: { minLogLevel: 'info', sdk: { pollIntervalMs: 5000, flushIntervalMs: 100 } } });
    // The app's own batch delay is a minute; the policy's 100 ms applies.
    const { installation } = await start(service, 60_000);
    expect(sdk.health().config).toMatchObject({ telemetryEnabled: true, minLogLevel: 'info' });
    const quiet = `quiet-${randomUUID()}`;
    for (let i = 0; i < 5; i++) sdk.log('debug', quiet);
    sdk.log('info', quiet);
    // DEBUG records are not even made: one record queued.
    expect(sdk.health().queuedRecords).toBe(1);
    expect(await until(() => stored(quiet), (r) => r.length > 0, 5000)).toEqual([{ level: 'INFO', session: '' }]);

    const session = await admin('POST', '/api/debug-sessions', { target: { 'app.installation.id': installation }, level: 'debug', durationMinutes: 10 });
    expect(await until(() => sdk.health().config, (c) => c.debugSessionId === session.id, 15_000)).toMatchObject({ minLogLevel: 'debug', debugSessionId: session.id });
    const loud = `loud-${randomUUID()}`;
    for (let i = 0; i < 3; i++) sdk.log('debug', loud);
    expect(await until(() => stored(loud), (r) => r.length >= 3, 5000)).toEqual(Array(3).fill({ level: 'DEBUG', session: session.id }));

    await admin('POST', `/api/debug-sessions/${session.id}/cancel`);
    expect(await until(() => sdk.health().config, (c) => c.debugSessionId === undefined, 15_000)).toMatchObject({ minLogLevel: 'info' });
    const after = `after-${randomUUID()}`;
    sdk.log('debug', after);
    sdk.log('warn', after);
    expect(await until(() => stored(after), (r) => r.length > 0, 5000)).toEqual([{ level: 'WARN', session: '' }]);
  }, 60_000);

  it('keeps the app\'s own batch settings under a policy that does not set them, takes what a policy sets, and the app\'s again once none does', async () => {
    const service = `rc-batch-${randomUUID()}`;
    // A policy that sets the level and the poll interval (5 s), nothing of batching.
    await admin('POST', '/api/policies', { name: `${service}-level`, targeting: { services: [service] }, settings: { minLogLevel: 'info', sdk: { pollIntervalMs: 5000 } } });
    await start(service, 250);
    expect(sdk.health().config.minLogLevel).toBe('info');
    expect(sdk.health().delivery.batch).toEqual({ maxRecords: 512, delayMs: 250 });
    const batching = await admin('POST', '/api/policies', { name: `${service}-batch`, targeting: { services: [service] }, settings: { sdk: { flushIntervalMs: 100, maxBatchSize: 50 } } });
    expect(await until(() => sdk.health().delivery.batch, (b) => b.delayMs !== 250, 15_000)).toEqual({ maxRecords: 50, delayMs: 100 });
    await admin('DELETE', `/api/policies/${batching.id}`);
    expect(await until(() => sdk.health().delivery.batch, (b) => b.delayMs !== 100, 15_000)).toEqual({ maxRecords: 512, delayMs: 250 });
  }, 60_000);

  it('empties its queue and records nothing under the kill switch, and records again once it is lifted', async () => {
    const service = `rc-kill-${randomUUID()}`;
    // Polls every 5 s; batches wait an hour, so records stay queued.
    await admin('POST', '/api/policies', { name: `${service}-poll`, targeting: { services: [service] }, settings: { sdk: { pollIntervalMs: 5000, flushIntervalMs: 3_600_000 } } });
    const { dataDir } = await start(service, 60_000);
    const before = `before-${randomUUID()}`;
    for (let i = 0; i < 5; i++) sdk.log('error', before);
    expect(sdk.health().queuedRecords).toBe(5);

    const kill = await admin('POST', '/api/policies', { name: `${service}-kill`, targeting: { services: [service] }, settings: { telemetryEnabled: false } });
    expect(await until(() => sdk.health(), (h) => !h.config.telemetryEnabled, 15_000)).toMatchObject({ queuedRecords: 0, config: { telemetryEnabled: false } });
    const during = `during-${randomUUID()}`;
    sdk.log('fatal', during);
    expect(sdk.health().queuedRecords).toBe(0);

    // Restarted while the gateway cannot be reached: the kept config holds from the first record.
    await sdk.shutdown(1000);
    await sdk.init({ endpoint: 'http://127.0.0.1:9', token: INGEST, service, dataDir, batchDelayMs: 60_000, handleProcessEvents: false });
    expect(sdk.health().config).toMatchObject({ telemetryEnabled: false });
    sdk.log('fatal', during);
    expect(sdk.health().queuedRecords).toBe(0);
    await sdk.shutdown(100);
    await sdk.init({ endpoint: gateway.url, token: INGEST, service, dataDir, batchDelayMs: 60_000, handleProcessEvents: false });

    await admin('DELETE', `/api/policies/${kill.id}`);
    await until(() => sdk.health().config.telemetryEnabled, (on) => on, 15_000);
    const again = `again-${randomUUID()}`;
    sdk.log('info', again);
    expect(await sdk.flush(10_000)).toBe(true);
    expect(await stored(again)).toEqual([{ level: 'INFO', session: '' }]);
    // What was queued when the switch came, and what was made under it, never reached the gateway.
    expect([...(await stored(before)), ...(await stored(during))]).toEqual([]);
  }, 60_000);

  it('polls with If-None-Match, keeps its config on a 304, and never polls more often than the served 5 s', async () => {
    const service = `rc-poll-${randomUUID()}`;
    await admin('POST', '/api/policies', { name: service, targeting: { services: [service] }, settings: { minLogLevel: 'warn', sdk: { pollIntervalMs: 5000 } } });
    const { installation } = await start(service, 50);
    const answered = sdk.health().config.answeredMs!;
    const mine = () => polls.filter((p) => p.installation === installation);
    expect(await until(mine, (p) => p.some((x) => x.status === 304), 12_000)).toEqual([
      expect.objectContaining({ revalidating: false, status: 200 }),
      expect.objectContaining({ revalidating: true, status: 304 }),
    ]);
    await until(() => sdk.health().config.answeredMs!, (ms) => ms > answered, 2000);
    expect(sdk.health().config).toMatchObject({ minLogLevel: 'warn', telemetryEnabled: true, answeredMs: expect.any(Number) });
    expect(sdk.health().config.answeredMs).toBeGreaterThan(answered);
    const [first, second] = mine();
    expect(second!.atMs - first!.atMs).toBeGreaterThanOrEqual(4_900);
  }, 30_000);
});

describe('a debug session that needs the user\'s consent', () => {
  /** Starts the SDK with a consent hook the test answers; resolves the installation id and the hook's calls. */
  async function startAsking(service: string) {
    const d = tempDataDir('otelhouse-sdk-consent-');
    dirs.push(d);
    const asked: Array<{ sessionId: string; level: string }> = [];
    let answer!: (yes: boolean) => void;
    const answered = new Promise<boolean>((r) => (answer = r));
    await sdk.init({
      endpoint: gateway.url, token: INGEST, service, dataDir: d.dir, batchDelayMs: 50, handleProcessEvents: false,
      onConsent: (request) => {
        asked.push({ sessionId: request.sessionId, level: request.level });
        return answered;
      },
    });
    await until(() => sdk.health().config.etag, (etag) => etag !== undefined);
    return { installation: readFileSync(join(d.dir, 'installation-id'), 'utf8'), dataDir: d.dir, asked, answer };
  }
  const onDisk = (dir: string) => readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  const bodies = (service: string) => rows<{ body: string; level: string; session: string; ms: string }>(gateway, `SELECT Body AS body, SeverityText AS level,
    ResourceAttributes['otelhouse.debug_session.id'] AS session, toString(toUnixTimestamp64Milli(Timestamp)) AS ms FROM otel_logs WHERE ServiceName = '${service}' ORDER BY Timestamp`);

  it('asks through the app\'s hook; keeps the session\'s records in memory only until yes, then sends them with the time they were made', async () => {
    const service = `rc-consent-yes-${randomUUID()}`;
    await admin('POST', '/api/policies', { name: service, targeting: { services: [service] }, settings: { minLogLevel: 'info', sdk: { pollIntervalMs: 5000 } } });
    const app = await startAsking(service);
    const session = await admin('POST', '/api/debug-sessions', { target: { 'app.installation.id': app.installation }, level: 'debug', requireConsent: true });
    await until(() => app.asked.length, (n) => n > 0);
    expect(app.asked).toEqual([{ sessionId: session.id, level: 'debug' }]);
    expect(sdk.health().config).toMatchObject({ debugSessionId: session.id, consent: 'asking', minLogLevel: 'debug' });
    const before = Date.now();
    for (let i = 0; i < 3; i++) sdk.log('debug', 'before consent');
    // A later millisecond: the rows are read back in time order, and equal times have none.
    await new Promise((r) => setTimeout(r, 5));
    sdk.log('info', 'collected anyway');
    expect(await sdk.flush(10_000)).toBe(true);
    expect((await bodies(service)).map((r) => r.body)).toEqual(['collected anyway']);
    expect(onDisk(app.dataDir)).not.toContain('before consent');

    app.answer(true);
    await until(() => sdk.health().config.consent, (c) => c === 'granted');
    sdk.log('debug', 'after consent');
    expect(await sdk.flush(10_000)).toBe(true);
    const stored = await bodies(service);
    expect(stored.map((r) => [r.body, r.level])).toEqual([
      ['before consent', 'DEBUG'], ['before consent', 'DEBUG'], ['before consent', 'DEBUG'], ['collected anyway', 'INFO'], ['after consent', 'DEBUG'],
    ]);
    expect(stored.filter((r) => r.body !== 'collected anyway').every((r) => r.session === session.id)).toBe(true);
    for (const r of stored.filter((x) => x.body === 'before consent')) expect(Number(r.ms)).toBeLessThan(before + 1000);
    expect(app.asked).toHaveLength(1);
  }, 60_000);

  it('collects nothing of the session on no, and asks once', async () => {
    const service = `rc-consent-no-${randomUUID()}`;
    await admin('POST', '/api/policies', { name: service, targeting: { services: [service] }, settings: { minLogLevel: 'warn', sdk: { pollIntervalMs: 5000 } } });
    const app = await startAsking(service);
    await admin('POST', '/api/debug-sessions', { target: { 'app.installation.id': app.installation }, level: 'trace', requireConsent: true });
    await until(() => app.asked.length, (n) => n > 0);
    sdk.log('debug', 'asked, not answered');
    app.answer(false);
    await until(() => sdk.health().config.consent, (c) => c === 'declined');
    expect(sdk.health().config.minLogLevel).toBe('trace');
    sdk.log('trace', 'declined');
    sdk.log('info', 'declined');
    sdk.log('warn', 'collected anyway');
    expect(await sdk.flush(10_000)).toBe(true);
    // A later poll does not ask again.
    await new Promise((r) => setTimeout(r, 5500));
    expect(app.asked).toHaveLength(1);
    expect((await bodies(service)).map((r) => r.body)).toEqual(['collected anyway']);
    expect(onDisk(app.dataDir)).not.toMatch(/declined|asked, not answered/);
  }, 60_000);
});

describe('the SDK\'s own health reports', () => {
  it('arrive on their interval and are kept whatever level the client\'s policy sets', async () => {
    const service = `rc-health-${randomUUID()}`;
    await admin('POST', '/api/policies', { name: service, targeting: { services: [service] }, settings: { minLogLevel: 'error' } });
    const d = tempDataDir('otelhouse-sdk-health-');
    dirs.push(d);
    await sdk.init({ endpoint: gateway.url, token: INGEST, service, dataDir: d.dir, batchDelayMs: 50, handleProcessEvents: false, healthReportIntervalMs: 300 });
    await until(() => sdk.health().config.minLogLevel, (level) => level === 'error');
    sdk.log('info', 'below the level');
    await new Promise((r) => setTimeout(r, 1000));
    expect(await sdk.flush(10_000)).toBe(true);
    const reports = await rows<{ body: string; severity: number; records: string; etag: string; overflow: string }>(gateway, `SELECT Body AS body, SeverityNumber AS severity,
      LogAttributes['otelhouse.sdk.queue.records'] AS records, LogAttributes['otelhouse.sdk.config.etag'] AS etag, LogAttributes['otelhouse.sdk.dropped.overflow'] AS overflow
      FROM otel_logs WHERE ServiceName = '${service}' ORDER BY Timestamp`);
    // Made by the SDK at INFO, under a policy that keeps errors only: kept by the SDK and the gateway alike.
    expect(reports.length).toBeGreaterThanOrEqual(2);
    for (const r of reports) expect(r).toMatchObject({ body: 'SDK health', severity: 9, overflow: '0' });
    // A report made before the first answer has no ETag yet; the last one has it.
    expect(reports.at(-1)!.etag).toBe(sdk.health().config.etag);
    expect(reports.every((r) => Number(r.records) >= 0)).toBe(true);
  }, 30_000);
});
