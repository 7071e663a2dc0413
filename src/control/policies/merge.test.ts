import { describe, expect, it } from 'vitest';

import type { DebugSession } from '../sessions/model.ts';
import { identity, makePolicy, makeSession, MINUTE, T0 } from '../testing.ts';
import type { ClientIdentity } from './identity.ts';
import { DEFAULT_CONFIG, effectiveConfig, matchingPolicies } from './merge.ts';
import type { CollectionPolicy } from './model.ts';
import { canonicalJson, ConfigResolver, type PolicySource, type SessionSource } from './resolve.ts';
import { compilePolicies, nextPolicyBoundary } from './targeting.ts';

const merge = (policies: CollectionPolicy[], who: Partial<ClientIdentity> = {}, session?: DebugSession, now = T0) =>
  effectiveConfig(matchingPolicies(compilePolicies(policies), identity(who), now), session);

describe('merging the policies that match a client', () => {
  it('gives the defaults when no policy matches', () => {
    expect(merge([makePolicy({ enabled: false, settings: { minLogLevel: 'error' } })])).toEqual({ ...DEFAULT_CONFIG, policies: [] });
  });

  it('takes each setting from the first policy that sets it: higher priority first', () => {
    const low = makePolicy({ id: 'pol_low', priority: 0, settings: { minLogLevel: 'warn', sampling: { tracesPercentage: 10, logsPerMinute: 60 }, sdk: { maxBatchSize: 50 } } });
    const high = makePolicy({ id: 'pol_high', priority: 5, settings: { minLogLevel: 'error', sampling: { logsPercentage: 20 } } });
    const config = merge([low, high]);
    expect(config.policies).toEqual(['pol_high', 'pol_low']);
    expect(config.minLogLevel).toBe('error');
    expect(config.sampling).toEqual({ tracesPercentage: 10, logsPercentage: 20, logsPerMinute: 60 });
    expect(config.sdk).toEqual({ ...DEFAULT_CONFIG.sdk, maxBatchSize: 50 });
    // What the policies set, apart from the defaults the rest of `sdk` holds.
    expect(config.sdkFromPolicies).toEqual(['maxBatchSize']);
    const both = makePolicy({ id: 'pol_both', priority: 1, settings: { sdk: { pollIntervalMs: 10_000, flushIntervalMs: 200, maxBatchSize: undefined } } });
    expect(merge([low, high, both]).sdkFromPolicies).toEqual(['flushIntervalMs', 'maxBatchSize', 'pollIntervalMs']);
    expect(merge([high]).sdkFromPolicies).toEqual([]);
  });

  it.each([
    ['more targeting criteria win at equal priority', { targeting: { services: ['app'], rolloutPercentage: 100 } }, {}, 'specific'],
    ['a rollout counts as a criterion', { targeting: { rolloutPercentage: 99.999 } }, {}, 'specific'],
    ['at equal specificity, the latest update wins', { updatedAtMs: T0 + 1 }, {}, 'specific'],
    ['priority beats specificity', {}, { priority: 1 }, 'general'],
  ])('%s', (_name, specific, general, winner) => {
    const a = makePolicy({ id: 'pol_specific', settings: { minLogLevel: 'warn' }, ...specific });
    const b = makePolicy({ id: 'pol_general', settings: { minLogLevel: 'error' }, ...general });
    const config = merge([b, a], { service: 'app', installationId: 'inst-rollout' });
    expect(config.minLogLevel).toBe(winner === 'specific' ? 'warn' : 'error');
  });

  it('lets the kill switch win whatever the order: a lower-priority policy turning telemetry off', () => {
    const on = makePolicy({ priority: 100, settings: { telemetryEnabled: true } });
    const off = makePolicy({ priority: -100, targeting: { countries: ['DE'], rolloutPercentage: 100 }, settings: { telemetryEnabled: false } });
    expect(merge([on, off], { country: 'DE' }).telemetryEnabled).toBe(false);
    expect(merge([on, off], { country: 'FR' }).telemetryEnabled).toBe(true);
  });

  it('ignores policies outside their schedule', () => {
    const later = makePolicy({ startsAtMs: T0 + MINUTE, settings: { minLogLevel: 'fatal' } });
    expect(merge([later]).minLogLevel).toBe(DEFAULT_CONFIG.minLogLevel);
    expect(merge([later], {}, undefined, T0 + MINUTE).minLogLevel).toBe('fatal');
  });
});

describe('an active debug session overrides the policies for its client', () => {
  const strict = makePolicy({ settings: { minLogLevel: 'error', sampling: { tracesPercentage: 1, logsPercentage: 5, logsPerMinute: 10 }, sdk: { pollIntervalMs: 300_000 } } });

  it.each([
    ['debug', { logs: true, spans: true, network: false }, 'debug', 100, 100],
    ['trace', { logs: true, spans: true, network: false }, 'trace', 100, 100],
    ['standard', { logs: true, spans: true, network: false }, 'info', 100, 100],
    ['debug, spans only', { logs: false, spans: true, network: false }, 'error', 100, 5],
    ['debug, logs only', { logs: true, spans: false, network: false }, 'debug', 1, 100],
  ] as const)('a %s session: level %s… sampling and throttling off for what it captures', (label, capture, minLogLevel, traces, logs) => {
    const session = makeSession({ level: label.split(',')[0] as DebugSession['level'], capture: { ...capture } });
    const config = merge([strict], {}, session);
    expect(config.minLogLevel).toBe(minLogLevel);
    expect(config.sampling).toEqual({ tracesPercentage: traces, logsPercentage: logs, logsPerMinute: capture.logs ? 0 : 10 });
    expect(config.sdk.pollIntervalMs).toBe(15_000);
    // The policy's setting stays listed, whatever the session does to its value.
    expect(config.sdkFromPolicies).toEqual(['pollIntervalMs']);
    expect(config.debugSession).toEqual({ id: session.id, level: session.level, capture, startsAt: '2025-01-01T00:00:00.000Z', endsAt: '2025-01-01T01:00:00.000Z' });
  });

  it('serves, for a session that needs the user\'s consent, what applies until yes: the level and sampling without it', () => {
    const config = merge([strict], {}, makeSession({ level: 'trace', requireConsent: true }));
    expect(config.minLogLevel).toBe('trace');
    expect(config.debugSession!.consentRequired).toEqual({ minLogLevel: 'error', sampling: { tracesPercentage: 1, logsPercentage: 5, logsPerMinute: 10 } });
    expect(merge([strict], {}, makeSession()).debugSession).not.toHaveProperty('consentRequired');
  });

  it('never raises the level a policy already lowered', () => {
    const verbose = makePolicy({ settings: { minLogLevel: 'trace' } });
    expect(merge([verbose], {}, makeSession({ level: 'standard' })).minLogLevel).toBe('trace');
  });

  it('does not override the kill switch', () => {
    const config = merge([makePolicy({ settings: { telemetryEnabled: false } })], {}, makeSession());
    expect(config.telemetryEnabled).toBe(false);
    expect(config.debugSession).toBeNull();
  });
});

describe('resolving and caching a client config', () => {
  function sources(policies: CollectionPolicy[], sessions: DebugSession[] = []) {
    const compiled = compilePolicies(policies);
    const p: PolicySource & { generation: number } = { generation: 1, policies: () => compiled, nextBoundaryAfter: (now) => nextPolicyBoundary(compiled, now) };
    let calls = 0;
    const s: SessionSource & { generation: number; calls: () => number } = {
      generation: 1,
      calls: () => calls,
      activeFor: (who, now) => {
        calls++;
        return sessions.find((x) => x.target['app.installation.id'] === who.installationId && now >= x.startsAtMs && now < x.endsAtMs);
      },
      nextBoundaryAfter: (now) => Math.min(...sessions.flatMap((x) => [x.startsAtMs, x.endsAtMs]).filter((t) => t > now), Infinity),
    };
    return { p, s };
  }

  it('answers canonical JSON with a strong ETag that changes only with the config', () => {
    const { p, s } = sources([makePolicy({ settings: { minLogLevel: 'warn' } })]);
    const resolver = new ConfigResolver(p, s);
    const a = resolver.resolve(identity({ installationId: 'a' }), T0);
    const b = resolver.resolve(identity({ installationId: 'b' }), T0);
    expect(a.etag).toMatch(/^"[A-Za-z0-9_-]{22}"$/);
    expect(a.etag).toBe(b.etag);
    expect(JSON.parse(a.body)).toEqual(a.config);
    expect(a.body).toBe(canonicalJson(JSON.parse(a.body)));
    expect(Object.keys(JSON.parse(a.body))).toEqual([...Object.keys(a.config)].sort());
  });

  it('serves repeated polls from the cache, and recomputes when sessions change', () => {
    const { p, s } = sources([]);
    const resolver = new ConfigResolver(p, s);
    const who = identity({ installationId: 'a' });
    const first = resolver.resolve(who, T0);
    expect(resolver.resolve(who, T0 + 1)).toBe(first);
    expect(s.calls()).toBe(1);
    s.generation++;
    expect(resolver.resolve(who, T0 + 2)).not.toBe(first);
    expect(s.calls()).toBe(2);
  });

  it('recomputes when the clock passes a session start or end, with no refresh in between', () => {
    const session = makeSession({ target: { 'app.installation.id': 'a' }, startsAtMs: T0 + MINUTE, endsAtMs: T0 + 2 * MINUTE });
    const { p, s } = sources([], [session]);
    const resolver = new ConfigResolver(p, s);
    const who = identity({ installationId: 'a' });
    const before = resolver.resolve(who, T0);
    const during = resolver.resolve(who, T0 + MINUTE);
    const after = resolver.resolve(who, T0 + 2 * MINUTE);
    expect([before.session, during.session?.id, after.session]).toEqual([undefined, session.id, undefined]);
    expect(during.etag).not.toBe(before.etag);
    expect(after.etag).toBe(before.etag);
  });
});
