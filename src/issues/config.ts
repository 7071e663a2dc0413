import { z } from 'zod';
import { alertsConfigSchema } from './alerts/config.ts';
import { fingerprintRulesSchema } from './grouping/rules.ts';

const positiveInt = z.number().int().positive();

/** An issue reaches a severity once it has at least `events` events or at least `users` distinct users. */
const threshold = (events: number, users: number) =>
  z
    .strictObject({
      /** Events (all time) at which the issue escalates. */
      events: positiveInt.default(events),
      /** Distinct non-empty `user.id`s at which the issue escalates. */
      users: positiveInt.default(users),
    })
    .prefault({});

/**
 * The `issues` section: error grouping, the issue lifecycle and alerts. Validated once at start.
 * Severity escalates `warning → error → fatal` (never back down automatically).
 */
export const issuesConfigSchema = z
  .strictObject({
    /** Extract error occurrences, group them into issues and track their lifecycle. Default true. */
    enabled: z.boolean().default(true),
    /** Thresholds for automatic severity escalation. Defaults: error at 100 events or 10 users, fatal at 1000 or 100. */
    escalation: z
      .strictObject({
        error: threshold(100, 10),
        fatal: threshold(1000, 100),
      })
      .prefault({}),
    /** An issue is `new` for this long after it was first seen; its next event makes it `ongoing`. Default 24 h. */
    ongoingAfterMs: positiveInt.default(24 * 3_600_000),
    /** How long the tracker trusts its cached state and counts of an issue before reading them again. Default 30 s. */
    refreshMs: positiveInt.default(30_000),
    /** Issues whose state the tracker keeps in memory (least recently used go first). Default 10 000. */
    maxCachedIssues: positiveInt.default(10_000),
    /** Custom grouping rules, Sentry's fingerprint rules in YAML form (`src/issues/grouping/README.md`). */
    fingerprintRules: fingerprintRulesSchema,
    /** Webhooks told about new, regressed and escalated issues (`src/issues/alerts/config.ts`). */
    alerts: alertsConfigSchema.prefault({}),
  })
  .superRefine((c, ctx) => {
    const { error, fatal } = c.escalation;
    if (fatal.events < error.events) ctx.addIssue({ code: 'custom', path: ['escalation', 'fatal', 'events'], message: `must be >= escalation.error.events (${error.events})` });
    if (fatal.users < error.users) ctx.addIssue({ code: 'custom', path: ['escalation', 'fatal', 'users'], message: `must be >= escalation.error.users (${error.users})` });
  });

/** The validated `issues` configuration. */
export type IssuesConfig = z.infer<typeof issuesConfigSchema>;
/** Escalation thresholds, as validated. */
export type EscalationConfig = IssuesConfig['escalation'];
