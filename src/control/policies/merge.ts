/**
 * The effective configuration of one client: the policies that match it merged over the defaults,
 * then its active debug session applied.
 *
 * Merge rules:
 * 1. A policy matches when it is enabled, inside its schedule, and its targeting selects the client.
 * 2. Matching policies are ordered by priority (higher first), then specificity (more targeting
 *    criteria first), then the most recently updated, then ID. For each setting, the first policy
 *    in that order that sets it wins; settings no policy sets keep {@link DEFAULT_CONFIG}'s value.
 *    Nested settings (`sampling.*`, `sdk.*`) are merged field by field.
 * 3. The kill switch wins: if any matching policy sets `telemetryEnabled: false`, telemetry is off,
 *    whatever the order — and a debug session does not turn it back on.
 * 4. An active debug session for the client (telemetry on) lowers `minLogLevel` to the session's
 *    level when it captures logs (never raises it), sets the sampling of the signals it captures to
 *    100 %, and polls at least every 15 s so a pause or cancel reaches the client quickly.
 */
import { SESSION_LOG_LEVEL, type DebugSession } from '../sessions/model.ts';
import { LEVEL_SEVERITY, type LogLevel } from './model.ts';
import type { CompiledPolicy } from './targeting.ts';
import type { ClientIdentity } from './identity.ts';

/** What a client collects and how its SDK exports. */
export interface EffectiveConfig {
  telemetryEnabled: boolean;
  minLogLevel: LogLevel;
  /** Percentages kept, and log records per minute per event name (0: no throttle). */
  sampling: { tracesPercentage: number; logsPercentage: number; logsPerMinute: number };
  sdk: { maxBatchSize: number; flushIntervalMs: number; maxQueueSize: number; pollIntervalMs: number };
  /**
   * The `sdk` settings the matching policies set, sorted (the rest of `sdk` is defaults): an SDK
   * replaces its app's own settings with these only, and keeps the app's for the others.
   */
  sdkFromPolicies: Array<keyof EffectiveConfig['sdk']>;
  /** The client's active debug session, or null. */
  debugSession: null | {
    id: string;
    level: DebugSession['level'];
    capture: DebugSession['capture'];
    /** ISO 8601. */
    startsAt: string;
    endsAt: string;
    /**
     * Present when the SDK must ask the user first: what applies until yes (and after no) — the
     * level and sampling without the session.
     */
    consentRequired?: { minLogLevel: LogLevel; sampling: EffectiveConfig['sampling'] };
  };
  /** IDs of the matching policies, in merge order. */
  policies: string[];
}

/**
 * What a client gets when no policy says otherwise: everything on, every level (as a Collector keeps
 * every record it is sent; a policy raises the minimum level), no sampling, and the
 * OpenTelemetry batch processor's defaults (512 records, 5 s, queue 2048); config polled every minute.
 */
export const DEFAULT_CONFIG: Readonly<EffectiveConfig> = Object.freeze({
  telemetryEnabled: true,
  minLogLevel: 'trace',
  sampling: Object.freeze({ tracesPercentage: 100, logsPercentage: 100, logsPerMinute: 0 }),
  sdk: Object.freeze({ maxBatchSize: 512, flushIntervalMs: 5_000, maxQueueSize: 2_048, pollIntervalMs: 60_000 }),
  sdkFromPolicies: Object.freeze([]) as unknown as Array<keyof EffectiveConfig['sdk']>,
  debugSession: null,
  policies: Object.freeze([]) as unknown as string[],
});

/** Poll interval while a debug session is active, ms. */
export const SESSION_POLL_INTERVAL_MS = 15_000;

/** The policies of `compiled` (in merge order) that match `identity` at `nowMs`. */
export function matchingPolicies(compiled: readonly CompiledPolicy[], identity: ClientIdentity, nowMs: number): CompiledPolicy[] {
  return compiled.filter((c) => c.activeAt(nowMs) && c.targets(identity));
}

/**
 * Merges `matching` (already filtered and in merge order, see {@link matchingPolicies}) and applies
 * `session` (the client's active session, if any) by the rules above.
 */
export function effectiveConfig(matching: readonly CompiledPolicy[], session: DebugSession | undefined): EffectiveConfig {
  const out: EffectiveConfig = {
    telemetryEnabled: true,
    minLogLevel: DEFAULT_CONFIG.minLogLevel,
    sampling: { ...DEFAULT_CONFIG.sampling },
    sdk: { ...DEFAULT_CONFIG.sdk },
    sdkFromPolicies: [],
    debugSession: null,
    policies: matching.map((c) => c.policy.id),
  };
  let minLogLevel: LogLevel | undefined;
  const sampling: Partial<EffectiveConfig['sampling']> = {};
  const sdk: Partial<EffectiveConfig['sdk']> = {};
  // Walk from the last (weakest) to the first (strongest): later assignments win.
  for (let i = matching.length - 1; i >= 0; i--) {
    const s = matching[i].policy.settings;
    if (s.telemetryEnabled === false) out.telemetryEnabled = false;
    if (s.minLogLevel !== undefined) minLogLevel = s.minLogLevel;
    if (s.sampling) assignDefined(sampling, s.sampling);
    if (s.sdk) assignDefined(sdk, s.sdk);
  }
  if (minLogLevel !== undefined) out.minLogLevel = minLogLevel;
  Object.assign(out.sampling, sampling);
  Object.assign(out.sdk, sdk);
  out.sdkFromPolicies = (Object.keys(sdk) as Array<keyof EffectiveConfig['sdk']>).sort();
  if (session && out.telemetryEnabled) applySession(out, session);
  return out;
}

function assignDefined<T extends object>(into: Partial<T>, from: Partial<T>): void {
  for (const [k, v] of Object.entries(from)) if (v !== undefined) (into as Record<string, unknown>)[k] = v;
}

function applySession(out: EffectiveConfig, session: DebugSession): void {
  const { capture } = session;
  const baseline = { minLogLevel: out.minLogLevel, sampling: { ...out.sampling } };
  if (capture.logs) {
    const level = SESSION_LOG_LEVEL[session.level];
    if (LEVEL_SEVERITY[level] < LEVEL_SEVERITY[out.minLogLevel]) out.minLogLevel = level;
    out.sampling.logsPercentage = 100;
    out.sampling.logsPerMinute = 0;
  }
  if (capture.spans) out.sampling.tracesPercentage = 100;
  out.sdk.pollIntervalMs = Math.min(out.sdk.pollIntervalMs, SESSION_POLL_INTERVAL_MS);
  out.debugSession = {
    id: session.id,
    level: session.level,
    capture: { ...capture },
    startsAt: new Date(session.startsAtMs).toISOString(),
    endsAt: new Date(session.endsAtMs).toISOString(),
    ...(session.requireConsent ? { consentRequired: baseline } : {}),
  };
}
