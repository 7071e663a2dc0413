import type { AnyValue, Attributes, ResourceGroup } from '../../batch/types.ts';
import type { DropSink } from '../processor.ts';
import type { SamplingConfig } from './config.ts';
import { compilePlans, type ServicePlan } from './rules.ts';
import { parseThreshold, type Threshold } from './threshold.ts';

/** Everything compiled from the config that the span and log deciders share. */
export interface Sampler {
  readonly keepErrors: boolean;
  readonly sampleRateKey: string;
  readonly logHashKey: string;
  /** The plan of a resource group's service, cached on the last group seen. */
  planOf(group: ResourceGroup<unknown>): ServicePlan;
  /** A parsed incoming `th`, cached; `undefined` when malformed. */
  threshold(th: string): Threshold | undefined;
}

const maxCachedThresholds = 256;

export function createSampler(config: SamplingConfig): Sampler {
  const plans = compilePlans(config);
  const thresholds = new Map<string, Threshold | null>();
  let lastGroup: ResourceGroup<unknown> | undefined;
  let lastPlan: ServicePlan | undefined;
  return {
    keepErrors: config.keepErrors,
    sampleRateKey: config.sampleRateAttribute,
    logHashKey: config.logHashAttribute,
    planOf(group) {
      if (group !== lastGroup || !lastPlan) {
        const service = group.resource.attributes.get('service.name');
        lastPlan = plans(typeof service === 'string' ? service : '');
        lastGroup = group;
      }
      return lastPlan;
    },
    threshold(th) {
      let t = thresholds.get(th);
      if (t === undefined) {
        t = parseThreshold(th) ?? null;
        if (thresholds.size >= maxCachedThresholds) thresholds.clear();
        thresholds.set(th, t);
      }
      return t ?? undefined;
    },
  };
}

/** Per-batch counts, reported once at the end (never per record). */
export class Tally {
  dropRule = 0;
  priority = 0;
  sampledOut = 0;
  keptError = 0;
  keptPriority = 0;
  inconsistent = 0;
  missingRandomness = 0;

  report(report: DropSink): void {
    report.drop('drop_rule', this.dropRule);
    report.drop('sampling_priority', this.priority);
    report.drop('sampled_out', this.sampledOut);
    report.count('kept_error', this.keptError);
    report.count('kept_priority', this.keptPriority);
    report.count('inconsistent_threshold', this.inconsistent);
    report.count('missing_randomness', this.missingRandomness);
  }
}

/**
 * `sampling.priority` as the Collector's probabilistic sampler reads it (OpenTracing semantics):
 * 0 → never sample, > 0 → always sample, anything else (absent, negative, not a number) → defer.
 * Ints, doubles and numeric strings are accepted. Returns 0, 1, or -1 for "defer".
 */
export function priorityOf(attributes: Attributes): number {
  if (attributes.size === 0) return -1;
  const v: AnyValue | undefined = attributes.get('sampling.priority');
  if (v === undefined) return -1;
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return n === 0 ? 0 : n > 0 ? 1 : -1;
}

/** Writes the adjusted count of a kept record; 1 (100%, or nothing known) is left unwritten. */
export function writeSampleRate(attributes: Attributes, key: string, out: Threshold | undefined): void {
  if (out !== undefined && out.sampleRate !== 1n) attributes.set(key, out.sampleRate);
}
