import { z } from 'zod';

const regexOrString = z.string();
const name = z.string().min(1).optional();

/**
 * A tail-sampling policy, as the OTel Collector's `tail_sampling` names them (in camelCase).
 * Each votes on a whole trace; see `policies.ts` for how votes combine.
 */
export type PolicyConfig =
  | { type: 'always_sample'; name?: string }
  | { type: 'status_code'; name?: string; statusCodes: ('ERROR' | 'OK' | 'UNSET')[] }
  | { type: 'latency'; name?: string; thresholdMs: number; upperThresholdMs: number }
  | { type: 'numeric_attribute'; name?: string; key: string; minValue?: number; maxValue?: number; invertMatch: boolean }
  | { type: 'string_attribute'; name?: string; key: string; values: string[]; enabledRegexMatching: boolean; invertMatch: boolean }
  | { type: 'boolean_attribute'; name?: string; key: string; value: boolean; invertMatch: boolean }
  | { type: 'span_count'; name?: string; minSpans: number; maxSpans: number }
  | { type: 'probabilistic'; name?: string; samplingPercentage: number }
  | { type: 'rate_limiting'; name?: string; spansPerSecond: number }
  | { type: 'and'; name?: string; policies: PolicyConfig[] }
  | { type: 'not'; name?: string; policy: PolicyConfig }
  | { type: 'drop'; name?: string; policies: PolicyConfig[] };

const policy: z.ZodType<PolicyConfig, unknown> = z.lazy(() =>
  z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('always_sample'), name }),
    /** Sampled when any span has one of these status codes. */
    z.strictObject({ type: z.literal('status_code'), name, statusCodes: z.array(z.enum(['ERROR', 'OK', 'UNSET'])).min(1) }),
    /** Sampled when the trace (earliest start to latest end) lasts ≥ thresholdMs (and ≤ upperThresholdMs when > 0). */
    z.strictObject({ type: z.literal('latency'), name, thresholdMs: z.number().min(0), upperThresholdMs: z.number().min(0).default(0) }),
    /** Sampled when a span or resource attribute is a number in [minValue, maxValue] (either bound optional). */
    z
      .strictObject({ type: z.literal('numeric_attribute'), name, key: z.string().min(1), minValue: z.number().optional(), maxValue: z.number().optional(), invertMatch: z.boolean().default(false) })
      .refine((p) => p.minValue !== undefined || p.maxValue !== undefined, { message: 'needs minValue or maxValue' }),
    /** Sampled when a span or resource attribute is one of `values` (regular expressions, searched, with enabledRegexMatching). */
    z
      .strictObject({ type: z.literal('string_attribute'), name, key: z.string().min(1), values: z.array(regexOrString).min(1), enabledRegexMatching: z.boolean().default(false), invertMatch: z.boolean().default(false) })
      .refine((p) => !p.enabledRegexMatching || p.values.every(isValidRegex), { message: 'values must be valid regular expressions', path: ['values'] }),
    /** Sampled when a span or resource attribute is this boolean. */
    z.strictObject({ type: z.literal('boolean_attribute'), name, key: z.string().min(1), value: z.boolean(), invertMatch: z.boolean().default(false) }),
    /** Sampled when the trace has between minSpans and maxSpans spans, inclusive (maxSpans 0 = no upper bound). */
    z.strictObject({ type: z.literal('span_count'), name, minSpans: z.number().int().min(0), maxSpans: z.number().int().min(0).default(0) }),
    /** Sampled when the trace's randomness passes this percentage's OTEP 235 threshold (consistent with the `sampling` processor). */
    z.strictObject({ type: z.literal('probabilistic'), name, samplingPercentage: z.number().min(0).max(100) }),
    /** Sampled while the spans sampled this way stay within spansPerSecond (token bucket, burst 2 s). */
    z.strictObject({ type: z.literal('rate_limiting'), name, spansPerSecond: z.number().positive() }),
    /** Sampled when every sub-policy samples. */
    z.strictObject({ type: z.literal('and'), name, policies: z.array(policy).min(1) }),
    /** Sampled when the sub-policy does not sample, and the reverse. */
    z.strictObject({ type: z.literal('not'), name, policy }),
    /** Drops the trace, whatever the other policies say, when every sub-policy samples. */
    z.strictObject({ type: z.literal('drop'), name, policies: z.array(policy).min(1) }),
  ]),
);

/**
 * Options of the `tailsampling` processor: whole-trace decisions after `decisionWaitMs`, as the
 * OTel Collector's `tail_sampling` processor, with bounded memory and a durable hold.
 */
export const tailSamplingConfigSchema = z.strictObject({
    /** Time from a trace's first span to its decision, in ms (the Collector's `decision_wait`, 30 s there). */
    decisionWaitMs: z.number().int().positive().default(10_000),
    /** Traces held awaiting a decision; beyond it the oldest is decided early (`num_traces`). */
    maxTraces: z.number().int().positive().default(50_000),
    /** Spans held awaiting a decision, over all traces; beyond it the oldest traces are decided early. */
    maxSpans: z.number().int().positive().default(500_000),
    /** Trace IDs whose keep decision is remembered, so late spans follow it (`sampled_cache_size`). */
    sampledCacheSize: z.number().int().min(0).default(100_000),
    /** Trace IDs whose drop decision is remembered (`non_sampled_cache_size`). */
    notSampledCacheSize: z.number().int().min(0).default(100_000),
    /**
     * `disk` (default): held spans are appended to a local hold log (fsynced) before the request
     * is acknowledged and replayed after a crash, so a 200 keeps its promise. `memory`: held
     * spans live only in memory, as in the Collector — acknowledged spans awaiting their decision
     * are lost if the process dies.
     */
    durability: z.enum(['disk', 'memory']).default('disk'),
    /** Attribute receiving the adjusted count 1/p of traces kept by a probabilistic policy. */
    sampleRateAttribute: z.string().min(1).default('SampleRate'),
    /** Bound on the hold log on disk; beyond it requests are refused (503) until decisions free space. */
    maxHoldBytes: z.number().int().positive().default(1024 * 1024 * 1024),
    /** The policies; at least one. */
    policies: z.array(policy).min(1),
  });

export type TailSamplingConfig = z.infer<typeof tailSamplingConfigSchema>;

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
