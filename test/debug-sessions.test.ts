import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { exportWith, recordLogs } from './support/otel.ts';

const ADMIN = 'admin-token-1234';
const INGEST = 'ingest-token-5678';
const MINUTE = 60_000;

let gateway: Gateway;
/** The control plane's clock: moved forward to end the session without waiting for it. */
let clock = Date.now();

beforeAll(async () => {
  gateway = await startGateway(
    {
      auth: { adminTokens: [ADMIN], ingestTokens: [INGEST] },
      control: {
        refreshMs: 200,
        statsFlushMs: 100,
        autoTriggers: [{ name: 'crashloop', target: 'device.id', minEvents: 3, withinMinutes: 10, sessionMinutes: 15, maxPerHour: 1 }],
      },
    },
    { now: () => clock },
  );
});
afterAll(() => gateway?.shutdown());

async function adminApi<T = any>(path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${gateway.url}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as T };
}

const configFor = (installation: string, etag?: string) =>
  fetch(`${gateway.url}/v1/config?service.name=mobile&app.installation.id=${installation}&telemetry.sdk.language=swift`, {
    headers: { authorization: `Bearer ${INGEST}`, ...(etag ? { 'if-none-match': etag } : {}) },
  });

/** Sends a DEBUG and an INFO log from one installation with the official OTLP/protobuf exporter. */
async function sendLogs(installation: string, round: string): Promise<void> {
  const logs = recordLogs({ 'service.name': 'mobile', 'app.installation.id': installation }, (logger) => {
    logger.emit({ severityNumber: SeverityNumber.DEBUG, severityText: 'DEBUG', body: `${round}: cache state for ${installation}` });
    logger.emit({ severityNumber: SeverityNumber.INFO, severityText: 'INFO', body: `${round}: screen opened on ${installation}` });
  });
  const exporter = new OTLPLogExporter({ url: `${gateway.url}/v1/logs`, headers: { authorization: `Bearer ${INGEST}` } });
  expect((await exportWith(exporter, logs)).code).toBe(0);
}

const stored = (round: string) =>
  rows<{ Body: string; SeverityText: string; session: string }>(
    gateway,
    `SELECT Body, SeverityText, ResourceAttributes['otelhouse.debug_session.id'] AS session FROM otel_logs WHERE startsWith(Body, '${round}:') ORDER BY Body`,
  );

describe('a debug session for one installation', () => {
  let sessionId: string;
  let etagX: string;

  it('keeps every level by default; a fleet policy raises the minimum to INFO', async () => {
    await sendLogs('inst-X', 'r0');
    expect((await stored('r0')).map((r) => r.SeverityText)).toEqual(['DEBUG', 'INFO']);
    const policy = await adminApi('/api/policies', { name: 'production fleet', targeting: { rolloutPercentage: 100 }, settings: { minLogLevel: 'info' } });
    expect(policy.status).toBe(201);
    await new Promise((resolve) => setTimeout(resolve, 500)); // the gate's registries refresh every 200 ms
  });

  it('is opened through the admin API and shows in that client’s /v1/config only', async () => {
    const created = await adminApi('/api/debug-sessions', { target: { 'app.installation.id': 'inst-X' }, level: 'debug', durationMinutes: 30, reason: 'checkout crash report #4411' });
    expect(created.status).toBe(201);
    sessionId = created.body.id;
    expect(created.body.status).toBe('active');

    const x = await configFor('inst-X');
    expect(x.status).toBe(200);
    etagX = x.headers.get('etag')!;
    expect(etagX).toMatch(/^"[^"]+"$/); // strong
    expect(((await x.json()) as { debugSession: { id: string } | null }).debugSession?.id).toBe(sessionId);
    expect((await configFor('inst-X', etagX)).status).toBe(304);

    const y = await configFor('inst-Y');
    expect(((await y.json()) as { debugSession: unknown }).debugSession).toBeNull();
  });

  it('keeps and tags the debug logs of that installation and drops the other’s, counting them in the session’s stats', async () => {
    await sendLogs('inst-X', 'r1');
    await sendLogs('inst-Y', 'r1');
    expect(await stored('r1')).toEqual([
      { Body: 'r1: cache state for inst-X', SeverityText: 'DEBUG', session: sessionId },
      { Body: 'r1: screen opened on inst-X', SeverityText: 'INFO', session: sessionId },
      { Body: 'r1: screen opened on inst-Y', SeverityText: 'INFO', session: '' },
    ]);

    const drops = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(drops).toMatch(/otelhouse_processor_dropped_total\{[^}]*processor="debugsessions"[^}]*reason="below_min_level"[^}]*\} 1/);

    let stats: { logs: number } | undefined;
    for (let i = 0; i < 100 && !(stats && stats.logs >= 2); i++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stats = (await adminApi(`/api/debug-sessions/${sessionId}`)).body.stats;
    }
    expect(stats?.logs).toBe(2);
  });

  it('ends on time: afterwards the installation’s debug logs are dropped again and its config changes', async () => {
    clock += 31 * MINUTE;
    expect((await adminApi(`/api/debug-sessions/${sessionId}`)).body.status).toBe('completed');
    const x = await configFor('inst-X', etagX);
    expect(x.status).toBe(200); // the old ETag no longer matches
    expect(((await x.json()) as { debugSession: unknown }).debugSession).toBeNull();

    await sendLogs('inst-X', 'r2');
    expect(await stored('r2')).toEqual([{ Body: 'r2: screen opened on inst-X', SeverityText: 'INFO', session: '' }]);
  });

  it('is audited with who opened it', async () => {
    const { body } = await adminApi(`/api/audit?entityType=debug_session&entityId=${sessionId}`);
    expect(body.entries).toEqual([expect.objectContaining({ action: 'debug_session.create', actor: expect.stringMatching(/^token:[0-9a-f]{8}$/) })]);
  });
});

describe('an auto-trigger rule', () => {
  /** Sends `n` occurrences of one crash from one device, as exception logs through the official exporter. */
  async function crash(device: string, n: number): Promise<void> {
    const logs = recordLogs({ 'service.name': 'mobile', 'device.id': device }, (logger) => {
      for (let i = 0; i < n; i++) {
        logger.emit({
          severityNumber: SeverityNumber.ERROR,
          severityText: 'ERROR',
          body: 'checkout crashed',
          attributes: { 'exception.type': 'NullPointerException', 'exception.message': `cart was null (attempt ${i})` },
        });
      }
    });
    const exporter = new OTLPLogExporter({ url: `${gateway.url}/v1/logs`, headers: { authorization: `Bearer ${INGEST}` } });
    expect((await exportWith(exporter, logs)).code).toBe(0);
  }

  const sessionsOf = async (device: string) =>
    ((await adminApi('/api/debug-sessions?status=active')).body.sessions as Array<{ id: string; target: Record<string, string>; createdBy: string; reason: string }>).filter(
      (s) => s.target['device.id'] === device,
    );

  async function eventually<T>(probe: () => Promise<T | undefined>): Promise<T> {
    for (let i = 0; i < 200; i++) {
      const value = await probe();
      if (value !== undefined) return value;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('condition not met in time');
  }

  it('opens a debug session for a device that hits one issue N times within M minutes, audited', async () => {
    await crash('dev-1', 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await sessionsOf('dev-1')).toEqual([]); // two are not enough
    await crash('dev-1', 1);
    const [session] = await eventually(async () => ((await sessionsOf('dev-1')).length ? sessionsOf('dev-1') : undefined));
    expect(session).toMatchObject({ createdBy: 'auto-trigger:crashloop', level: 'debug', durationMinutes: 15 });
    expect(session.reason).toMatch(/3 events of issue [0-9a-f]{32} within 10 min/);

    const config = await (await fetch(`${gateway.url}/v1/config?service.name=mobile&device.id=dev-1`, { headers: { authorization: `Bearer ${INGEST}` } })).json();
    expect((config as { debugSession: { id: string } }).debugSession.id).toBe(session.id);
    const { body: audit } = await adminApi(`/api/audit?entityType=debug_session&entityId=${session.id}`);
    expect(audit.entries).toEqual([expect.objectContaining({ action: 'debug_session.create', actor: 'auto-trigger:crashloop' })]);
  });

  it('is capped per hour', async () => {
    await crash('dev-2', 3);
    const metrics = await eventually(async () => {
      const text = await (await fetch(`${gateway.url}/metrics`)).text();
      return /otelhouse_auto_trigger_total\{rule="crashloop",outcome="capped"\} 1/.test(text) ? text : undefined;
    });
    expect(metrics).toMatch(/otelhouse_auto_trigger_total\{rule="crashloop",outcome="opened"\} 1/);
    expect(await sessionsOf('dev-2')).toEqual([]);
  });
});
