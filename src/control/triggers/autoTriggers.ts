/**
 * Auto-triggers: rules that open a debug session for a client that keeps hitting one issue. They
 * watch durable error occurrences (after the issue tracker), keep a short window of arrival times
 * per (rule, issue, client) in bounded memory, and open the session through the same service the
 * admin API uses, so it is stored, applied by every instance and audited (actor
 * `auto-trigger:<rule>`). Each rule is capped per hour.
 */
import type { Occurrence } from '../../issues/types.ts';
import { emptyIdentity, type ClientIdentity } from '../policies/identity.ts';
import type { SessionRegistry } from '../sessions/registry.ts';
import type { SessionService } from '../sessions/service.ts';
import type { TargetKey } from '../sessions/model.ts';
import type { AutoTriggerRule } from './config.ts';

/** What happened to an occurrence that completed a rule's window. */
export type TriggerOutcome = 'opened' | 'already_active' | 'capped' | 'failed';

export interface AutoTriggerOptions {
  rules: readonly AutoTriggerRule[];
  sessions: Pick<SessionService, 'create'>;
  registry: Pick<SessionRegistry, 'activeFor'>;
  /** Clock, ms; default `Date.now`. */
  now?: () => number;
  /** Counts outcomes (metrics). */
  onOutcome?: (rule: string, outcome: TriggerOutcome) => void;
  onError?: (err: unknown) => void;
}

const HOUR_MS = 3_600_000;
const MINUTE_MS = 60_000;
/** Windows held at once; beyond it the oldest go (a flood of distinct clients cannot grow memory). */
const MAX_WINDOWS = 50_000;

const OCCURRENCE_FIELD: Record<TargetKey, keyof Occurrence> = {
  'app.installation.id': 'installationId',
  'device.id': 'deviceId',
  'user.id': 'userId',
  'session.id': 'sessionId',
};
const IDENTITY_FIELD: Record<TargetKey, keyof ClientIdentity> = {
  'app.installation.id': 'installationId',
  'device.id': 'deviceId',
  'user.id': 'userId',
  'session.id': 'sessionId',
};

export class AutoTriggers {
  /** Arrival times (ms) per rule, issue and client, oldest first; Map order = least recently touched first. */
  private readonly windows = new Map<string, number[]>();
  /** Session openings per rule in the last hour. */
  private readonly opened = new Map<string, number[]>();
  private readonly now: () => number;

  constructor(private readonly options: AutoTriggerOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Feeds durable occurrences; resolves once any sessions they trigger are opened. Never rejects. */
  async observe(occurrences: readonly Occurrence[]): Promise<void> {
    if (this.options.rules.length === 0) return;
    const nowMs = this.now();
    for (const o of occurrences) {
      for (const rule of this.options.rules) {
        if ((rule.service !== undefined && o.service !== rule.service) || (rule.fingerprint !== undefined && o.fingerprint !== rule.fingerprint)) continue;
        const client = String(o[OCCURRENCE_FIELD[rule.target]] ?? '');
        if (client === '') continue;
        const key = `${rule.name}\u0001${o.fingerprint}\u0001${client}`;
        if (this.count(key, nowMs, rule, o.count) < rule.minEvents) continue;
        // A full window opens (at most) one session; the next needs minEvents new occurrences.
        this.windows.delete(key);
        await this.trigger(rule, o, client, nowMs);
      }
    }
  }

  /**
   * Adds an arrival standing for `occurrences` events (a client folds an error storm into one
   * record) to the window of `key`, and returns how many fall within the rule's minutes.
   */
  private count(key: string, nowMs: number, rule: AutoTriggerRule, occurrences: number): number {
    const since = nowMs - rule.withinMinutes * MINUTE_MS;
    const times = (this.windows.get(key) ?? []).filter((t) => t > since);
    for (let i = 0; i < Math.min(Math.max(1, occurrences), rule.minEvents); i++) times.push(nowMs);
    if (times.length > rule.minEvents) times.splice(0, times.length - rule.minEvents);
    this.windows.delete(key);
    this.windows.set(key, times);
    if (this.windows.size > MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
    return times.length;
  }

  private async trigger(rule: AutoTriggerRule, o: Occurrence, client: string, nowMs: number): Promise<void> {
    const report = (outcome: TriggerOutcome) => this.options.onOutcome?.(rule.name, outcome);
    const identity: ClientIdentity = { ...emptyIdentity(), service: o.service, [IDENTITY_FIELD[rule.target]]: client };
    if (this.options.registry.activeFor(identity, nowMs)) return report('already_active');
    const recent = (this.opened.get(rule.name) ?? []).filter((t) => t > nowMs - HOUR_MS);
    this.opened.set(rule.name, recent);
    if (recent.length >= rule.maxPerHour) return report('capped');
    recent.push(nowMs);
    try {
      await this.options.sessions.create(
        {
          target: { [rule.target]: client, ...(rule.service === undefined ? {} : { 'service.name': rule.service }) },
          level: rule.level,
          capture: {},
          requireConsent: false,
          durationMinutes: rule.sessionMinutes,
          reason: `auto-trigger ${rule.name}: ${rule.minEvents} events of issue ${o.fingerprint} within ${rule.withinMinutes} min`,
        },
        `auto-trigger:${rule.name}`,
      );
      report('opened');
    } catch (err) {
      report('failed');
      this.options.onError?.(err);
    }
  }
}
