import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { TestEngine } from '../../storage/clickhouse/testing.ts';
import { CursorError } from '../../storage/clickhouse/cursor.ts';
import { applyCommand } from './lifecycle.ts';
import type { DebugSession } from './model.ts';
import { SessionRegistry } from './registry.ts';
import { SessionStore } from './store.ts';
import { identity, makeSession, MINUTE, openControlEngine } from '../testing.ts';

let engine: TestEngine;
let store: SessionStore;
const NOW = Date.now();

beforeAll(async () => {
  engine = await openControlEngine('otel');
  store = new SessionStore(engine.client, { database: 'otel' });
});
afterAll(() => engine.close());

const live = (overrides: Partial<DebugSession> = {}) =>
  makeSession({ createdAtMs: NOW, startsAtMs: NOW - MINUTE, endsAtMs: NOW + 60 * MINUTE, version: 0, ...overrides });

describe('storing sessions as versioned rows', () => {
  it('reads back exactly what was written, and the latest version wins', async () => {
    const s = await store.put(live({ target: { 'user.id': 'u-rt', 'service.name': 'checkout' }, reason: 'quote " and \\', consent: { method: 'in_app_prompt', reference: 'r', grantedAtMs: NOW } }));
    expect(await store.get(s.id)).toEqual(s);
    const paused = await store.put(applyCommand(s, { kind: 'pause' }, NOW, 'token:1'));
    expect(paused.version).toBeGreaterThan(s.version);
    expect(await store.get(s.id)).toEqual(paused);
    expect(await store.get('ds_missing')).toBeUndefined();
  });

  it('keeps whether the SDK must ask for consent, with or without a consent recorded', async () => {
    for (const consent of [null, { method: 'support_ticket', reference: 'T-9', grantedAtMs: NOW }]) {
      const asking = await store.put(live({ consent, requireConsent: true }));
      expect(await store.get(asking.id)).toEqual(asking);
      const lifted = await store.put(applyCommand(asking, { kind: 'update', changes: { requireConsent: false } }, NOW, 'token:1'));
      expect(await store.get(asking.id)).toMatchObject({ consent, requireConsent: false, version: lifted.version });
    }
  });

  it('lists by status at a given time, by target and by creator, newest first, in pages', async () => {
    const made = [];
    for (let i = 0; i < 5; i++) {
      made.push(await store.put(live({ target: { 'device.id': 'dev-list' }, createdAtMs: NOW + i, createdBy: i === 4 ? 'alice' : 'bob' })));
    }
    await store.put({ ...made[0], cancelledAtMs: NOW, cancelledBy: 'bob', version: made[0].version });
    const ids = (items: DebugSession[]) => items.map((s) => s.id);

    const all = await store.list({ target: { 'device.id': 'dev-list' }, limit: 10 }, NOW);
    expect(ids(all.items)).toEqual(ids(made).reverse());
    const active = await store.list({ target: { 'device.id': 'dev-list' }, statuses: ['active'], limit: 10 }, NOW);
    expect(ids(active.items)).toEqual(ids(made.slice(1)).reverse());
    const completedLater = await store.list({ target: { 'device.id': 'dev-list' }, statuses: ['completed'], limit: 10 }, NOW + 61 * MINUTE);
    expect(completedLater.items).toHaveLength(4);
    expect((await store.list({ createdBy: 'alice', limit: 10 }, NOW)).items.map((s) => s.id)).toEqual([made[4].id]);

    const first = await store.list({ target: { 'device.id': 'dev-list' }, limit: 2 }, NOW);
    const second = await store.list({ target: { 'device.id': 'dev-list' }, limit: 2, cursor: first.nextCursor! }, NOW);
    const third = await store.list({ target: { 'device.id': 'dev-list' }, limit: 2, cursor: second.nextCursor! }, NOW);
    expect([...ids(first.items), ...ids(second.items), ...ids(third.items)]).toEqual(ids(all.items));
    expect(third.nextCursor).toBeNull();
    await expect(store.list({ limit: 2, cursor: 'bm90IGEgY3Vyc29y' }, NOW)).rejects.toBeInstanceOf(CursorError);
  });

  it('lists the sessions running at some time in a window: starts before its end, ends after its start', async () => {
    const day = 24 * 60 * MINUTE;
    const at = (d: number) => NOW + d * day;
    const yesterday = await store.put(live({ target: { 'device.id': 'dev-window' }, startsAtMs: at(-1), endsAtMs: at(-1) + 60 * MINUTE }));
    const acrossMidnight = await store.put(live({ target: { 'device.id': 'dev-window' }, startsAtMs: at(-1) + 23 * 60 * MINUTE, endsAtMs: at(0) + 30 * MINUTE }));
    const today = await store.put(live({ target: { 'device.id': 'dev-window' }, startsAtMs: at(0) + 60 * MINUTE, endsAtMs: at(0) + 120 * MINUTE }));
    const window = async (fromMs?: number, toMs?: number) => (await store.list({ target: { 'device.id': 'dev-window' }, fromMs, toMs, limit: 10 }, NOW)).items.map((s) => s.id).sort();
    expect(await window(at(0), at(1))).toEqual([acrossMidnight.id, today.id].sort());
    expect(await window(at(-1), at(-1) + 30 * MINUTE)).toEqual([yesterday.id]);
    // The ends are half-open: a session ending exactly at `from` is not in it, one starting exactly at `to` neither.
    expect(await window(at(-1) + 60 * MINUTE, at(0) + 60 * MINUTE)).toEqual([acrossMidnight.id]);
    expect(await window(undefined, at(-1) + 23 * 60 * MINUTE)).toEqual([yesterday.id]);
    expect(await window(at(0) + 30 * MINUTE)).toEqual([today.id]);
  });
});

describe('the in-memory registry', () => {
  it('lets a second instance see a session created through the first within one refresh', async () => {
    const refreshMs = 100;
    const first = new SessionRegistry(store, { refreshMs });
    const second = new SessionRegistry(new SessionStore(engine.client, { database: 'otel' }), { refreshMs });
    await Promise.all([first.start(), second.start()]);
    try {
      const who = identity({ installationId: 'inst-two-instances', service: 'app' });
      expect(second.activeFor(who)).toBeUndefined();
      const created = await store.put(live({ target: { 'app.installation.id': 'inst-two-instances' } }));
      first.apply(created);
      expect(first.activeFor(who)?.id).toBe(created.id);
      const generation = second.generation;
      await expect.poll(() => second.activeFor(who)?.id, { timeout: 3 * refreshMs + 1000, interval: 20 }).toBe(created.id);
      expect(second.generation).toBeGreaterThan(generation);

      const cancelled = await store.put(applyCommand(created, { kind: 'cancel' }, Date.now(), 'token:1'));
      first.apply(cancelled);
      expect(first.activeFor(who)).toBeUndefined();
      await expect.poll(() => second.activeFor(who), { timeout: 3 * refreshMs + 1000, interval: 20 }).toBeUndefined();
    } finally {
      await Promise.all([first.shutdown(), second.shutdown()]);
    }
  });

  it('keeps a change applied while a refresh was loading older rows', async () => {
    const created = await store.put(live({ target: { 'user.id': 'u-race' } }));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const slow = { live: async (now: number) => { const rows = await store.live(now); await gate; return rows; }, addStats: store.addStats.bind(store) };
    const registry = new SessionRegistry(slow);
    const refreshing = registry.refresh(); // loads the row before the pause below
    await new Promise((r) => setTimeout(r, 200));
    const paused = await store.put(applyCommand(created, { kind: 'pause' }, Date.now(), 'token:1'));
    registry.apply(paused);
    release();
    await refreshing;
    expect(registry.sessions().find((s) => s.id === created.id)?.version).toBe(paused.version);
    expect(registry.activeFor(identity({ userId: 'u-race' }))).toBeUndefined();
  });

  it.each([
    ['matches every attribute of the target', { 'user.id': 'u-m', 'service.name': 'app' }, { userId: 'u-m', service: 'app' }, true],
    ['does not match another service', { 'user.id': 'u-m', 'service.name': 'app' }, { userId: 'u-m', service: 'web' }, false],
    ['needs every target attribute', { 'user.id': 'u-m', 'device.id': 'd-m' }, { userId: 'u-m' }, false],
    ['finds it under a second attribute', { 'user.id': 'u-m', 'device.id': 'd-m' }, { userId: 'u-m', deviceId: 'd-m' }, true],
  ])('%s', async (_name, target, who, expected) => {
    const registry = new SessionRegistry({ live: async () => [], addStats: async () => {} });
    const s = live({ target });
    registry.apply(s);
    expect(registry.activeFor(identity(who))?.id).toBe(expected ? s.id : undefined);
  });

  it('prefers the more verbose of two sessions for one client, and starts a pending one on time', () => {
    const registry = new SessionRegistry({ live: async () => [], addStats: async () => {} });
    const standard = live({ target: { 'user.id': 'u-two' }, level: 'standard' });
    const trace = live({ target: { 'device.id': 'd-two' }, level: 'trace', startsAtMs: NOW + MINUTE });
    registry.apply(standard);
    registry.apply(trace);
    const who = identity({ userId: 'u-two', deviceId: 'd-two' });
    expect(registry.activeFor(who, NOW)?.id).toBe(standard.id);
    expect(registry.activeFor(who, NOW + MINUTE)?.id).toBe(trace.id);
    expect(registry.nextBoundaryAfter(NOW)).toBe(NOW + MINUTE);
  });
});

describe('live stats', () => {
  it('adds up what two instances counted, including equal increments', async () => {
    const a = new SessionRegistry(store);
    const b = new SessionRegistry(store);
    a.record('ds_stats', 3, 2, 1, NOW);
    a.record('ds_stats', 1, 0, 0, NOW + 5);
    b.record('ds_stats', 4, 2, 1, NOW + 2);
    await a.stats.flush();
    b.record('ds_stats', 4, 2, 1, NOW + 2); // the same increment again
    await Promise.all([a.shutdown(), b.shutdown()]);
    expect((await store.stats(['ds_stats', 'ds_none'])).get('ds_stats')).toEqual({ logs: 12, spans: 6, errors: 3, lastSeenMs: NOW + 5 });
    expect((await store.stats(['ds_none'])).size).toBe(0);
  });

  it('keeps counts a failed flush could not write, for the next flush', async () => {
    let fail = true;
    const written: number[] = [];
    const registry = new SessionRegistry({ live: async () => [], addStats: async (incs) => { if (fail) throw new Error('down'); written.push(...incs.map((i) => i.logs)); } });
    registry.record('ds_retry', 5, 0, 0, NOW);
    await expect(registry.stats.flush()).rejects.toThrow('down');
    registry.record('ds_retry', 1, 0, 0, NOW);
    fail = false;
    await registry.stats.flush();
    expect(written).toEqual([6]);
  });
});
