import { describe, expect, it } from 'vitest';
import { makeOccurrence } from '../../issues/alerts/testing.ts';
import { autoTriggerSchema, type AutoTriggerRule } from './config.ts';
import { AutoTriggers, type TriggerOutcome } from './autoTriggers.ts';

const MINUTE = 60_000;

function setup(rule: Partial<AutoTriggerRule>, active = false) {
  let clock = 1_800_000_000_000;
  const created: Array<{ input: any; actor: string }> = [];
  const outcomes: TriggerOutcome[] = [];
  const triggers = new AutoTriggers({
    rules: [autoTriggerSchema.parse({ name: 'r', ...rule })],
    sessions: { create: async (input, actor) => (created.push({ input, actor }), {} as never) },
    registry: { activeFor: () => (active ? ({} as never) : undefined) },
    now: () => clock,
    onOutcome: (_rule, outcome) => outcomes.push(outcome),
  });
  return { triggers, created, outcomes, advance: (ms: number) => (clock += ms) };
}

const hit = (overrides: Record<string, string | number> = {}) => makeOccurrence({ fingerprint: 'f'.repeat(32), deviceId: 'dev-1', service: 'app', ...overrides });

describe('auto-triggers', () => {
  it('open one session when minEvents arrive within withinMinutes, targeting the client and the rule’s service', async () => {
    const { triggers, created } = setup({ minEvents: 3, withinMinutes: 10, sessionMinutes: 20, service: 'app' });
    await triggers.observe([hit(), hit()]);
    expect(created).toEqual([]);
    await triggers.observe([hit()]);
    expect(created).toEqual([
      { actor: 'auto-trigger:r', input: expect.objectContaining({ target: { 'device.id': 'dev-1', 'service.name': 'app' }, durationMinutes: 20, level: 'debug' }) },
    ]);
  });

  it('count a record folding a storm as its occurrences', async () => {
    const { triggers, created } = setup({ minEvents: 5, withinMinutes: 10, service: 'app' });
    await triggers.observe([hit({ count: 4 })]);
    expect(created).toEqual([]);
    await triggers.observe([hit({ count: 1 })]);
    expect(created).toHaveLength(1);
  });

  it('do not count occurrences older than the window, other issues, other clients or other services', async () => {
    const { triggers, created, advance } = setup({ minEvents: 2, withinMinutes: 10, service: 'app' });
    await triggers.observe([hit()]);
    advance(11 * MINUTE);
    await triggers.observe([hit({ fingerprint: 'e'.repeat(32) }), hit({ deviceId: 'dev-2' }), hit({ service: 'other' }), hit({ deviceId: '' })]);
    await triggers.observe([hit()]);
    expect(created).toEqual([]);
    await triggers.observe([hit()]);
    expect(created).toHaveLength(1);
  });

  it('leave a client with an active session alone, and stop at maxPerHour until the hour has passed', async () => {
    const busy = setup({ minEvents: 1 }, true);
    await busy.triggers.observe([hit()]);
    expect(busy.outcomes).toEqual(['already_active']);

    const { triggers, created, outcomes, advance } = setup({ minEvents: 1, maxPerHour: 2 });
    await triggers.observe([hit({ deviceId: 'a' }), hit({ deviceId: 'b' }), hit({ deviceId: 'c' })]);
    expect(outcomes).toEqual(['opened', 'opened', 'capped']);
    advance(61 * MINUTE);
    await triggers.observe([hit({ deviceId: 'c' })]);
    expect(created.map((c) => c.input.target['device.id'])).toEqual(['a', 'b', 'c']);
  });

  it('count a failed session creation and keep going', async () => {
    const failures: unknown[] = [];
    const triggers = new AutoTriggers({
      rules: [autoTriggerSchema.parse({ name: 'r', minEvents: 1 })],
      sessions: { create: async () => Promise.reject(new Error('store down')) },
      registry: { activeFor: () => undefined },
      onError: (err) => failures.push(err),
    });
    await expect(triggers.observe([hit()])).resolves.toBeUndefined();
    expect(failures).toHaveLength(1);
  });

  it('reject rule names and fingerprints that are not plain', () => {
    expect(() => autoTriggerSchema.parse({ name: 'a b' })).toThrow();
    expect(() => autoTriggerSchema.parse({ name: 'ok', fingerprint: 'xyz' })).toThrow();
    expect(() => autoTriggerSchema.parse({ name: 'ok', sessionMinutes: 25 * 60 })).toThrow();
  });
});
