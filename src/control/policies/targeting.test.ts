import { describe, expect, it } from 'vitest';

import { identity, makePolicy, T0 } from '../testing.ts';
import type { ClientIdentity } from './identity.ts';
import { targetingSchema, type Targeting } from './model.ts';
import { compilePolicy, nextPolicyBoundary, rolloutPosition } from './targeting.ts';

const targets = (targeting: Partial<Targeting>, who: Partial<ClientIdentity>, id?: string) =>
  compilePolicy(makePolicy({ ...(id && { id }), targeting: targetingSchema.parse(targeting) })).targets(identity(who));

describe('app version ranges (semver, pre-releases by precedence)', () => {
  it.each([
    ['>=2.0.0', '2.0.0', true],
    ['>=2.0.0', '1.9.9', false],
    ['>=2.0.0', '2.1.0-beta.1', true],
    ['>=2.0.0', '2.0.0-rc.1', false],
    ['<2.0.0', '2.0.0-beta.3', true],
    ['^1.2.0', '1.9.9', true],
    ['^1.2.0', '2.0.0', false],
    ['^1.2.0', '1.3.0-alpha', true],
    ['~1.2.3', '1.2.9', true],
    ['~1.2.3', '1.3.0', false],
    ['1.2.x', '1.2.7', true],
    ['>=1.0.0 <2.0.0 || >=3.0.0', '3.1.0', true],
    ['>=1.0.0 <2.0.0 || >=3.0.0', '2.5.0', false],
    ['>=2.0.0', '2.3', true], // coerced to 2.3.0
    ['>=2.0.0', 'v2.4.1', true],
    ['>=2.0.0', 'not a version', false],
    ['>=2.0.0', '', false], // a client that sends no version does not match a version range
  ])('%s with version %j → %s', (range, version, expected) => {
    expect(targets({ appVersions: range }, { serviceVersion: version })).toBe(expected);
  });

  it('refuses a range that is not semver when the policy is validated', () => {
    expect(targetingSchema.safeParse({ appVersions: 'latest-and-greatest' }).success).toBe(false);
  });
});

describe('list criteria', () => {
  it.each([
    ['services exactly', { services: ['checkout'] }, { service: 'checkout' }, true],
    ['services exactly (case matters)', { services: ['checkout'] }, { service: 'Checkout' }, false],
    ['platforms in any case', { platforms: ['WebJS'] }, { platform: 'webjs' }, true],
    ['channels in any case', { channels: ['Beta'] }, { channel: 'beta' }, true],
    ['environments', { environments: ['production'] }, { environment: 'staging' }, false],
    ['countries in any case', { countries: ['de', 'FR'] }, { country: 'DE' }, true],
    ['a criterion the client did not send', { countries: ['DE'] }, {}, false],
    ['every criterion together', { services: ['app'], platforms: ['swift'], countries: ['DE'] }, { service: 'app', platform: 'swift', country: 'DE' }, true],
    ['every criterion together, one failing', { services: ['app'], platforms: ['swift'], countries: ['DE'] }, { service: 'app', platform: 'java', country: 'DE' }, false],
    ['no criteria: everyone', {}, {}, true],
  ])('match %s', (_name, targeting, who, expected) => {
    expect(targets(targeting, who)).toBe(expected);
  });
});

describe('percentage rollout by a stable hash of the installation ID', () => {
  const installs = Array.from({ length: 10_000 }, (_, i) => `inst-${i}`);

  it.each([1, 10, 25, 50, 90])('selects about %d%% of 10 000 installations', (percentage) => {
    const n = installs.filter((installationId) => targets({ rolloutPercentage: percentage }, { installationId }, 'pol_rollout')).length;
    const expected = percentage * 100;
    expect(Math.abs(n - expected)).toBeLessThan(Math.max(60, expected * 0.1));
  });

  it('gives each installation the same position every time, in [0, 100)', () => {
    for (const id of installs.slice(0, 100)) {
      const p = rolloutPosition('pol_a', id);
      expect(p).toBe(rolloutPosition('pol_a', id));
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(100);
    }
  });

  it('keeps every client it had as the percentage grows', () => {
    const at = (percentage: number) => new Set(installs.filter((installationId) => targets({ rolloutPercentage: percentage }, { installationId }, 'pol_grow')));
    const ten = at(10);
    const thirty = at(30);
    expect([...ten].every((id) => thirty.has(id))).toBe(true);
  });

  it('picks different clients for different policies', () => {
    const pick = (id: string) => installs.filter((installationId) => targets({ rolloutPercentage: 10 }, { installationId }, id));
    const a = new Set(pick('pol_one'));
    const overlap = pick('pol_two').filter((i) => a.has(i)).length;
    expect(overlap).toBeLessThan(200); // independent picks share about 1 % (100)
  });

  it('falls back to the device ID, and leaves out a client with neither below 100 %', () => {
    expect(targets({ rolloutPercentage: 100 }, {})).toBe(true);
    expect(targets({ rolloutPercentage: 99.99 }, {})).toBe(false);
    const device = installs.find((deviceId) => targets({ rolloutPercentage: 50 }, { deviceId }, 'pol_dev'))!;
    expect(targets({ rolloutPercentage: 50 }, { deviceId: device, installationId: '' }, 'pol_dev')).toBe(true);
    expect(targets({ rolloutPercentage: 0 }, { installationId: 'x' })).toBe(false);
  });
});

describe('enabled flag and schedule', () => {
  const HOUR = 3_600_000;
  it.each([
    ['enabled without schedule', {}, T0, true],
    ['disabled', { enabled: false }, T0, false],
    ['before its start', { startsAtMs: T0 + HOUR }, T0, false],
    ['at its start', { startsAtMs: T0 + HOUR }, T0 + HOUR, true],
    ['just before expiry', { expiresAtMs: T0 + HOUR }, T0 + HOUR - 1, true],
    ['at expiry', { expiresAtMs: T0 + HOUR }, T0 + HOUR, false],
  ])('a policy %s applies: %s', (_name, overrides, now, expected) => {
    expect(compilePolicy(makePolicy(overrides)).activeAt(now)).toBe(expected);
  });

  it('reports the next start or expiry as a boundary', () => {
    const policies = [makePolicy({ startsAtMs: T0 + 2 * HOUR }), makePolicy({ expiresAtMs: T0 + HOUR }), makePolicy()].map(compilePolicy);
    expect(nextPolicyBoundary(policies, T0)).toBe(T0 + HOUR);
    expect(nextPolicyBoundary(policies, T0 + HOUR)).toBe(T0 + 2 * HOUR);
    expect(nextPolicyBoundary(policies, T0 + 2 * HOUR)).toBe(Infinity);
  });
});
