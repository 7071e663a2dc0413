import type { AuditLog } from '../../storage/clickhouse/audit.ts';
import { KeyedSerial } from '../serial.ts';
import { randomBytes } from 'node:crypto';

import { applyCommand, endedAtMs, newSession, statusAt, type SessionCommand } from './lifecycle.ts';
import type { CreateSessionInput, DebugSession, SessionStats } from './model.ts';
import type { SessionRegistry } from './registry.ts';
import type { SessionStore } from './store.ts';

/** Where changes are audited: the audit log's write (a narrower type keeps tests' sinks small). */
export type AuditSink = Pick<AuditLog, 'write'>;

/** A new session ID: `ds_` and 24 hex digits. */
export const newSessionId = (): string => `ds_${randomBytes(12).toString('hex')}`;

const iso = (ms: number): string | null => (ms > 0 ? new Date(ms).toISOString() : null);

/** The session as the API shows it at `nowMs` (times ISO 8601, null when unset), with its stats when given. */
export function sessionView(s: DebugSession, nowMs: number, stats?: SessionStats): Record<string, unknown> {
  return {
    id: s.id,
    status: statusAt(s, nowMs),
    target: s.target,
    level: s.level,
    capture: s.capture,
    durationMinutes: Math.round((s.endsAtMs - s.startsAtMs) / 60_000),
    reason: s.reason,
    consent: s.consent && { method: s.consent.method, reference: s.consent.reference, grantedAt: iso(s.consent.grantedAtMs) },
    requireConsent: s.requireConsent,
    createdAt: iso(s.createdAtMs),
    createdBy: s.createdBy,
    startsAt: iso(s.startsAtMs),
    endsAt: iso(s.endsAtMs),
    pausedAt: iso(s.pausedAtMs),
    resumedAt: iso(s.resumedAtMs),
    cancelledAt: iso(s.cancelledAtMs),
    cancelledBy: s.cancelledBy || null,
    endedAt: iso(endedAtMs(s, nowMs)),
    updatedAt: iso(s.updatedAtMs),
    updatedBy: s.updatedBy,
    version: s.version,
    ...(stats && { stats: { logs: stats.logs, spans: stats.spans, errors: stats.errors, lastSeenAt: iso(stats.lastSeenMs) } }),
  };
}

/** Stats of a session nothing was received for yet. */
export const NO_STATS: Readonly<SessionStats> = Object.freeze({ logs: 0, spans: 0, errors: 0, lastSeenMs: 0 });

/**
 * Debug-session changes: each one is checked by the lifecycle, stored as a new row version, made
 * visible to this instance's registry at once, and audited with the session before and after.
 */
export class SessionService {
  private readonly now: () => number;
  private readonly newId: () => string;
  /** Commands on one session run in turn (a cancel racing an extend must not be undone). */
  private readonly serial = new KeyedSerial();

  constructor(
    private readonly deps: {
      store: SessionStore;
      registry: Pick<SessionRegistry, 'apply'>;
      audit: AuditSink;
      /** Clock, ms. Default `Date.now`. */
      now?: () => number;
      newId?: () => string;
    },
  ) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? newSessionId;
  }

  /** Creates a session (throws `LifecycleError` 400 for a `startsAt` out of range). */
  async create(input: CreateSessionInput, actor: string): Promise<DebugSession> {
    const nowMs = this.now();
    const stored = await this.deps.store.put(newSession(input, this.newId(), nowMs, actor));
    this.deps.registry.apply(stored);
    await this.deps.audit.write({ actor, action: 'debug_session.create', entityType: 'debug_session', entityId: stored.id, before: null, after: sessionView(stored, nowMs) });
    return stored;
  }

  /** Applies a command; undefined for an unknown session; throws `LifecycleError` (409 / 400). */
  command(id: string, command: SessionCommand, actor: string): Promise<DebugSession | undefined> {
    return this.serial.run(id, () => this.apply(id, command, actor));
  }

  private async apply(id: string, command: SessionCommand, actor: string): Promise<DebugSession | undefined> {
    const current = await this.deps.store.get(id);
    if (!current) return undefined;
    const nowMs = this.now();
    const stored = await this.deps.store.put(applyCommand(current, command, nowMs, actor));
    this.deps.registry.apply(stored);
    await this.deps.audit.write({
      actor,
      action: `debug_session.${command.kind}`,
      entityType: 'debug_session',
      entityId: id,
      before: sessionView(current, nowMs),
      after: sessionView(stored, nowMs),
    });
    return stored;
  }
}
