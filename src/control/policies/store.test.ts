import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeLog, makeSpan, type TestEngine } from '../../storage/clickhouse/testing.ts';
import { identity, makePolicy, openControlEngine } from '../testing.ts';
import { targetingSchema, type CollectionPolicy, type Targeting } from './model.ts';
import { previewPolicy } from './preview.ts';
import { PolicyRegistry } from './registry.ts';
import { PolicyStore } from './store.ts';
import { compilePolicy, rolloutPosition } from './targeting.ts';

let engine: TestEngine;
let store: PolicyStore;
const NOW = Date.now();

beforeAll(async () => {
  engine = await openControlEngine('otel');
  store = new PolicyStore(engine.client, { database: 'otel' });
});
afterAll(() => engine.close());

const fresh = (overrides: Partial<CollectionPolicy> = {}) => makePolicy({ createdAtMs: NOW, updatedAtMs: NOW, version: 0, ...overrides });

describe('storing policies', () => {
  it('reads back what was written; a replace wins; a delete hides it', async () => {
    const p = await store.put(fresh({
      targeting: targetingSchema.parse({ services: ['app'], appVersions: '>=2.0.0-0', countries: ['DE'], rolloutPercentage: 12.5 }),
      settings: { telemetryEnabled: false, sampling: { tracesPercentage: 5 }, sdk: { flushIntervalMs: 1000 } },
      startsAtMs: NOW - 1000, expiresAtMs: NOW + 1000, priority: -3,
    }));
    expect(await store.get(p.id)).toEqual(p);
    const renamed = await store.put({ ...p, name: 'renamed', enabled: false });
    expect(await store.get(p.id)).toEqual(renamed);
    await store.delete(renamed);
    expect(await store.get(p.id)).toBeUndefined();
    expect((await store.all()).some((x) => x.id === p.id)).toBe(false);
  });

  it('lists by enabled flag and service (a policy without services targets them all), in pages', async () => {
    const web = await store.put(fresh({ name: 'web', targeting: { services: ['web'], rolloutPercentage: 100 }, createdAtMs: NOW + 1 }));
    const all = await store.put(fresh({ name: 'all', createdAtMs: NOW + 2 }));
    const off = await store.put(fresh({ name: 'off', enabled: false, targeting: { services: ['api'], rolloutPercentage: 100 }, createdAtMs: NOW + 3 }));
    const names = async (q: Parameters<PolicyStore['list']>[0]) => (await store.list(q)).items.map((p) => p.name);
    expect(await names({ service: 'web', limit: 10 })).toEqual(['all', 'web']);
    expect(await names({ enabled: false, limit: 10 })).toEqual(['off']);
    const page1 = await store.list({ limit: 2 });
    const page2 = await store.list({ limit: 2, cursor: page1.nextCursor! });
    expect([...page1.items, ...page2.items].map((p) => p.id)).toEqual([off.id, all.id, web.id]);
    expect(page2.nextCursor).toBeNull();
  });

  it('refreshes a second registry from ClickHouse, compiling only changed policies', async () => {
    const registry = new PolicyRegistry(store);
    await registry.refresh();
    const before = registry.generation;
    await registry.refresh();
    expect(registry.generation).toBe(before); // nothing changed: nothing recompiled
    const p = await store.put(fresh({ name: 'kill', targeting: { services: ['refresh-app'], rolloutPercentage: 100 }, settings: { telemetryEnabled: false } }));
    await registry.refresh();
    expect(registry.generation).toBe(before + 1);
    const compiled = registry.policies().find((c) => c.policy.id === p.id)!;
    expect(compiled.targets(identity({ service: 'refresh-app' }))).toBe(true);
    registry.remove(p.id);
    expect(registry.policies().some((c) => c.policy.id === p.id)).toBe(false);
  });
});

describe('previewing who a policy would reach', () => {
  const resource = (installation: string, extra: Record<string, string> = {}) => ({
    'service.name': 'mobile', 'app.installation.id': installation, 'telemetry.sdk.language': 'swift', 'geo.country.iso_code': 'de', ...extra,
  });

  beforeAll(async () => {
    // 30 clients through logs, 10 more through spans only, one of them also logging; the views record them all.
    const logs = Array.from({ length: 30 }, (_, i) =>
      makeLog({ ServiceName: 'mobile', ResourceAttributes: resource(`inst-${i}`, { 'service.version': i < 10 ? '1.4.0' : '2.1.0-beta.1' }) }));
    logs.push(makeLog({ ResourceAttributes: { 'service.name': 'server' } })); // no installation or device: not a client
    logs.push(makeLog({ ServiceName: 'web', ResourceAttributes: { 'service.name': 'web', 'device.id': 'dev-web', 'telemetry.sdk.language': 'webjs' } }));
    await engine.client.insert({ table: 'otel.otel_logs', format: 'JSONEachRow', values: logs });
    const spans = Array.from({ length: 10 }, (_, i) =>
      makeSpan({ ServiceName: 'mobile', ResourceAttributes: resource(`inst-${29 + i}`, { 'service.version': '3.0.0', 'geo.country.iso_code': 'FR' }) }));
    await engine.client.insert({ table: 'otel.otel_traces', format: 'JSONEachRow', values: spans });
  });

  const preview = (targeting: Partial<Targeting>) =>
    previewPolicy(engine.client, 'otel', compilePolicy(fresh({ id: 'pol_preview', targeting: targetingSchema.parse(targeting) })));

  it.each([
    ['everyone', {}, 40],
    ['a service', { services: ['mobile'] }, 39],
    ['a platform', { platforms: ['webjs'] }, 1],
    ['a version range with pre-releases', { appVersions: '>=2.0.0' }, 29],
    ['a version range', { appVersions: '<2.0.0' }, 10],
    ['a country (the latest one each client sent)', { countries: ['FR'] }, 10],
  ])('counts the clients of %s among those seen in the last 24 h', async (_name, targeting, matching) => {
    expect(await preview(targeting)).toEqual({ matching, seen: 40, windowHours: 24 });
  });

  it('applies the rollout as the gateway would', async () => {
    const { matching } = await preview({ rolloutPercentage: 50 });
    // Exactly the clients the gateway's own hash puts in the first half (the preview computes it in SQL).
    const clients = [...Array.from({ length: 39 }, (_, i) => `inst-${i}`), 'dev-web'];
    const inRollout = clients.filter((id) => rolloutPosition('pol_preview', id) < 50).length;
    expect(inRollout).toBeGreaterThan(0);
    expect(inRollout).toBeLessThan(40);
    expect(matching).toBe(inRollout);
  });
});
