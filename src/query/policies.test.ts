import { createHash } from 'node:crypto';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { validateConfig } from '../config/load.ts';
import { AuditLog } from '../storage/clickhouse/audit.ts';
import { previewPolicy } from '../control/policies/preview.ts';
import { PolicyRegistry } from '../control/policies/registry.ts';
import { PolicyService } from '../control/policies/service.ts';
import { PolicyStore } from '../control/policies/store.ts';
import { openControlEngine } from '../control/testing.ts';
import { makeLog, type TestEngine } from '../storage/clickhouse/testing.ts';
import { createLogger } from '../ops/logger.ts';
import { createServer } from '../receiver/server.ts';
import { registerPolicyRoutes } from './policies.ts';

const TOKEN = 'admin-token-for-tests';
const ACTOR = `token:${createHash('sha256').update(TOKEN).digest('hex').slice(0, 8)}`;
const config = validateConfig({ logLevel: 'silent', auth: { adminTokens: [TOKEN] } });

let engine: TestEngine;
let audit: AuditLog;
const app = createServer(config, createLogger(config));
let registry: PolicyRegistry;

beforeAll(async () => {
  engine = await openControlEngine('otel');
  const store = new PolicyStore(engine.client, { database: 'otel' });
  audit = new AuditLog(engine.client, { database: 'otel' });
  registry = new PolicyRegistry(store);
  registerPolicyRoutes(app, {
    policies: new PolicyService({ store, registry, audit }),
    store,
    preview: (policy) => previewPolicy(engine.client, 'otel', policy),
  });
  // Clients seen: 20 Android installations of the app, half on 1.x and half on 2.x.
  const logs = Array.from({ length: 20 }, (_, i) => makeLog({
    ServiceName: 'app',
    ResourceAttributes: { 'service.name': 'app', 'app.installation.id': `inst-${i}`, 'telemetry.sdk.language': 'java', 'service.version': i % 2 ? '2.0.1' : '1.9.0' },
  }));
  await engine.client.insert({ table: 'otel.otel_logs', format: 'JSONEachRow', values: logs });
});
afterAll(async () => {
  await app.close();
  await engine.close();
});

type Json = Record<string, any>;
async function call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) {
  const res = await app.inject({
    method, url,
    headers: { authorization: `Bearer ${TOKEN}`, ...(payload !== undefined && { 'content-type': 'application/json' }) },
    ...(payload !== undefined && { payload: JSON.stringify(payload) }),
  });
  return { status: res.statusCode, headers: res.headers, body: (res.body ? res.json() : undefined) as Json };
}

const killOld = {
  name: 'kill 1.x on Android',
  targeting: { platforms: ['java'], appVersions: '<2.0.0' },
  settings: { telemetryEnabled: false },
};

describe('the policy API', () => {
  it('creates, reads, replaces and deletes a policy, compiling each change into the registry and auditing it', async () => {
    const created = await call('POST', '/api/policies', killOld);
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.headers.location).toBe(`/api/policies/${id}`);
    expect(created.body).toMatchObject({
      id: expect.stringMatching(/^pol_[0-9a-f]{24}$/), name: killOld.name, description: '', enabled: true, priority: 0,
      targeting: { platforms: ['java'], appVersions: '<2.0.0', rolloutPercentage: 100 }, schedule: { startsAt: null, expiresAt: null },
      settings: { telemetryEnabled: false }, createdBy: ACTOR, updatedBy: ACTOR,
    });
    expect(registry.policies().map((c) => c.policy.id)).toContain(id);
    expect((await call('GET', `/api/policies/${id}`)).body).toEqual(created.body);

    const replaced = await call('PUT', `/api/policies/${id}`, { ...killOld, priority: 10, schedule: { startsAt: '2030-01-01T00:00:00Z', expiresAt: '2030-02-01T00:00:00Z' } });
    expect(replaced.body).toMatchObject({ id, priority: 10, schedule: { startsAt: '2030-01-01T00:00:00.000Z', expiresAt: '2030-02-01T00:00:00.000Z' }, createdAt: created.body.createdAt });
    expect(replaced.body.version).toBeGreaterThan(created.body.version);

    expect((await call('DELETE', `/api/policies/${id}`)).status).toBe(204);
    expect((await call('GET', `/api/policies/${id}`)).status).toBe(404);
    expect((await call('DELETE', `/api/policies/${id}`)).status).toBe(404);
    expect(registry.policies().map((c) => c.policy.id)).not.toContain(id);

    const { items } = await audit.list({ entityType: 'policy', entityId: id, limit: 10 });
    expect(items.map((e) => e.action).reverse()).toEqual(['policy.create', 'policy.update', 'policy.delete']);
    expect(items[0]).toMatchObject({ after: null, before: expect.objectContaining({ priority: 10 }) });
  });

  it('lists policies by enabled flag and service', async () => {
    const a = (await call('POST', '/api/policies', { name: 'a', targeting: { services: ['list-svc'] }, settings: { minLogLevel: 'warn' } })).body;
    const b = (await call('POST', '/api/policies', { name: 'b', enabled: false, targeting: { services: ['other-svc'] }, settings: {} })).body;
    expect((await call('GET', '/api/policies?service=list-svc')).body.policies.map((p: Json) => p.id)).toEqual([a.id]);
    expect((await call('GET', '/api/policies?enabled=false')).body.policies.map((p: Json) => p.id)).toEqual([b.id]);
    const page = await call('GET', '/api/policies?limit=1');
    expect(page.body.policies).toHaveLength(1);
    expect(page.body.nextCursor).toEqual(expect.any(String));
  });

  it.each([
    ['an unknown field', { ...killOld, colour: 'red' }, 'colour'],
    ['an unknown setting', { ...killOld, settings: { logLevel: 'warn' } }, 'settings.logLevel'],
    ['no name', { targeting: {}, settings: {} }, 'name'],
    ['no settings', { name: 'x' }, 'settings'],
    ['a range that is not semver', { ...killOld, targeting: { appVersions: 'newest' } }, 'targeting.appVersions'],
    ['an empty service list', { ...killOld, targeting: { services: [] } }, 'targeting.services'],
    ['a country that is not ISO alpha-2', { ...killOld, targeting: { countries: ['Germany'] } }, 'targeting.countries.0'],
    ['a rollout over 100', { ...killOld, targeting: { rolloutPercentage: 101 } }, 'targeting.rolloutPercentage'],
    ['a sampling rate of the wrong type', { ...killOld, settings: { sampling: { tracesPercentage: '10' } } }, 'settings.sampling.tracesPercentage'],
    ['an unknown log level', { ...killOld, settings: { minLogLevel: 'verbose' } }, 'settings.minLogLevel'],
    ['a batch size of 0', { ...killOld, settings: { sdk: { maxBatchSize: 0 } } }, 'settings.sdk.maxBatchSize'],
    ['an expiry before the start', { ...killOld, schedule: { startsAt: '2030-01-02T00:00:00Z', expiresAt: '2030-01-01T00:00:00Z' } }, 'schedule.expiresAt'],
    ['a start that is not a time', { ...killOld, schedule: { startsAt: 'soon' } }, 'schedule.startsAt'],
  ])('refuses %s with a 400 naming the field', async (_name, body, field) => {
    const { status, body: problem } = await call('POST', '/api/policies', body);
    expect(status).toBe(400);
    expect(problem).toMatchObject({ status: 400, field });
  });

  it('previews a stored policy: N of M clients seen in the last 24 h', async () => {
    const { body } = await call('POST', '/api/policies', killOld);
    expect((await call('GET', `/api/policies/${body.id}/preview`)).body).toEqual({ policyId: body.id, matching: 10, seen: 20, windowHours: 24 });
    expect((await call('GET', '/api/policies/pol_000000000000000000000000/preview')).status).toBe(404);
  });

  it('previews a draft targeting', async () => {
    const { status, body } = await call('POST', '/api/policies/preview', { targeting: { appVersions: '>=2.0.0', rolloutPercentage: 100 } });
    expect(status).toBe(200);
    expect(body).toEqual({ policyId: null, matching: 10, seen: 20, windowHours: 24 });
    expect((await call('POST', '/api/policies/preview', { targeting: { platform: 'java' } })).body.field).toBe('targeting.platform');
  });
});
