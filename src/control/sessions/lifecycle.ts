/**
 * The debug-session state machine, pure: statuses follow from a session's times and the clock, and
 * commands produce a new session or a {@link LifecycleError}.
 *
 * ```
 *   pending ──startsAt──▶ active ──endsAt──▶ completed
 *      │                  │   ▲
 *      │            pause │   │ resume
 *      │                  ▼   │
 *      │                 paused ──endsAt──▶ expired
 *      └────────── cancel (from pending, active or paused) ──▶ cancelled
 * ```
 * - `pending`: created with a future `startsAt`; nothing is collected yet.
 * - `active`: between `startsAt` and `endsAt`, not paused; the client collects at the session level.
 * - `paused`: an admin paused it; the client is back to normal. The clock keeps running: a pause
 *   never moves `endsAt`, so a session's exposure stays bounded by its duration.
 * - `completed`: `endsAt` passed while it was active — the session ran to its end.
 * - `expired`: `endsAt` passed while it was paused — it lapsed without being resumed.
 * - `cancelled`: an admin cancelled it before its end.
 * `completed`, `expired` and `cancelled` are final.
 */
import {
  MAX_DURATION_MINUTES,
  type CreateSessionInput,
  type DebugSession,
  type SessionStatus,
  type UpdateSessionInput,
} from './model.ts';

const MINUTE_MS = 60_000;
/** How far ahead a session may be scheduled. */
export const MAX_SCHEDULE_AHEAD_MS = 30 * 86_400_000;
/** Clock skew tolerated on a `startsAt` in the past. */
const PAST_TOLERANCE_MS = 5 * MINUTE_MS;

/** A command refused: 409 when the session's status does not allow it, 400 when a value does not fit. */
export class LifecycleError extends Error {
  constructor(
    readonly status: 400 | 409,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/** The session's status at `nowMs`. */
export function statusAt(s: DebugSession, nowMs: number): SessionStatus {
  if (s.cancelledAtMs > 0) return 'cancelled';
  if (nowMs >= s.endsAtMs) return s.pausedAtMs > 0 ? 'expired' : 'completed';
  if (s.pausedAtMs > 0) return 'paused';
  return nowMs < s.startsAtMs ? 'pending' : 'active';
}

/** Statuses that can still change; the rest are final. */
export const LIVE_STATUSES: readonly SessionStatus[] = ['pending', 'active', 'paused'];

/** When the session ended (cancelled, or its `endsAt` passed); 0 while it has not. */
export function endedAtMs(s: DebugSession, nowMs: number): number {
  if (s.cancelledAtMs > 0) return s.cancelledAtMs;
  return nowMs >= s.endsAtMs ? s.endsAtMs : 0;
}

/** A change an admin asks for. */
export type SessionCommand =
  | { kind: 'pause' }
  | { kind: 'resume' }
  | { kind: 'cancel' }
  | { kind: 'extend'; minutes: number }
  | { kind: 'update'; changes: UpdateSessionInput };

/** The statuses each command is accepted in (anything else is a 409). */
export const COMMAND_ALLOWED_IN: Readonly<Record<SessionCommand['kind'], readonly SessionStatus[]>> = Object.freeze({
  pause: ['active'],
  resume: ['paused'],
  cancel: LIVE_STATUSES,
  extend: LIVE_STATUSES,
  update: LIVE_STATUSES,
});

/** A new session from a validated create body. Refuses a `startsAt` in the past or over 30 days ahead. */
export function newSession(input: CreateSessionInput, id: string, nowMs: number, actor: string): DebugSession {
  const startsAtMs = input.startsAt ?? nowMs;
  if (startsAtMs < nowMs - PAST_TOLERANCE_MS) throw new LifecycleError(400, 'startsAt: must not be in the past', 'startsAt');
  if (startsAtMs > nowMs + MAX_SCHEDULE_AHEAD_MS) throw new LifecycleError(400, 'startsAt: must be within 30 days', 'startsAt');
  return {
    id,
    target: input.target,
    level: input.level,
    capture: { logs: input.capture.logs ?? true, spans: input.capture.spans ?? true, network: input.capture.network ?? false },
    reason: input.reason,
    consent: input.consent ? { method: input.consent.method, reference: input.consent.reference, grantedAtMs: input.consent.grantedAt ?? nowMs } : null,
    requireConsent: input.requireConsent,
    createdAtMs: nowMs,
    createdBy: actor,
    startsAtMs,
    endsAtMs: startsAtMs + input.durationMinutes * MINUTE_MS,
    pausedAtMs: 0,
    resumedAtMs: 0,
    cancelledAtMs: 0,
    cancelledBy: '',
    updatedAtMs: nowMs,
    updatedBy: actor,
    version: 0,
  };
}

/** Applies a command at `nowMs` on behalf of `actor`; returns the changed session (the input is not modified). */
export function applyCommand(s: DebugSession, command: SessionCommand, nowMs: number, actor: string): DebugSession {
  const status = statusAt(s, nowMs);
  if (!COMMAND_ALLOWED_IN[command.kind].includes(status)) {
    throw new LifecycleError(409, `cannot ${command.kind} a session that is ${status} (allowed when ${COMMAND_ALLOWED_IN[command.kind].join(' or ')})`);
  }
  const next: DebugSession = { ...s, updatedAtMs: nowMs, updatedBy: actor };
  switch (command.kind) {
    case 'pause':
      next.pausedAtMs = nowMs;
      break;
    case 'resume':
      next.pausedAtMs = 0;
      next.resumedAtMs = nowMs;
      break;
    case 'cancel':
      next.cancelledAtMs = nowMs;
      next.cancelledBy = actor;
      break;
    case 'extend':
      next.endsAtMs = s.endsAtMs + command.minutes * MINUTE_MS;
      if (next.endsAtMs - s.startsAtMs > MAX_DURATION_MINUTES * MINUTE_MS) {
        throw new LifecycleError(400, `minutes: the session would last more than ${MAX_DURATION_MINUTES} minutes`, 'minutes');
      }
      break;
    case 'update':
      applyUpdate(next, command.changes, nowMs);
      break;
  }
  return next;
}

function applyUpdate(next: DebugSession, c: UpdateSessionInput, nowMs: number): void {
  if (c.level !== undefined) next.level = c.level;
  if (c.capture !== undefined) next.capture = { ...next.capture, ...Object.fromEntries(Object.entries(c.capture).filter(([, v]) => v !== undefined)) };
  if (c.reason !== undefined) next.reason = c.reason;
  if (c.consent !== undefined) {
    next.consent = c.consent === null ? null : { method: c.consent.method, reference: c.consent.reference, grantedAtMs: c.consent.grantedAt ?? nowMs };
  }
  if (c.requireConsent !== undefined) next.requireConsent = c.requireConsent;
  if (c.durationMinutes !== undefined) {
    next.endsAtMs = next.startsAtMs + c.durationMinutes * MINUTE_MS;
    if (next.endsAtMs <= nowMs) throw new LifecycleError(400, 'durationMinutes: would end the session in the past; cancel it instead', 'durationMinutes');
  }
}
