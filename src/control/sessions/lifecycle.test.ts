import { describe, expect, it } from 'vitest';

import { applyCommand, endedAtMs, LifecycleError, newSession, statusAt, type SessionCommand } from './lifecycle.ts';
import { createSessionSchema, type DebugSession, type SessionStatus } from './model.ts';
import { makeSession, MINUTE, T0 } from '../testing.ts';

const ACTOR = 'token:abcdef01';

/** Sessions in each status at T0 + 30 min (the session runs T0 … T0 + 60 min unless said otherwise). */
const NOW = T0 + 30 * MINUTE;
const inStatus: Record<SessionStatus, () => DebugSession> = {
  pending: () => makeSession({ startsAtMs: T0 + 40 * MINUTE, endsAtMs: T0 + 100 * MINUTE }),
  active: () => makeSession(),
  paused: () => makeSession({ pausedAtMs: T0 + 10 * MINUTE }),
  completed: () => makeSession({ endsAtMs: T0 + 20 * MINUTE }),
  expired: () => makeSession({ endsAtMs: T0 + 20 * MINUTE, pausedAtMs: T0 + 10 * MINUTE }),
  cancelled: () => makeSession({ cancelledAtMs: T0 + 5 * MINUTE, cancelledBy: ACTOR }),
};

describe('the status of a session follows from its times and the clock', () => {
  it.each([
    ['pending before startsAt', { startsAtMs: T0 + MINUTE }, T0, 'pending'],
    ['active at startsAt', {}, T0, 'active'],
    ['active just before endsAt', {}, T0 + 60 * MINUTE - 1, 'active'],
    ['completed at endsAt when it was active', {}, T0 + 60 * MINUTE, 'completed'],
    ['paused while paused', { pausedAtMs: T0 + MINUTE }, T0 + 2 * MINUTE, 'paused'],
    ['expired at endsAt when it was still paused', { pausedAtMs: T0 + MINUTE }, T0 + 60 * MINUTE, 'expired'],
    ['cancelled once cancelled, even after endsAt', { cancelledAtMs: T0 + MINUTE }, T0 + 90 * MINUTE, 'cancelled'],
    ['cancelled when cancelled while pending', { startsAtMs: T0 + 10 * MINUTE, cancelledAtMs: T0 }, T0 + MINUTE, 'cancelled'],
  ] as Array<[string, Partial<DebugSession>, number, SessionStatus]>)('is %s', (_name, overrides, now, status) => {
    expect(statusAt(makeSession(overrides), now)).toBe(status);
  });

  it('reports when a session ended: cancel time, else endsAt once passed, else 0', () => {
    expect(endedAtMs(inStatus.active(), NOW)).toBe(0);
    expect(endedAtMs(inStatus.completed(), NOW)).toBe(T0 + 20 * MINUTE);
    expect(endedAtMs(inStatus.cancelled(), NOW)).toBe(T0 + 5 * MINUTE);
  });
});

describe('commands are accepted only in the statuses the state machine allows', () => {
  const commands: Record<string, SessionCommand> = {
    pause: { kind: 'pause' },
    resume: { kind: 'resume' },
    cancel: { kind: 'cancel' },
    extend: { kind: 'extend', minutes: 10 },
    update: { kind: 'update', changes: { level: 'trace' } },
  };
  // command → status after it, per starting status; 409 = refused.
  const table: Record<string, Record<SessionStatus, SessionStatus | 409>> = {
    pause: { pending: 409, active: 'paused', paused: 409, completed: 409, expired: 409, cancelled: 409 },
    resume: { pending: 409, active: 409, paused: 'active', completed: 409, expired: 409, cancelled: 409 },
    cancel: { pending: 'cancelled', active: 'cancelled', paused: 'cancelled', completed: 409, expired: 409, cancelled: 409 },
    extend: { pending: 'pending', active: 'active', paused: 'paused', completed: 409, expired: 409, cancelled: 409 },
    update: { pending: 'pending', active: 'active', paused: 'paused', completed: 409, expired: 409, cancelled: 409 },
  };
  const cases = Object.entries(table).flatMap(([command, row]) =>
    Object.entries(row).map(([from, to]) => [command, from as SessionStatus, to] as const),
  );

  it.each(cases)('%s on a %s session → %s', (command, from, to) => {
    const session = inStatus[from]();
    if (to === 409) {
      expect(() => applyCommand(session, commands[command], NOW, ACTOR)).toThrow(expect.objectContaining({ status: 409 }));
      return;
    }
    const next = applyCommand(session, commands[command], NOW, ACTOR);
    expect(statusAt(next, NOW)).toBe(to);
    expect(next).toMatchObject({ updatedAtMs: NOW, updatedBy: ACTOR });
    expect(session.updatedAtMs).toBe(T0); // the input is not modified
  });

  it('resuming records the resume and clears the pause; the end does not move', () => {
    const resumed = applyCommand(inStatus.paused(), { kind: 'resume' }, NOW, ACTOR);
    expect(resumed).toMatchObject({ pausedAtMs: 0, resumedAtMs: NOW, endsAtMs: T0 + 60 * MINUTE });
  });

  it('cancelling records who and when', () => {
    expect(applyCommand(inStatus.active(), { kind: 'cancel' }, NOW, ACTOR)).toMatchObject({ cancelledAtMs: NOW, cancelledBy: ACTOR });
  });

  it('extends the end, up to 24 hours from the start, and refuses beyond naming the field', () => {
    const session = inStatus.active();
    expect(applyCommand(session, { kind: 'extend', minutes: 23 * 60 }, NOW, ACTOR).endsAtMs).toBe(T0 + 24 * 60 * MINUTE);
    const err = (() => {
      try {
        applyCommand(session, { kind: 'extend', minutes: 23 * 60 + 1 }, NOW, ACTOR);
      } catch (e) {
        return e as LifecycleError;
      }
    })();
    expect(err).toMatchObject({ status: 400, field: 'minutes' });
  });

  it('updates level, capture (partially), reason, consent and duration', () => {
    const next = applyCommand(
      inStatus.active(),
      { kind: 'update', changes: { level: 'trace', capture: { network: true }, reason: 'crash on login', consent: { method: 'support_ticket', reference: 'T-1' }, durationMinutes: 120 } },
      NOW,
      ACTOR,
    );
    expect(next).toMatchObject({
      level: 'trace',
      capture: { logs: true, spans: true, network: true },
      reason: 'crash on login',
      consent: { method: 'support_ticket', reference: 'T-1', grantedAtMs: NOW },
      endsAtMs: T0 + 120 * MINUTE,
    });
    expect(applyCommand(next, { kind: 'update', changes: { consent: null } }, NOW, ACTOR).consent).toBeNull();
  });

  it('refuses a duration that would end the session in the past', () => {
    expect(() => applyCommand(inStatus.active(), { kind: 'update', changes: { durationMinutes: 10 } }, NOW, ACTOR)).toThrow(
      expect.objectContaining({ status: 400, field: 'durationMinutes' }),
    );
  });
});

describe('creating a session', () => {
  const create = (body: unknown, now = T0) => newSession(createSessionSchema.parse(body), 'ds_1', now, ACTOR);

  it('starts now for 60 minutes at debug level, capturing logs and spans but not network, by default', () => {
    const s = create({ target: { 'user.id': 'u1' } });
    expect(s).toMatchObject({
      target: { 'user.id': 'u1' }, level: 'debug', capture: { logs: true, spans: true, network: false },
      startsAtMs: T0, endsAtMs: T0 + 60 * MINUTE, createdAtMs: T0, createdBy: ACTOR, consent: null,
    });
    expect(statusAt(s, T0)).toBe('active');
  });

  it('is pending until a future startsAt, then active', () => {
    const s = create({ target: { 'device.id': 'd1' }, startsAt: new Date(T0 + 10 * MINUTE).toISOString(), durationMinutes: 5 });
    expect(statusAt(s, T0)).toBe('pending');
    expect(statusAt(s, T0 + 10 * MINUTE)).toBe('active');
    expect(statusAt(s, T0 + 15 * MINUTE)).toBe('completed');
  });

  it.each([
    ['in the past', T0 - 10 * MINUTE],
    ['more than 30 days ahead', T0 + 31 * 86_400_000],
  ])('refuses a startsAt %s', (_name, startsAt) => {
    expect(() => create({ target: { 'user.id': 'u1' }, startsAt })).toThrow(expect.objectContaining({ status: 400, field: 'startsAt' }));
  });

  it('records consent, granted now unless given', () => {
    expect(create({ target: { 'user.id': 'u1' }, consent: { method: 'in_app_prompt' } }).consent).toEqual({ method: 'in_app_prompt', reference: '', grantedAtMs: T0 });
  });
});
