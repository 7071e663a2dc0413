import type { Processor, ProcessorFactory } from '../processor.ts';
import { samplingConfigSchema, type SamplingConfig } from './config.ts';
import { createSampler, Tally } from './context.ts';
import { sampleLogs } from './logs.ts';
import { sampleSpans } from './spans.ts';

/**
 * Head sampling that is consistent across services, hops and tiers (OTel consistent probability
 * sampling, OTEP 235), error-aware and count-correct:
 * - a span is kept iff its randomness (the `ot` `rv`, or the trace ID's low 56 bits) is at least
 *   the rejection threshold of its rate (per service and span name), so every service and every
 *   gateway sampling one trace at the same rate keeps or drops it as a whole, and a trace kept at
 *   1% is kept by every stage at 10%;
 * - errors (status Error, an `exception` event, logs at severity ≥ 17) are always kept, unless a
 *   drop rule matches; `sampling.priority` is honoured (0 → drop, > 0 → keep);
 * - each kept record carries its threshold (`ot=th:` in the span's tracestate; the log attribute
 *   `sampling.threshold`) and its adjusted count 1/p in `SampleRate`, an integer when the rate is
 *   1-in-N. `SampleRate` is absent when the count is 1, so weighted counts read it with a default
 *   of 1: `sum(toFloat64OrDefault(SpanAttributes['SampleRate'], 1.))` (or `toUInt64OrDefault`
 *   while every rate is 1-in-N).
 *
 * Drops are counted as `drop_rule`, `sampling_priority` and `sampled_out`; events `kept_error`,
 * `kept_priority` (records exempted from a rate below 100 %), `inconsistent_threshold` and
 * `missing_randomness`. Stateless apart from bounded caches of compiled plans and thresholds.
 * Metrics pass untouched: a sampled counter or histogram is simply wrong.
 */
export const samplingFactory: ProcessorFactory<SamplingConfig> = {
  parse: (options) => samplingConfigSchema.parse(options),
  create(name, config): Processor {
    const sampler = createSampler(config);
    return {
      name,
      process(batch, report) {
        const tally = new Tally();
        if (batch.signal === 'traces') sampleSpans(batch, sampler, tally);
        else if (batch.signal === 'logs') sampleLogs(batch, sampler, tally);
        tally.report(report);
        return batch;
      },
    };
  },
};
