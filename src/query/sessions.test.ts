import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateConfig } from '../config/load.ts';
import { AuditLog } from '../storage/clickhouse/audit.ts';
import { SessionRegistry } from '../control/sessions/registry.ts';
import { SessionService, type AuditSink } from '../control/sessions/service.ts';
import { SessionStore } from '../control/sessions/store.ts';
import { identity, openControlEngine } from '../control/testing.ts';
import type { TestEngine } from '../storage/clickhouse/testing.ts';
import { createLogger } from '../ops/logger.ts';
import { createServer } from '../receiver/server.ts';
import { registerSessionRoutes } from './sessions.ts';

const TOKEN = 'admin-token-for-tests';
const OTHER_TOKEN = 'second-admin-token';
/** The name the admin token acts under in the audit log. */
const ACTOR = 'oncall-alice';
const config = validateConfig({ logLevel: 'silent', auth: { adminTokens: [{ name: ACTOR, token: TOKEN }, OTHER_TOKEN], ingestTokens: ['ingest-token-for-tests'] } });

let engine: TestEngine;
let audit: AuditLog;
let registry: SessionRegistry;
let store: SessionStore;
const app = createServer(config, createLogger(config));
const limited = createServer(config, createLogger(config));
const windowed = createServer(config, createLogger(config));
let windowClock = 1_800_000_000_000;

beforeAll(async () => {
  engine = await openControlEngine('otel');
  store = new SessionStore(engine.client, { database: 'otel' });
  audit = new AuditLog(engine.client, { database: 'otel' });
  const sink: AuditSink = audit; // the audit log satisfies the interface the control plane declares
  registry = new SessionRegistry(store);
  const sessions = new SessionService({ store, registry, audit: sink });
  registerSessionRoutes(app, { sessions, store, createsPerHour: 1000 });
  registerSessionRoutes(limited, { sessions, store, createsPerHour: 2 });
  registerSessionRoutes(windowed, { sessions: new SessionService({ store, registry, audit, now: () => windowClock }), store, createsPerHour: 2, now: () => windowClock });
});
afterAll(async () => {
  await Promise.all([app.close(), limited.close(), windowed.close(), registry.shutdown()]);
  await engine.close();
});

type Json = Record<string, any>;
async function call(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: unknown, headers: Record<string, string> = {}, server = app) {
  const res = await server.inject({
    method, url,
    headers: { authorization: `Bearer ${TOKEN}`, ...(payload !== undefined && { 'content-type': 'application/json' }), ...headers },
    ...(payload !== undefined && { payload: typeof payload === 'string' ? payload : JSON.stringify(payload) }),
  });
  return { status: res.statusCode, headers: res.headers, body: (res.body ? res.json() : undefined) as Json };
}
const create = (body: unknown, headers?: Record<string, string>) => call('POST', '/api/debug-sessions', body, headers);

describe('creating a debug session', () => {
  it('answers 201 with the active session, its defaults and zero stats, and audits it', async () => {
    const { status, headers, body } = await create({ target: { 'app.installation.id': 'inst-create', 'service.name': 'shop' }, reason: 'login crash' });
    expect(status).toBe(201);
    expect(headers.location).toBe(`/api/debug-sessions/${body.id}`);
    expect(body).toMatchObject({
      id: expect.stringMatching(/^ds_[0-9a-f]{24}$/), status: 'active', target: { 'app.installation.id': 'inst-create', 'service.name': 'shop' },
      level: 'debug', capture: { logs: true, spans: true, network: false }, durationMinutes: 60, reason: 'login crash', consent: null,
      createdBy: ACTOR, pausedAt: null, cancelledAt: null, endedAt: null, stats: { logs: 0, spans: 0, errors: 0, lastSeenAt: null },
    });
    expect(Date.parse(body.endsAt) - Date.parse(body.startsAt)).toBe(3_600_000);
    expect(registry.activeFor(identity({ installationId: 'inst-create', service: 'shop' }))?.id).toBe(body.id);
    const { items } = await audit.list({ entityType: 'debug_session', entityId: body.id, limit: 10 });
    expect(items).toEqual([expect.objectContaining({ actor: ACTOR, action: 'debug_session.create', before: null, after: expect.objectContaining({ id: body.id, status: 'active' }) })]);
  });

  it('records the X-Otelhouse-Actor header as on behalf of, after the token name it cannot replace', async () => {
    const { body } = await create({ target: { 'user.id': 'u-actor' } }, { 'x-otelhouse-actor': 'alice@example.com' });
    expect(body.createdBy).toBe(`${ACTOR} on behalf of alice@example.com`);
  });

  it('records a token given without a name as token:<8 hex of its SHA-256>', async () => {
    const { body } = await create({ target: { 'user.id': 'u-unnamed' } }, { authorization: `Bearer ${OTHER_TOKEN}` });
    expect(body.createdBy).toBe(`token:${createHash('sha256').update(OTHER_TOKEN).digest('hex').slice(0, 8)}`);
  });

  it.each([
    ['an unknown field', { target: { 'user.id': 'u' }, colour: 'red' }, 'colour'],
    ['an unknown target attribute', { target: { 'user.id': 'u', 'user.email': 'a@b' } }, 'target.user.email'],
    ['an empty target', { target: {} }, 'target'],
    ['a target with only a service', { target: { 'service.name': 'shop' } }, 'target'],
    ['no target', { level: 'debug' }, 'target'],
    ['a target that is not an object', { target: 'user-1' }, 'target'],
    ['an empty target value', { target: { 'user.id': '' } }, 'target.user.id'],
    ['a control character in a target value', { target: { 'device.id': 'a\nb' } }, 'target.device.id'],
    ['an unknown level', { target: { 'user.id': 'u' }, level: 'verbose' }, 'level'],
    ['a level of the wrong type', { target: { 'user.id': 'u' }, level: 5 }, 'level'],
    ['a duration as text', { target: { 'user.id': 'u' }, durationMinutes: '60' }, 'durationMinutes'],
    ['a 25-hour duration', { target: { 'user.id': 'u' }, durationMinutes: 25 * 60 }, 'durationMinutes'],
    ['a fractional duration', { target: { 'user.id': 'u' }, durationMinutes: 1.5 }, 'durationMinutes'],
    ['a capture flag that is not a boolean', { target: { 'user.id': 'u' }, capture: { logs: 'yes' } }, 'capture.logs'],
    ['a startsAt that is not a time', { target: { 'user.id': 'u' }, startsAt: 'tomorrow' }, 'startsAt'],
    ['a startsAt in the past', { target: { 'user.id': 'u' }, startsAt: Date.now() - 3_600_000 }, 'startsAt'],
    ['consent without a method', { target: { 'user.id': 'u' }, consent: { reference: 'x' } }, 'consent.method'],
  ])('refuses %s with a 400 naming the field', async (_name, body, field) => {
    const { status, body: problem, headers } = await create(body);
    expect(status).toBe(400);
    expect(headers['content-type']).toContain('application/problem+json');
    expect(problem).toMatchObject({ status: 400, title: 'Bad Request' });
    expect(problem.field).toBe(field);
    expect(problem.detail).toContain(field);
  });

  it('refuses a body that is not JSON (400) or not declared JSON (415)', async () => {
    expect((await create('{nope')).status).toBe(400);
    const res = await app.inject({ method: 'POST', url: '/api/debug-sessions', headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/plain' }, payload: '{}' });
    expect(res.statusCode).toBe(415);
  });

  it('needs the admin token', async () => {
    expect((await create({ target: { 'user.id': 'u' } }, { authorization: 'Bearer ingest-token-for-tests' })).status).toBe(401);
  });

  it('limits creations per admin token: 429 with Retry-After past the limit, other tokens unaffected', async () => {
    const post = (token: string) => call('POST', '/api/debug-sessions', { target: { 'user.id': 'u-rate' } }, { authorization: `Bearer ${token}` }, limited);
    expect((await post(TOKEN)).status).toBe(201);
    expect((await post(TOKEN)).status).toBe(201);
    const refused = await post(TOKEN);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(1000); // a token comes back every 30 minutes
    expect(refused.body).toMatchObject({ status: 429, title: 'Too Many Requests' });
    expect((await post(OTHER_TOKEN)).status).toBe(201);
  });

  it('never lets one hour hold more than the limit, and counts only sessions actually created', async () => {
    const post = (body: unknown) => call('POST', '/api/debug-sessions', body, {}, windowed);
    const valid = { target: { 'user.id': 'u-window' } };
    expect((await post({ target: {} })).status).toBe(400); // refused input uses up nothing
    expect((await post(valid)).status).toBe(201);
    windowClock += 30 * 60_000;
    expect((await post(valid)).status).toBe(201);
    windowClock += 29 * 60_000;
    const refused = await post(valid);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBe(60); // the first creation leaves the hour in a minute
    windowClock += 60_000;
    expect((await post(valid)).status).toBe(201);
  });
});

describe('listing and reading sessions', () => {
  it('filters by target, status and creator, in pages, with stats', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await create({ target: { 'device.id': 'dev-list' }, level: i === 0 ? 'trace' : 'debug' })).body.id);
    await call('POST', `/api/debug-sessions/${ids[0]}/pause`);
    registry.record(ids[1], 7, 3, 2);
    await registry.stats.flush();

    const all = await call('GET', '/api/debug-sessions?device.id=dev-list&limit=2');
    const next = await call('GET', `/api/debug-sessions?device.id=dev-list&limit=2&cursor=${all.body.nextCursor}`);
    expect([...all.body.sessions, ...next.body.sessions].map((s: Json) => s.id)).toEqual([...ids].reverse());
    expect(next.body.nextCursor).toBeNull();
    const paused = await call('GET', '/api/debug-sessions?device.id=dev-list&status=paused,cancelled');
    expect(paused.body.sessions.map((s: Json) => s.id)).toEqual([ids[0]]);
    expect((await call('GET', `/api/debug-sessions/${ids[1]}`)).body.stats).toEqual({ logs: 7, spans: 3, errors: 2, lastSeenAt: expect.any(String) });
    expect((await call('GET', `/api/debug-sessions?createdBy=${encodeURIComponent(ACTOR)}&device.id=dev-list`)).body.sessions).toHaveLength(3);
  });

  it.each([
    ['an unknown status', 'status=running', 'status'],
    ['a cursor this API did not make', 'cursor=abc', 'cursor'],
    ['an unknown filter', 'colour=red', 'colour'],
    ['a page size over 500', 'limit=501', 'limit'],
  ])('refuses %s with a 400 naming it', async (_name, query, field) => {
    const { status, body } = await call('GET', `/api/debug-sessions?${query}`);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
  });

  it('answers 404 for an unknown session', async () => {
    expect((await call('GET', '/api/debug-sessions/ds_000000000000000000000000')).status).toBe(404);
    expect((await call('POST', '/api/debug-sessions/ds_000000000000000000000000/cancel')).status).toBe(404);
  });
});

describe('changing a session through its lifecycle', () => {
  it('pauses, resumes, extends, updates and cancels, auditing each change with before and after', async () => {
    const { body: created } = await create({ target: { 'user.id': 'u-life' } });
    const id = created.id as string;
    const who = identity({ userId: 'u-life' });

    const paused = await call('POST', `/api/debug-sessions/${id}/pause`);
    expect(paused.body).toMatchObject({ status: 'paused', pausedAt: expect.any(String) });
    expect(registry.activeFor(who)).toBeUndefined();
    expect((await call('POST', `/api/debug-sessions/${id}/pause`)).status).toBe(409);

    expect((await call('POST', `/api/debug-sessions/${id}/resume`)).body).toMatchObject({ status: 'active', pausedAt: null, resumedAt: expect.any(String) });
    expect(registry.activeFor(who)?.id).toBe(id);

    const extended = await call('POST', `/api/debug-sessions/${id}/extend`, { minutes: 30 });
    expect(extended.body.durationMinutes).toBe(90);
    const tooLong = await call('POST', `/api/debug-sessions/${id}/extend`, { minutes: 23 * 60 });
    expect(tooLong).toMatchObject({ status: 400, body: { field: 'minutes' } });
    expect((await call('POST', `/api/debug-sessions/${id}/extend`, { minutes: 0 })).body.field).toBe('minutes');

    const updated = await call('PATCH', `/api/debug-sessions/${id}`, { level: 'trace', capture: { network: true }, consent: { method: 'support_ticket', reference: 'T-9' } });
    expect(updated.body).toMatchObject({ level: 'trace', capture: { logs: true, spans: true, network: true }, consent: { method: 'support_ticket', reference: 'T-9' } });
    expect((await call('PATCH', `/api/debug-sessions/${id}`, {})).status).toBe(400);
    expect((await call('PATCH', `/api/debug-sessions/${id}`, { target: { 'user.id': 'x' } })).status).toBe(400);

    const cancelled = await call('POST', `/api/debug-sessions/${id}/cancel`, undefined, { 'x-otelhouse-actor': 'bob' });
    expect(cancelled.body).toMatchObject({ status: 'cancelled', cancelledBy: `${ACTOR} on behalf of bob`, endedAt: cancelled.body.cancelledAt });
    expect(registry.activeFor(who)).toBeUndefined();
    expect((await call('POST', `/api/debug-sessions/${id}/resume`)).status).toBe(409);
    expect((await call('PATCH', `/api/debug-sessions/${id}`, { reason: 'late' })).status).toBe(409);

    const { items } = await audit.list({ entityType: 'debug_session', entityId: id, limit: 20 });
    expect(items.map((e) => e.action).reverse()).toEqual([
      'debug_session.create', 'debug_session.pause', 'debug_session.resume', 'debug_session.extend', 'debug_session.update', 'debug_session.cancel',
    ]);
    expect(items[0]).toMatchObject({ actor: `${ACTOR} on behalf of bob`, before: expect.objectContaining({ status: 'active' }), after: expect.objectContaining({ status: 'cancelled' }) });
  });
});

describe('commands sent at once on one session', () => {
  it('run in turn: both of two concurrent extends count, and a cancel racing a pause is never undone', async () => {
    // A store whose reads are slow, so unserialized commands would both read the same version.
    const slow = Object.create(store) as SessionStore;
    slow.get = async (id: string) => {
      const found = await store.get(id);
      await new Promise((resolve) => setTimeout(resolve, 30));
      return found;
    };
    const sessions = new SessionService({ store: slow, registry, audit });
    const session = await sessions.create({ target: { 'user.id': 'u-race' }, level: 'debug', capture: {}, durationMinutes: 60, reason: '', requireConsent: false }, 'test');
    await Promise.all([sessions.command(session.id, { kind: 'extend', minutes: 30 }, 'a'), sessions.command(session.id, { kind: 'extend', minutes: 30 }, 'b')]);
    expect(((await store.get(session.id))!.endsAtMs - session.startsAtMs) / 60_000).toBe(120);

    const [cancel, pause] = await Promise.allSettled([sessions.command(session.id, { kind: 'cancel' }, 'a'), sessions.command(session.id, { kind: 'pause' }, 'b')]);
    expect(cancel.status).toBe('fulfilled');
    expect(pause.status).toBe('rejected'); // pausing a cancelled session is refused, not applied on top of it
    expect((await store.get(session.id))!.cancelledAtMs).toBeGreaterThan(0);
  });
});
