import { afterAll, describe, expect, it } from 'vitest';

import { validateConfig } from '../config/load.ts';
import { createLogger } from '../ops/logger.ts';
import { createServer } from '../receiver/server.ts';
import { identityFromQuery, ifNoneMatch, registerClientConfigRoute } from './clientConfig.ts';
import type { CollectionPolicy } from './policies/model.ts';
import { PolicyRegistry } from './policies/registry.ts';
import { ConfigResolver } from './policies/resolve.ts';
import { SessionRegistry } from './sessions/registry.ts';
import { identity, makePolicy, makeSession, MINUTE } from './testing.ts';

const INGEST = 'ingest-token-for-tests';
const config = validateConfig({ logLevel: 'silent', auth: { adminTokens: ['admin-token-for-tests'], ingestTokens: [INGEST] } });
const app = createServer(config, createLogger(config));
const policies: CollectionPolicy[] = [];
const policyRegistry = new PolicyRegistry({ all: async () => policies });
const sessionRegistry = new SessionRegistry({ live: async () => [], addStats: async () => {} });
registerClientConfigRoute(app, { resolver: new ConfigResolver(policyRegistry, sessionRegistry) });
afterAll(() => app.close());

const poll = async (query: string, headers: Record<string, string> = {}) => {
  const res = await app.inject({ method: 'GET', url: `/v1/config?${query}`, headers: { authorization: `Bearer ${INGEST}`, ...headers } });
  return { status: res.statusCode, headers: res.headers, body: res.body ? (res.json() as Record<string, any>) : undefined };
};
const client = 'service.name=shop&service.version=2.1.0&app.installation.id=inst-42&telemetry.sdk.language=webjs';

describe('GET /v1/config', () => {
  it('needs the ingest token, and says so in a problem body', async () => {
    const res = await app.inject({ method: 'GET', url: `/v1/config?${client}`, headers: { accept: 'application/json' } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ status: 401, detail: expect.stringMatching(/^missing ingest token/) });
  });

  it('answers the effective config with a strong ETag, to be revalidated on every poll', async () => {
    const { status, headers, body } = await poll(client);
    expect(status).toBe(200);
    expect(headers['content-type']).toBe('application/json; charset=utf-8');
    expect(headers['cache-control']).toBe('private, no-cache');
    expect(headers.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(body).toEqual({
      telemetryEnabled: true, minLogLevel: 'trace', sampling: { tracesPercentage: 100, logsPercentage: 100, logsPerMinute: 0 },
      sdk: { maxBatchSize: 512, flushIntervalMs: 5000, maxQueueSize: 2048, pollIntervalMs: 60000 }, sdkFromPolicies: [], debugSession: null, policies: [],
    });
  });

  it.each([
    ['the same ETag', (etag: string) => etag, 304],
    ['the ETag among others', (etag: string) => `"other", ${etag}`, 304],
    ['the weak form of the ETag', (etag: string) => `W/${etag}`, 304],
    ['*', () => '*', 304],
    ['another ETag', () => '"stale"', 200],
  ])('answers If-None-Match with %s → %d', async (_name, header, status) => {
    const { headers } = await poll(client);
    const res = await poll(client, { 'if-none-match': header(headers.etag as string) });
    expect(res.status).toBe(status);
    expect(res.headers.etag).toBe(headers.etag);
    if (status === 304) expect(res.body).toBeUndefined();
  });

  it('changes the answer and its ETag when a policy or a debug session for the client appears', async () => {
    const before = await poll(client);
    policies.push(makePolicy({ id: 'pol_web', targeting: { platforms: ['webjs'], appVersions: '>=2.0.0', rolloutPercentage: 100 }, settings: { minLogLevel: 'warn', sdk: { pollIntervalMs: 120_000 } } }));
    await policyRegistry.refresh();
    const withPolicy = await poll(client, { 'if-none-match': before.headers.etag as string });
    expect(withPolicy.status).toBe(200);
    expect(withPolicy.body).toMatchObject({ minLogLevel: 'warn', policies: ['pol_web'], sdk: { pollIntervalMs: 120_000 } });

    const session = makeSession({ target: { 'app.installation.id': 'inst-42', 'service.name': 'shop' }, level: 'trace', startsAtMs: Date.now() - MINUTE, endsAtMs: Date.now() + 10 * MINUTE });
    sessionRegistry.apply(session);
    const withSession = await poll(client, { 'if-none-match': withPolicy.headers.etag as string });
    expect(withSession.status).toBe(200);
    expect(withSession.body).toMatchObject({ minLogLevel: 'trace', sdk: { pollIntervalMs: 15_000 }, debugSession: { id: session.id, level: 'trace' } });
    // Another client of the same app does not get the session.
    expect((await poll(client.replace('inst-42', 'inst-43'))).body?.debugSession).toBeNull();
  });

  it('reads the identity from attribute names or short aliases', () => {
    expect(identityFromQuery({ platform: 'Swift', environment: 'Prod', channel: 'BETA', country: 'de' })).toEqual(
      identity({ platform: 'swift', environment: 'prod', channel: 'beta', country: 'DE' }),
    );
    expect(identityFromQuery({ environment: 'a', 'deployment.environment.name': 'b' }).environment).toBe('b');
  });

  it.each([
    ['a repeated parameter', 'user.id=a&user.id=b', 'user.id'],
    ['an over-long value', `device.id=${'x'.repeat(257)}`, 'device.id'],
  ])('refuses %s with a problem naming it', async (_name, query, field) => {
    const { status, body } = await poll(query);
    expect(status).toBe(400);
    expect(body).toMatchObject({ status: 400, field });
  });

  it('accepts every documented parameter at once', async () => {
    const names = ['service.name', 'service.version', 'app.installation.id', 'device.id', 'user.id', 'session.id', 'telemetry.sdk.language',
      'deployment.environment.name', 'otelhouse.release.channel', 'geo.country.iso_code', 'platform', 'deployment.environment', 'environment',
      'channel', 'release.channel', 'country'];
    const { status } = await poll(names.map((name) => `${name}=x`).join('&'));
    expect(status).toBe(200);
  });

  it.each([
    ['a misspelt parameter', 'service_name=shop', ['service_name']],
    ['several unknown parameters beside known ones', `${client}&sdk.future=1&servicename=shop`, ['sdk.future', 'servicename']],
  ])('refuses %s with a 400 problem naming every unknown one', async (_name, query, unknown) => {
    const { status, headers, body } = await poll(query);
    expect(status).toBe(400);
    expect(headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(body).toMatchObject({ type: 'about:blank', title: 'Bad Request', status: 400, field: unknown[0] });
    for (const name of unknown) expect(body?.detail).toContain(`"${name}"`);
    expect(body?.detail).toContain('service.name');
  });

  it('compares If-None-Match as RFC 9110 says', () => {
    expect(ifNoneMatch(undefined, '"a"')).toBe(false);
    expect(ifNoneMatch('"a" , "b"', '"b"')).toBe(true);
    expect(ifNoneMatch('"ab"', '"a"')).toBe(false);
  });
});
