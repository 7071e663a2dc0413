/**
 * Remote debug sessions: an engineer raises collection for one client (user, installation, device
 * or app session, optionally within one service) for a bounded time. The zod schemas validate the
 * admin API's bodies; the lifecycle lives in `lifecycle.ts`.
 */
import { z } from 'zod';

import { instantValue } from '../policies/model.ts';

/**
 * How much a session collects: `standard` keeps logs from INFO up, `debug` from DEBUG, `trace`
 * everything (TRACE); all three keep every captured record regardless of sampling.
 */
export const SESSION_LEVELS = ['standard', 'debug', 'trace'] as const;
export type SessionLevel = (typeof SESSION_LEVELS)[number];

/** The minimum log level each session level collects. */
export const SESSION_LOG_LEVEL = Object.freeze({ standard: 'info', debug: 'debug', trace: 'trace' } as const);

/** The identity attributes a session can target (at least one); `service.name` only narrows. */
export const TARGET_KEYS = ['app.installation.id', 'device.id', 'user.id', 'session.id'] as const;
export type TargetKey = (typeof TARGET_KEYS)[number];

/** Who a session is for: every attribute given must match the client's resource. */
export type SessionTarget = Partial<Record<TargetKey | 'service.name', string>>;

/** What a session collects: logs, spans, and network spans (HTTP client spans) among the spans. */
export interface Capture {
  logs: boolean;
  spans: boolean;
  network: boolean;
}

/** How the user agreed to be debugged. */
export interface Consent {
  /** e.g. `in_app_prompt`, `support_ticket`, `terms`. */
  method: string;
  /** A ticket number or document; `''` if none. */
  reference: string;
  grantedAtMs: number;
}

/** The lifecycle statuses; see `statusAt` in lifecycle.ts for what each means. */
export const SESSION_STATUSES = ['pending', 'active', 'paused', 'completed', 'cancelled', 'expired'] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** A stored session. Times in ms since the epoch; 0 = unset. */
export interface DebugSession {
  id: string;
  target: SessionTarget;
  level: SessionLevel;
  capture: Capture;
  reason: string;
  consent: Consent | null;
  /**
   * The SDK asks the user (the app's consent hook) before collecting anything below its usual
   * level for this session; until yes it keeps such records in memory only, on no it drops them.
   */
  requireConsent: boolean;
  createdAtMs: number;
  createdBy: string;
  startsAtMs: number;
  endsAtMs: number;
  /** Set while paused. */
  pausedAtMs: number;
  /** The last resume. */
  resumedAtMs: number;
  cancelledAtMs: number;
  cancelledBy: string;
  updatedAtMs: number;
  updatedBy: string;
  /** Row version (ReplacingMergeTree); increases with every change. */
  version: number;
}

/** What a session received, summed over every gateway instance. */
export interface SessionStats {
  logs: number;
  spans: number;
  errors: number;
  /** Last record received, ms; 0 = none yet. */
  lastSeenMs: number;
}

/** Default and longest session, minutes. */
export const DEFAULT_DURATION_MINUTES = 60;
export const MAX_DURATION_MINUTES = 24 * 60;

const attribute = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\x00-\x1f\x7f]*$/, 'must not contain control characters');

/** A session's target: at least one of the four identity attributes, optionally `service.name`. */
export const targetSchema = z
  .strictObject({
    'app.installation.id': attribute.optional(),
    'device.id': attribute.optional(),
    'user.id': attribute.optional(),
    'session.id': attribute.optional(),
    'service.name': attribute.optional(),
  })
  .refine((t) => TARGET_KEYS.some((k) => t[k] !== undefined), { message: `needs at least one of ${TARGET_KEYS.join(', ')}` });

const captureSchema = z.strictObject({ logs: z.boolean().optional(), spans: z.boolean().optional(), network: z.boolean().optional() });

const consentSchema = z.strictObject({
  method: z.string().min(1).max(64),
  reference: z.string().max(256).default(''),
  /** Default: when the session is created. */
  grantedAt: instantValue.optional(),
});

const duration = z.number().int().min(1).max(MAX_DURATION_MINUTES);

/** `POST /api/debug-sessions`. Capture defaults: logs and spans on, network off. */
export const createSessionSchema = z.strictObject({
  target: targetSchema,
  level: z.enum(SESSION_LEVELS).default('debug'),
  capture: captureSchema.prefault({}),
  /** Minutes from `startsAt` until the session ends; 1–1440, default 60. */
  durationMinutes: duration.default(DEFAULT_DURATION_MINUTES),
  /** Default now; at most 30 days ahead. */
  startsAt: instantValue.optional(),
  reason: z.string().max(1000).default(''),
  consent: consentSchema.optional(),
  /** The SDK asks the user in the app before collecting for this session (default false). */
  requireConsent: z.boolean().default(false),
});

/** `PATCH /api/debug-sessions/:id`: any of level, capture, reason, consent (null removes it), durationMinutes. */
export const updateSessionSchema = z
  .strictObject({
    level: z.enum(SESSION_LEVELS).optional(),
    capture: captureSchema.optional(),
    reason: z.string().max(1000).optional(),
    consent: consentSchema.nullable().optional(),
    requireConsent: z.boolean().optional(),
    durationMinutes: duration.optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to change: give level, capture, reason, consent, requireConsent or durationMinutes' });

/** `POST /api/debug-sessions/:id/extend`. */
export const extendSessionSchema = z.strictObject({ minutes: duration });

export type CreateSessionInput = z.infer<typeof createSessionSchema>;
export type UpdateSessionInput = z.infer<typeof updateSessionSchema>;
