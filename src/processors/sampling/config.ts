import { z } from 'zod';
import { regexSource } from '../configHelpers.ts';

const regex = regexSource();
const percentage = z.number().min(0).max(100);

/** A rate for a service and/or span names; the first matching rule wins. */
const rateRule = z.strictObject({
  /** Exact `service.name` (resource attribute); unset = every service. */
  service: z.string().optional(),
  /** Regular expression searched in the span name (anchor it yourself); unset = every span. Rules with it do not apply to logs. */
  spanName: regex.optional(),
  /** Exact `EventName` of log records (the event catalog's sampling annotations are such rules); rules with it apply to those logs only. */
  eventName: z.string().min(1).optional(),
  /** Percentage (0–100) of traces kept. */
  percentage,
}).refine((r) => r.spanName === undefined || r.eventName === undefined, { message: 'a rule names spans or log events, not both' });

/** A record matching every condition given is dropped, whatever its errors, priority or rate. */
const dropRule = z
  .strictObject({
    /** Exact `service.name`. */
    service: z.string().optional(),
    /** Regular expression searched in the span name; a rule with it never matches logs. */
    spanName: regex.optional(),
    /** An attribute of the record (or, when the record lacks it, of its resource). */
    attribute: z
      .strictObject({
        key: z.string().min(1),
        /** Equal to this value (strings exactly; numbers numerically; booleans). */
        value: z.union([z.string(), z.number(), z.boolean()]).optional(),
        /** String value matching this regular expression. Neither `value` nor `pattern`: the key is present. */
        pattern: regex.optional(),
      })
      .optional(),
  })
  .refine((r) => r.service !== undefined || r.spanName !== undefined || r.attribute !== undefined, {
    message: 'needs at least one of service, spanName, attribute',
  });

/**
 * Options of the `sampling` processor: consistent head sampling (OTEP 235) of spans and logs,
 * error-aware, recording each kept record's adjusted count. Compiled once when the chain is built.
 */
export const samplingConfigSchema = z.strictObject({
  /** Percentage (0–100) of traces kept when no rule matches. Default 100: only rules sample. */
  percentage: percentage.default(100),
  /** Rates per service and span name, in order; the first match wins, else `percentage`. */
  rules: z.array(rateRule).default([]),
  /**
   * How a rate combines with a threshold already in the span's tracestate (an SDK or an upstream
   * tier sampled it): `proportional` keeps `percentage` of what arrives (probabilities multiply);
   * `equalizing` brings every span to at most `percentage` overall, passing spans already sampled
   * harder untouched. The OTel Collector's probabilistic sampler modes of the same names.
   */
  mode: z.enum(['proportional', 'equalizing']).default('proportional'),
  /** Hex digits of the thresholds written (1–14); 4 is the OTel recommendation and Collector default. */
  precision: z.number().int().min(1).max(14).default(4),
  /** Keep spans with status Error or an `exception` event, and logs at severity ≥ 17 (ERROR), whatever the rate. */
  keepErrors: z.boolean().default(true),
  /** Records to drop outright; beats errors, `sampling.priority` and rates. */
  dropRules: z.array(dropRule).default([]),
  /** Attribute receiving the adjusted count 1/p on sampled records (what ClickStack/HyperDX read). */
  sampleRateAttribute: z.string().min(1).default('SampleRate'),
  /** For logs without a trace ID: an attribute hashed instead of the whole record when present (semantic convention `log.record.uid`). */
  logHashAttribute: z.string().min(1).default('log.record.uid'),
});

export type SamplingConfig = z.infer<typeof samplingConfigSchema>;
export type DropRule = z.infer<typeof dropRule>;
