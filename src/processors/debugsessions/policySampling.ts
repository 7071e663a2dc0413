/**
 * The sampling rates of a client's policy, enforced at the gateway for a client that did not
 * sample as told. The same consistent sampling as the `sampling` processor (OTEP 235 thresholds
 * from the trace ID's randomness, errors kept), run as if by an upstream tier: kept spans leave with
 * `ot=th:` in their tracestate and kept logs with `sampling.threshold`, so the `sampling`
 * processor after the gate reads them as incoming thresholds and stores the right `SampleRate`.
 * A client that already sampled at the policy's rate (its threshold is at least as high) passes
 * untouched: equalizing mode.
 */
import type { LogBatch, ResourceGroup, LogRecord, Span, TraceBatch } from '../../batch/types.ts';
import { samplingConfigSchema } from '../sampling/config.ts';
import { createSampler, Tally, type Sampler } from '../sampling/context.ts';
import { sampleLogs } from '../sampling/logs.ts';
import { sampleSpans } from '../sampling/spans.ts';

/** One sampler per percentage in use (policies use few distinct rates). */
const samplers = new Map<number, Sampler>();
const MAX_SAMPLERS = 1_000;

function samplerFor(percentage: number): Sampler {
  let sampler = samplers.get(percentage);
  if (sampler === undefined) {
    if (samplers.size >= MAX_SAMPLERS) samplers.clear();
    sampler = createSampler(samplingConfigSchema.parse({ percentage, mode: 'equalizing', sampleRateAttribute: 'otelhouse.policy.sample_rate' }));
    samplers.set(percentage, sampler);
  }
  return sampler;
}

/**
 * Samples one resource group's records in place at `percentage` (< 100); returns how many it
 * dropped. The adjusted count is left to the `sampling` processor (it reads the threshold).
 */
export function samplePolicyGroup(signal: 'traces' | 'logs', group: ResourceGroup<Span | LogRecord>, percentage: number): number {
  const tally = new Tally();
  const sampler = samplerFor(percentage);
  if (signal === 'traces') sampleSpans({ signal, resources: [group as ResourceGroup<Span>] } satisfies TraceBatch, sampler, tally);
  else sampleLogs({ signal, resources: [group as ResourceGroup<LogRecord>] } satisfies LogBatch, sampler, tally);
  // The sampler's own adjusted-count attribute is not wanted here: the sampling processor writes SampleRate.
  for (const scope of group.scopes) for (const record of scope.records) record.attributes.delete('otelhouse.policy.sample_rate');
  return tally.sampledOut;
}
