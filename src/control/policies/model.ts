/**
 * Collection policies: who they target and what they set. The zod schemas validate the admin API's
 * bodies once; everything downstream works on the parsed, compiled form.
 */
import semver from 'semver';
import { z } from 'zod';

/** Log levels, most verbose first; a client keeps records at or above its minimum. */
export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The lowest OTLP SeverityNumber of each level (TRACE 1–4, DEBUG 5–8, INFO 9–12, WARN 13–16, ERROR 17–20, FATAL 21–24). */
export const LEVEL_SEVERITY: Readonly<Record<LogLevel, number>> = Object.freeze({ trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 });

const MAX_MS = Date.UTC(2262, 0, 1);
const label = z.string().min(1).max(128);
const list = (item: z.ZodType<string>) => z.array(item).min(1).max(200);

/** An instant as ISO 8601 (with a zone) or ms since the epoch; parsed to ms. */
export const instantValue = z.union([
  z.number().int().min(0).max(MAX_MS),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

const versionRange = z
  .string()
  .min(1)
  .max(256)
  .refine((r) => semver.validRange(r, { loose: true, includePrerelease: true }) !== null, { message: 'must be a semver range, e.g. ">=2.1.0 <3.0.0"' });

/**
 * Who a policy applies to. Every criterion given must match; one left out matches every client. A
 * client that does not send the attribute a criterion tests does not match it.
 */
export const targetingSchema = z.strictObject({
  /** Exact `service.name` values. */
  services: list(label).optional(),
  /** `telemetry.sdk.language` values, any case. */
  platforms: list(label).optional(),
  /**
   * A semver range over `service.version` (node-semver syntax). Pre-releases compare by precedence
   * (`>=2.0.0` matches `2.1.0-beta.1`, not `2.0.0-rc.1`); versions that are not semver are coerced
   * (`2.3` → `2.3.0`); a version that cannot be read does not match.
   */
  appVersions: versionRange.optional(),
  /** `otelhouse.release.channel` values, any case. */
  channels: list(label).optional(),
  /** `deployment.environment.name` values, any case. */
  environments: list(label).optional(),
  /** ISO 3166-1 alpha-2 codes of `geo.country.iso_code`, any case. */
  countries: list(z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 code')).optional(),
  /**
   * Percentage (0–100) of clients included, chosen by a stable hash of the policy ID and the
   * client's `app.installation.id` (else `device.id`): a client stays in as the percentage grows.
   * Default 100; below 100 a client with neither ID is never included.
   */
  rolloutPercentage: z.number().min(0).max(100).default(100),
});

/** What a policy sets; each field left out is decided by other policies or the defaults. */
export const settingsSchema = z.strictObject({
  /** `false` stops all telemetry of the clients it matches (kill switch, opt-out); always wins. */
  telemetryEnabled: z.boolean().optional(),
  /** Records below this level are not collected (and dropped at the gateway). */
  minLogLevel: z.enum(LOG_LEVELS).optional(),
  /**
   * Percentages (0–100) of traces and logs an SDK keeps (by session in browsers, by trace in Node;
   * errors always kept), and a throttle: at most `logsPerMinute` log records per minute per event
   * name (0: none).
   */
  sampling: z
    .strictObject({
      tracesPercentage: z.number().min(0).max(100).optional(),
      logsPercentage: z.number().min(0).max(100).optional(),
      logsPerMinute: z.number().int().min(0).max(1_000_000).optional(),
    })
    .optional(),
  /** SDK export settings. */
  sdk: z
    .strictObject({
      /** Records per export. */
      maxBatchSize: z.number().int().min(1).max(10_000).optional(),
      /** Longest wait before an export, ms. */
      flushIntervalMs: z.number().int().min(100).max(3_600_000).optional(),
      /** Records an SDK queues before dropping. */
      maxQueueSize: z.number().int().min(1).max(1_000_000).optional(),
      /** How often an SDK fetches `/v1/config`, ms. */
      pollIntervalMs: z.number().int().min(5_000).max(86_400_000).optional(),
    })
    .optional(),
});

/** When a policy applies: from `startsAt` (inclusive) until `expiresAt` (exclusive); either may be left out. */
export const scheduleSchema = z
  .strictObject({ startsAt: instantValue.nullable().optional(), expiresAt: instantValue.nullable().optional() })
  .refine((s) => s.startsAt == null || s.expiresAt == null || s.expiresAt > s.startsAt, { message: 'must be after startsAt', path: ['expiresAt'] });

/** The body of `POST /api/policies` and `PUT /api/policies/:id`. */
export const policyBodySchema = z.strictObject({
  name: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  enabled: z.boolean().default(true),
  /** Higher wins a conflict (−1000–1000, default 0). */
  priority: z.number().int().min(-1000).max(1000).default(0),
  targeting: targetingSchema.prefault({}),
  schedule: scheduleSchema.optional(),
  settings: settingsSchema,
});

export type Targeting = z.infer<typeof targetingSchema>;
export type PolicySettings = z.infer<typeof settingsSchema>;
export type PolicyBody = z.infer<typeof policyBodySchema>;

/** A stored policy. Times in ms since the epoch; `null` = unset. */
export interface CollectionPolicy {
  id: string;
  name: string;
  description: string;
  enabled: boolean;
  priority: number;
  targeting: Targeting;
  startsAtMs: number | null;
  expiresAtMs: number | null;
  settings: PolicySettings;
  createdAtMs: number;
  createdBy: string;
  updatedAtMs: number;
  updatedBy: string;
  /** Row version (ReplacingMergeTree); increases with every change. */
  version: number;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

/** The policy as the API shows it (times ISO 8601). */
export function policyView(p: CollectionPolicy): Record<string, unknown> {
  return {
    id: p.id,
    name: p.name,
    description: p.description,
    enabled: p.enabled,
    priority: p.priority,
    targeting: p.targeting,
    schedule: { startsAt: iso(p.startsAtMs), expiresAt: iso(p.expiresAtMs) },
    settings: p.settings,
    createdAt: iso(p.createdAtMs),
    createdBy: p.createdBy,
    updatedAt: iso(p.updatedAtMs),
    updatedBy: p.updatedBy,
    version: p.version,
  };
}
