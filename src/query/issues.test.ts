import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateConfig } from '../config/load.ts';
import { AuditLog } from '../storage/clickhouse/audit.ts';
import { defaultSchemaOptions, migrate } from '../storage/clickhouse/schema/index.ts';
import { openTestEngine } from '../storage/clickhouse/testing.ts';
import { issuesConfigSchema } from '../issues/config.ts';
import { IssueStore } from '../issues/store/issueStore.ts';
import { insertOccurrences, makeOccurrence } from '../issues/store/testing.ts';
import { IssueTracker } from '../issues/tracker.ts';
import type { Occurrence } from '../issues/types.ts';
import { createLogger } from '../ops/logger.ts';
import { createServer } from '../receiver/server.ts';
import { registerAuditRoutes } from './audit.ts';
import { registerIssueRoutes } from './issues.ts';

const TOKEN = 'admin-token-for-tests';
const ACTOR = `token:${createHash('sha256').update(TOKEN).digest('hex').slice(0, 8)}`;
const DAY_S = 86_400;
const engine = openTestEngine();
const config = issuesConfigSchema.parse({});
const issues = new IssueStore(engine.client, { database: 'otel', config });
const audit = new AuditLog(engine.client, { database: 'otel' });
const tracker = new IssueTracker({ store: issues, audit, config });
const serverConfig = validateConfig({ logLevel: 'silent', auth: { adminTokens: [TOKEN] } });
const app = createServer(serverConfig, createLogger(serverConfig));
registerIssueRoutes(app, { issues, tracker, audit });
registerAuditRoutes(app, { audit });

const auth = { authorization: `Bearer ${TOKEN}` };
const get = async (url: string) => {
  const res = await app.inject({ method: 'GET', url, headers: auth });
  return { status: res.statusCode, body: res.json() };
};
const patch = async (fingerprint: string, payload: unknown, headers: Record<string, string> = {}) => {
  const res = await app.inject({
    method: 'PATCH',
    url: `/api/issues/${encodeURIComponent(fingerprint)}`,
    headers: { ...auth, 'content-type': 'application/json', ...headers },
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
  });
  return { status: res.statusCode, body: res.json() };
};
const fps = (body: { issues: Array<{ fingerprint: string }> }) => body.issues.map((i) => i.fingerprint);

const seed: Record<string, Occurrence[]> = {
  'fp-a': [1, 2, 3].map((i) => makeOccurrence({ fingerprint: 'fp-a', secondsAgo: 10 + i, userId: `u${i}` })),
  'fp-b': [makeOccurrence({ fingerprint: 'fp-b', service: 'cart', environment: 'staging', version: '2.0.0', secondsAgo: 5 * DAY_S })],
  'fp-c': [
    makeOccurrence({ fingerprint: 'fp-c', version: '1.1.0', secondsAgo: 2 * DAY_S, severity: 'warning' }),
    ...[1, 2, 3, 4].map((i) => makeOccurrence({ fingerprint: 'fp-c', version: '1.1.0', secondsAgo: 100 + i, severity: 'fatal' })),
  ],
  'fp-d': [makeOccurrence({ fingerprint: 'fp-d', secondsAgo: 200, userId: '' }), makeOccurrence({ fingerprint: 'fp-d', secondsAgo: 201, userId: '' })],
};

beforeAll(async () => {
  await migrate(engine.client, { ...defaultSchemaOptions, database: 'otel' });
  let n = 0;
  for (const occurrences of Object.values(seed)) {
    await insertOccurrences(engine.client, 'otel', occurrences, `api-${++n}`);
    await tracker.observe(occurrences);
  }
  await tracker.command('fp-d', [{ kind: 'ignore' }], 'seed');
  await app.ready();
});
afterAll(async () => {
  await app.close();
  await engine.close();
});

describe('GET /api/issues', () => {
  it('needs the admin token', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/issues' })).statusCode).toBe(401);
  });

  it('lists issues by last seen, newest first, with their summaries', async () => {
    const { status, body } = await get('/api/issues');
    expect(status).toBe(200);
    expect(fps(body)).toEqual(['fp-a', 'fp-c', 'fp-d', 'fp-b']);
    expect(body.issues[0]).toMatchObject({
      fingerprint: 'fp-a', title: "TypeError: Cannot read properties of undefined (reading 'id')", service: 'checkout',
      environment: 'production', status: 'new', severity: 'error', events: 3, users: 3, versions: ['1.0.0'], assignee: '',
      culprit: 'charge (/app/src/pay.js)',
    });
    expect(body.issues[0].lastSeen).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(body.nextCursor).toBeNull();
  });

  it.each([
    ['service=cart', ['fp-b']],
    ['environment=staging', ['fp-b']],
    ['version=1.1.0', ['fp-c']],
    ['status=ignored', ['fp-d']],
    ['status=new,ignored', ['fp-a', 'fp-d']],
    ['status=unresolved', ['fp-a', 'fp-c', 'fp-b']],
    ['status=ongoing', ['fp-c', 'fp-b']],
    ['status=resolved', []],
    ['status=', ['fp-a', 'fp-c', 'fp-d', 'fp-b']], // an empty list filters nothing
    ['service=checkout&status=new', ['fp-a']],
    [`from=${Date.now() - 3 * DAY_S * 1000}`, ['fp-a', 'fp-c', 'fp-d']],
    [`to=${new Date(Date.now() - 4 * DAY_S * 1000).toISOString()}`, ['fp-b']],
    ['sort=events', ['fp-c', 'fp-a', 'fp-d', 'fp-b']],
    ['sort=users&order=desc', ['fp-a', 'fp-c', 'fp-b', 'fp-d']],
    ['sort=first_seen&order=asc', ['fp-b', 'fp-c', 'fp-d', 'fp-a']],
  ])('filters and sorts: %s', async (query, expected) => {
    const { status, body } = await get(`/api/issues?${query}`);
    expect(status).toBe(200);
    expect(fps(body)).toEqual(expected);
  });

  it('shows an issue first seen two days ago as ongoing, and its highest severity', async () => {
    const { body } = await get('/api/issues?version=1.1.0');
    expect(body.issues[0]).toMatchObject({ status: 'ongoing', severity: 'fatal', events: 5, users: 1 });
  });

  it.each(['last_seen', 'events', 'users', 'first_seen'])('pages through every issue once, sorted by %s', async (sort) => {
    const all = fps((await get(`/api/issues?sort=${sort}`)).body);
    const paged: string[] = [];
    let cursor: string | null = null;
    do {
      const { body } = await get(`/api/issues?sort=${sort}&limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...fps(body));
      cursor = body.nextCursor;
    } while (cursor && paged.length <= all.length);
    expect(paged).toEqual(all);
  });

  it.each([
    ['limit=100000', 'limit'],
    ['limit=0', 'limit'],
    ['limit=-1', 'limit'],
    ['limit=abc', 'limit'],
    ['from=yesterday', 'from'],
    ['from=2026-13-45T99:99:99Z', 'from'],
    ['to=99999999999999999999', 'to'],
    [`from=${Date.now()}&to=${Date.now() - 1000}`, 'from'],
    ['status=bogus', 'status'],
    ['sort=Fingerprint;DROP TABLE otel.otelhouse_issue_state', 'sort'],
    ['order=sideways', 'order'],
    ['cursor=garbage', 'cursor'],
    ['service=a&service=b', 'service'],
    ['tenant=x', ''],
  ])('refuses %s with 400 naming the field', async (query, field) => {
    const { status, body } = await get(`/api/issues?${query}`);
    expect(status).toBe(400);
    if (field) expect(body.field).toBe(field);
  });

  it.each([
    "service=x' OR 1=1 --",
    'environment=") UNION SELECT * FROM system.users --',
    'version=%00%01',
    `service=${'x'.repeat(256)}`,
  ])('treats SQL-looking filter values as plain values: %s', async (query) => {
    const { status, body } = await get(`/api/issues?${query.replace(/ /g, '%20').replace(/'/g, '%27').replace(/"/g, '%22')}`);
    expect(status).toBe(200);
    expect(body.issues).toEqual([]);
  });
});

describe('GET /api/issues/:fingerprint', () => {
  it('returns stats, state, versions, the latest event and a 14-day timeline by severity', async () => {
    const { status, body } = await get('/api/issues/fp-c');
    expect(status).toBe(200);
    expect(body.issue).toMatchObject({ fingerprint: 'fp-c', events: 5, status: 'ongoing' });
    expect(body.stats).toMatchObject({ events: 5, users: 1, services: ['checkout'], environments: ['production'], highestEventSeverity: 'fatal' });
    expect(body.versions).toEqual(['1.1.0']);
    expect(body.state).toMatchObject({ status: 'ongoing', storedStatus: 'ongoing', resolution: null, ignore: null, assignee: null, notes: [] });
    expect(body.latestEvent).toMatchObject({ fingerprint: 'fp-c', severity: 'fatal', version: '1.1.0', stacktrace: expect.stringContaining('pay.js') });
    expect(body.timeline).toHaveLength(14);
    expect(body.timeline.at(-1)).toMatchObject({ day: new Date().toISOString().slice(0, 10) });
    const sum = (key: string) => body.timeline.reduce((n: number, d: Record<string, number>) => n + d[key]!, 0);
    expect([sum('warning'), sum('fatal'), sum('total')]).toEqual([1, 4, 5]);
  });

  it.each(['fp-nowhere', "fp' OR '1'='1"])('answers 404 for an unknown issue %j', async (fp) => {
    const { status, body } = await get(`/api/issues/${encodeURIComponent(fp)}`);
    expect(status).toBe(404);
    expect(body.title).toBe('Not Found');
  });

  it('refuses an absurdly long fingerprint before routing it', async () => {
    expect((await get(`/api/issues/${'f'.repeat(600)}`)).status).toBe(414); // fastify's maxParamLength
  });
});

describe('GET /api/issues/:fingerprint/events', () => {
  it('pages events newest first', async () => {
    const first = await get('/api/issues/fp-c/events?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.events).toHaveLength(2);
    const rest = await get(`/api/issues/fp-c/events?limit=10&cursor=${first.body.nextCursor}`);
    expect(rest.body.events).toHaveLength(3);
    expect(rest.body.nextCursor).toBeNull();
    const times = [...first.body.events, ...rest.body.events].map((e: { timeUnixNano: string }) => BigInt(e.timeUnixNano));
    expect(times).toEqual([...times].sort((a, b) => (a > b ? -1 : 1)));
    expect(rest.body.events.at(-1).severity).toBe('warning');
  });

  it('answers 404 for an unknown issue and 400 for a bad cursor', async () => {
    expect((await get('/api/issues/fp-nowhere/events')).status).toBe(404);
    expect((await get('/api/issues/fp-c/events?cursor=WyIxIiwxXQ')).status).toBe(400);
  });
});

describe('PATCH /api/issues/:fingerprint', () => {
  it('resolves in a version, assigns and notes in one request, recorded under the token actor', async () => {
    const { status, body } = await patch('fp-a', { status: 'resolved', resolution: { inVersion: '1.0.1' }, assignee: 'dana', note: 'fixed in #42' });
    expect(status).toBe(200);
    expect(body.state).toMatchObject({
      status: 'resolved', resolution: { inVersion: '1.0.1' }, assignee: 'dana', updatedBy: ACTOR,
      notes: [{ author: ACTOR, text: 'fixed in #42' }],
    });
    expect(body.issue).toMatchObject({ fingerprint: 'fp-a', status: 'resolved', assignee: 'dana' });
    expect((await get('/api/issues?status=resolved')).body.issues.map((i: { fingerprint: string }) => i.fingerprint)).toEqual(['fp-a']);
  });

  it('answers 409 for an impossible transition', async () => {
    const { status, body } = await patch('fp-a', { status: 'resolved', resolution: { inVersion: '1.0.1' } });
    expect(status).toBe(409);
    expect(body.detail).toContain('already resolved');
    expect((await patch('fp-c', { status: 'unresolved' })).status).toBe(409);
  });

  it('reopens on behalf of the X-Otelhouse-Actor, recorded after the token name', async () => {
    const { status, body } = await patch('fp-a', { status: 'unresolved' }, { 'x-otelhouse-actor': 'alice@example.com' });
    expect(status).toBe(200);
    expect(body.state).toMatchObject({ status: 'ongoing', updatedBy: `${ACTOR} on behalf of alice@example.com`, resolution: null });
  });

  it('ignores for a duration and until more events', async () => {
    const { body } = await patch('fp-c', { status: 'ignored', ignore: { forMs: 3_600_000, untilEvents: 10 } });
    expect(body.state).toMatchObject({ status: 'ignored', ignore: { untilEvents: 10, eventsAtIgnore: 5 } });
    expect(Date.parse(body.state.ignore.until)).toBeGreaterThan(Date.now());
  });

  it('lists an ignored issue as ongoing once its time has passed or its events have come', async () => {
    const later = new IssueStore(engine.client, { database: 'otel', config, now: () => Date.now() + 2 * 3_600_000 });
    expect((await later.list({ statuses: ['ongoing'], limit: 10 })).items.map((i) => i.fingerprint)).toContain('fp-c');
    expect(fps((await get('/api/issues?status=ignored')).body)).toEqual(['fp-c', 'fp-d']);

    await patch('fp-b', { status: 'ignored', ignore: { untilEvents: 1 } });
    expect(fps((await get('/api/issues?status=ignored')).body)).toContain('fp-b');
    await insertOccurrences(engine.client, 'otel', [makeOccurrence({ fingerprint: 'fp-b', service: 'cart', secondsAgo: 4 * DAY_S })], 'api-more-b');
    expect(fps((await get('/api/issues?status=ignored')).body)).not.toContain('fp-b');
    expect((await get('/api/issues/fp-b')).body.issue.status).toBe('ongoing');
  });

  it.each<[string, unknown, string | undefined]>([
    ['an invalid semver', { status: 'resolved', resolution: { inVersion: 'next' } }, 'resolution.inVersion'],
    ['an unknown status', { status: 'archived' }, 'status'],
    ['an unknown field', { status: 'resolved', owner: 'x' }, undefined],
    ['resolution without status resolved', { resolution: { inVersion: '1.0.0' } }, 'resolution'],
    ['ignore without status ignored', { status: 'resolved', ignore: {} }, 'ignore'],
    ['both untilMs and forMs', { status: 'ignored', ignore: { untilMs: Date.now() + 1e6, forMs: 1000 } }, 'ignore.forMs'],
    ['untilMs in the past', { status: 'ignored', ignore: { untilMs: 1000 } }, 'ignore.untilMs'],
    ['a fractional event count', { status: 'ignored', ignore: { untilEvents: 2.5 } }, 'ignore.untilEvents'],
    ['an empty change', {}, undefined],
    ['a number as assignee', { assignee: 42 }, 'assignee'],
    ['a huge note', { note: 'x'.repeat(5000) }, 'note'],
    ['malformed JSON', '{"status":', undefined],
  ])('answers 400 for %s', async (_name, payload, field) => {
    const { status, body } = await patch('fp-b', payload);
    expect(status).toBe(400);
    if (field) expect(body.field).toBe(field);
  });

  it('answers 404 for an unknown issue, 415 for a non-JSON body, 400 for a bad actor header', async () => {
    expect((await patch('fp-nowhere', { status: 'resolved' })).status).toBe(404);
    expect((await patch('fp-b', 'status=resolved', { 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(415);
    expect((await patch('fp-b', { status: 'resolved' }, { 'x-otelhouse-actor': ' ' })).status).toBe(400);
  });
});

describe('GET /api/audit', () => {
  it('shows who changed what, with before and after, newest first', async () => {
    const { status, body } = await get('/api/audit?entityType=issue&entityId=fp-a');
    expect(status).toBe(200);
    expect(body.entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['issue.reopen', `${ACTOR} on behalf of alice@example.com`],
      ['issue.note', ACTOR],
      ['issue.assign', ACTOR],
      ['issue.resolve', ACTOR],
      ['issue.open', 'system'],
    ]);
    const resolve = body.entries[3];
    expect(resolve.before).toMatchObject({ status: 'new', resolvedInVersion: '' });
    expect(resolve.after).toMatchObject({ status: 'resolved', resolvedInVersion: '1.0.1' });
    expect(resolve.time).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('filters by actor and time, pages, and matches the issue history route', async () => {
    const actions = async (query: string) => (await get(`/api/audit?${query}`)).body.entries.map((e: { action: string; entityId: string }) => `${e.action} ${e.entityId}`);
    const all = await actions(`actor=${encodeURIComponent(ACTOR)}`);
    expect(all).toEqual(['issue.ignore fp-b', 'issue.ignore fp-c', 'issue.note fp-a', 'issue.assign fp-a', 'issue.resolve fp-a']);
    const first = await get(`/api/audit?actor=${encodeURIComponent(ACTOR)}&limit=3`);
    expect(first.body.entries).toHaveLength(3);
    expect(await actions(`actor=${encodeURIComponent(ACTOR)}&limit=3&cursor=${first.body.nextCursor}`)).toEqual(all.slice(3));
    expect((await get(`/api/audit?since=${Date.now() + 60_000}`)).body.entries).toEqual([]);
    const history = await get('/api/issues/fp-a/history');
    expect(history.body.entries).toEqual((await get('/api/audit?entityType=issue&entityId=fp-a')).body.entries);
  });

  it.each(['limit=5000', 'since=tomorrow', 'cursor=%27', `since=${Date.now()}&until=1`, 'entityType='])('refuses %s with 400', async (query) => {
    expect((await get(`/api/audit?${query}`)).status).toBe(400);
  });
});
