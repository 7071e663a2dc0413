import { z } from 'zod';
import { MAX_DURATION_MINUTES, SESSION_LEVELS, TARGET_KEYS } from '../sessions/model.ts';

const positiveInt = z.number().int().positive();

/**
 * "When one client sends `minEvents` occurrences of one issue within `withinMinutes`, open a debug
 * session for that client for `sessionMinutes`" — at most `maxPerHour` sessions an hour per rule.
 */
export const autoTriggerSchema = z.strictObject({
  /** Names the rule in the audit log (actor `auto-trigger:<name>`) and in metrics. */
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
  /** Which identity of the client the session targets. Default `device.id`. */
  target: z.enum(TARGET_KEYS).default('device.id'),
  /** Occurrences of one issue from one client that open a session. Default 3. */
  minEvents: positiveInt.default(3),
  /** ...within this many minutes. Default 10. */
  withinMinutes: positiveInt.max(24 * 60).default(10),
  /** Length of the session opened. Default 30. */
  sessionMinutes: positiveInt.max(MAX_DURATION_MINUTES).default(30),
  level: z.enum(SESSION_LEVELS).default('debug'),
  /** Only occurrences of this `service.name` count; unset = every service. The session is limited to the service. */
  service: z.string().min(1).optional(),
  /** Only occurrences of this issue count; unset = any issue (counted per issue). */
  fingerprint: z.string().regex(/^[0-9a-f]{32}$/).optional(),
  /** Sessions this rule may open per hour (across clients). Default 10. */
  maxPerHour: positiveInt.default(10),
});

export const autoTriggersSchema = z.array(autoTriggerSchema).default([]);
export type AutoTriggerRule = z.infer<typeof autoTriggerSchema>;
