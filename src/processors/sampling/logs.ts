import { retainRecords } from '../../batch/records.ts';
import type { LogBatch } from '../../batch/types.ts';
import { priorityOf, writeSampleRate, type Sampler, type Tally } from './context.ts';
import { hexAtLeast, numericAtLeast, recordRandomness, type Randomness56 } from './randomness.ts';
import type { Threshold } from './threshold.ts';

/** Log attributes carrying OTEP 235 values, as the Collector's probabilistic sampler writes them. */
const thresholdKey = 'sampling.threshold';
const randomnessKey = 'sampling.randomness';
const rvValue = /^[0-9a-f]{14}$/;

/**
 * Samples the log records of a batch in place, with the precedence of spans (drop rules, then
 * `sampling.priority`, then severity ≥ 17 kept with `keepErrors`, then the service's rate).
 * Randomness: `sampling.randomness` when present, else the trace ID's low 56 bits — so a log of a
 * trace gets the decision its service's spans get at the same rate — else a stable hash of the
 * record. Kept logs leave with `sampling.threshold` and `SampleRate` attributes.
 */
export function sampleLogs(batch: LogBatch, sampler: Sampler, tally: Tally): void {
  const { keepErrors, sampleRateKey, logHashKey } = sampler;
  const hashed: Randomness56 = { hi28: 0, lo28: 0 };
  const ignore = new Set([thresholdKey, randomnessKey, sampleRateKey]);

  retainRecords(batch, (log, group) => {
    const plan = sampler.planOf(group);
    const attributes = log.attributes;
    if (plan.dropLog !== undefined && plan.dropLog(log, group.resource.attributes)) {
      tally.dropRule++;
      return false;
    }
    const priority = priorityOf(attributes);
    if (priority === 0) {
      tally.priority++;
      return false;
    }
    const logRate = (log.eventName && plan.eventRates?.get(log.eventName)) || plan.logRate;
    // As for spans: a 100 % rate exempts nothing, so nothing is counted as kept by a rule.
    const forced = !logRate.keepsAll && (priority > 0 || (keepErrors && log.severityNumber >= 17));
    if (forced) priority > 0 ? tally.keptPriority++ : tally.keptError++;

    const thIn = attributes.size === 0 ? undefined : attributes.get(thresholdKey);
    let incoming = typeof thIn === 'string' ? sampler.threshold(thIn) : undefined;
    const rvIn = attributes.size === 0 ? undefined : attributes.get(randomnessKey);
    const rv = typeof rvIn === 'string' && rvValue.test(rvIn) ? rvIn : undefined;
    const hex = rv ?? (log.traceId.length === 32 ? log.traceId : undefined);
    const offset = rv === undefined ? 18 : 0;
    if (hex === undefined) recordRandomness(log, attributes.size === 0 ? undefined : attributes.get(logHashKey), hashed, ignore);

    let erased = false;
    if (incoming !== undefined && !atLeast(hex, offset, hashed, incoming)) {
      tally.inconsistent++;
      incoming = undefined;
      erased = true;
    }
    let out: Threshold | undefined | null = incoming;
    if (!forced) {
      out = logRate.outgoing(incoming);
      if (out === null || (out !== undefined && !atLeast(hex, offset, hashed, out))) {
        tally.sampledOut++;
        return false;
      }
    }
    if (out !== incoming || erased) {
      if (out === undefined) attributes.delete(thresholdKey);
      else attributes.set(thresholdKey, out.th);
    }
    writeSampleRate(attributes, sampleRateKey, out);
    return true;
  });
}

function atLeast(hex: string | undefined, offset: number, hashed: Randomness56, threshold: Threshold): boolean {
  return hex === undefined ? numericAtLeast(hashed, threshold) : hexAtLeast(hex, offset, threshold);
}
