/** `otelhouse_debug_sessions` rows: encoding a {@link DebugSession} for insert and reading one back. */
import { SESSION_LEVELS, type Consent, type DebugSession, type SessionLevel, type SessionTarget } from './model.ts';

/** The columns as inserted (`JSONEachRow`); DateTime64(3) values as integer milliseconds. */
export function sessionRow(s: DebugSession): Record<string, unknown> {
  return {
    Id: s.id,
    ServiceName: s.target['service.name'] ?? '',
    UserId: s.target['user.id'] ?? '',
    InstallationId: s.target['app.installation.id'] ?? '',
    DeviceId: s.target['device.id'] ?? '',
    SessionId: s.target['session.id'] ?? '',
    Level: s.level,
    CaptureLogs: s.capture.logs ? 1 : 0,
    CaptureSpans: s.capture.spans ? 1 : 0,
    CaptureNetwork: s.capture.network ? 1 : 0,
    Reason: s.reason,
    // The Consent column (JSON) also holds whether the SDK must ask: no column added for it.
    Consent: s.consent || s.requireConsent ? JSON.stringify({ ...s.consent, ...(s.requireConsent ? { required: true } : {}) }) : '',
    CreatedAt: s.createdAtMs,
    CreatedBy: s.createdBy,
    StartsAt: s.startsAtMs,
    EndsAt: s.endsAtMs,
    PausedAt: s.pausedAtMs,
    ResumedAt: s.resumedAtMs,
    CancelledAt: s.cancelledAtMs,
    CancelledBy: s.cancelledBy,
    UpdatedAt: s.updatedAtMs,
    UpdatedBy: s.updatedBy,
    Version: String(s.version),
  };
}

const ms = (column: string) => `toUnixTimestamp64Milli(${column})`;

/** The select list {@link readSession} reads; times as integer ms. */
export const SESSION_COLUMNS = [
  'Id AS id', 'ServiceName AS service', 'UserId AS userId', 'InstallationId AS installationId', 'DeviceId AS deviceId',
  'SessionId AS sessionId', 'Level AS level', 'CaptureLogs AS captureLogs', 'CaptureSpans AS captureSpans',
  'CaptureNetwork AS captureNetwork', 'Reason AS reason', 'Consent AS consent', `${ms('CreatedAt')} AS createdAtMs`,
  'CreatedBy AS createdBy', `${ms('StartsAt')} AS startsAtMs`, `${ms('EndsAt')} AS endsAtMs`, `${ms('PausedAt')} AS pausedAtMs`,
  `${ms('ResumedAt')} AS resumedAtMs`, `${ms('CancelledAt')} AS cancelledAtMs`, 'CancelledBy AS cancelledBy',
  `${ms('UpdatedAt')} AS updatedAtMs`, 'UpdatedBy AS updatedBy', 'Version AS version',
].join(', ');

/**
 * The status at `{now:Int64}` (ms) in SQL, the same rules as `statusAt` in lifecycle.ts, for
 * filtering lists by status.
 */
export const STATUS_SQL = `multiIf(
  CancelledAt > toDateTime64(0, 3), 'cancelled',
  EndsAt <= fromUnixTimestamp64Milli({now:Int64}), if(PausedAt > toDateTime64(0, 3), 'expired', 'completed'),
  PausedAt > toDateTime64(0, 3), 'paused',
  StartsAt > fromUnixTimestamp64Milli({now:Int64}), 'pending',
  'active')`;

/** A row selected with {@link SESSION_COLUMNS}. 64-bit integers may arrive as strings (HTTP) or numbers (chDB). */
export type SessionRecord = Record<string, string | number>;

/** A stored row as a session; an unknown level (written by a newer version) reads as `debug`. */
export function readSession(r: SessionRecord): DebugSession {
  const target: SessionTarget = {};
  const set = (key: keyof SessionTarget, value: unknown) => {
    if (typeof value === 'string' && value !== '') target[key] = value;
  };
  set('app.installation.id', r.installationId);
  set('device.id', r.deviceId);
  set('user.id', r.userId);
  set('session.id', r.sessionId);
  set('service.name', r.service);
  const level = String(r.level);
  return {
    id: String(r.id),
    target,
    level: (SESSION_LEVELS as readonly string[]).includes(level) ? (level as SessionLevel) : 'debug',
    capture: { logs: Number(r.captureLogs) === 1, spans: Number(r.captureSpans) === 1, network: Number(r.captureNetwork) === 1 },
    reason: String(r.reason),
    ...consentOf(r.consent),
    createdAtMs: Number(r.createdAtMs),
    createdBy: String(r.createdBy),
    startsAtMs: Number(r.startsAtMs),
    endsAtMs: Number(r.endsAtMs),
    pausedAtMs: Number(r.pausedAtMs),
    resumedAtMs: Number(r.resumedAtMs),
    cancelledAtMs: Number(r.cancelledAtMs),
    cancelledBy: String(r.cancelledBy),
    updatedAtMs: Number(r.updatedAtMs),
    updatedBy: String(r.updatedBy),
    version: Number(r.version),
  };
}

/** The Consent column: the consent recorded (`method`, `reference`, `grantedAtMs`) and `required`. */
function consentOf(column: unknown): { consent: Consent | null; requireConsent: boolean } {
  const json = column ? (JSON.parse(String(column)) as Partial<Consent> & { required?: boolean }) : {};
  const { required, ...consent } = json;
  return { consent: typeof consent.method === 'string' ? (consent as Consent) : null, requireConsent: required === true };
}
