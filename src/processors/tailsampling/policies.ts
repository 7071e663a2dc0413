import type { AnyValue, Attributes, Span } from '../../batch/types.ts';
import { hexAtLeast } from '../sampling/randomness.ts';
import { thresholdFor } from '../sampling/threshold.ts';
import type { PolicyConfig } from './config.ts';

/** The Collector's policy decisions (its "inverted" ones come from `invertMatch`). */
export const SAMPLED = 1;
export const NOT_SAMPLED = 2;
export const INVERT_SAMPLED = 3;
export const INVERT_NOT_SAMPLED = 4;
export const DROPPED = 5;
export type Decision = typeof SAMPLED | typeof NOT_SAMPLED | typeof INVERT_SAMPLED | typeof INVERT_NOT_SAMPLED | typeof DROPPED;

/**
 * A policy's vote. `probability` is the chance this vote was `SAMPLED` given everything about
 * the trace except its randomness: 1 for deterministic policies, p for a probabilistic one. It
 * makes tail-sampled traces count-correct (adjusted count 1/p) — see {@link finalDecision}.
 */
export interface Vote {
  readonly decision: Decision;
  readonly probability: number;
}

/** What policies see of a trace. */
export interface TraceView {
  readonly spans: readonly Span[];
  /** Resource attributes of the spans, one entry per distinct resource. */
  readonly resources: readonly Attributes[];
  /** Hex source of the trace's 56-bit randomness (explicit `rv`, or the trace ID) and its offset. */
  readonly randomness: string;
  readonly randomnessOffset: number;
}

export type Policy = (trace: TraceView, nowMs: number) => Vote;

const vote = (decision: Decision): Vote => Object.freeze({ decision, probability: 1 });
const sampled = vote(SAMPLED);
const notSampled = vote(NOT_SAMPLED);
const invertSampled = vote(INVERT_SAMPLED);
const invertNotSampled = vote(INVERT_NOT_SAMPLED);
const dropped = vote(DROPPED);
const statusCodes = { UNSET: 0, OK: 1, ERROR: 2 } as const;

/** Compiles a policy config (regexes, thresholds, buckets) once. */
export function compilePolicy(config: PolicyConfig): Policy {
  switch (config.type) {
    case 'always_sample':
      return () => sampled;
    case 'status_code': {
      const codes = new Set<number>(config.statusCodes.map((c) => statusCodes[c]));
      return (trace) => (trace.spans.some((s) => codes.has(s.status.code)) ? sampled : notSampled);
    }
    case 'latency': {
      const { thresholdMs, upperThresholdMs } = config;
      return (trace) => {
        let start = trace.spans[0].startTimeUnixNano;
        let end = trace.spans[0].endTimeUnixNano;
        for (const s of trace.spans) {
          if (s.startTimeUnixNano < start) start = s.startTimeUnixNano;
          if (s.endTimeUnixNano > end) end = s.endTimeUnixNano;
        }
        const ms = Number(end - start) / 1e6;
        return ms >= thresholdMs && (upperThresholdMs === 0 || ms <= upperThresholdMs) ? sampled : notSampled;
      };
    }
    case 'numeric_attribute': {
      const min = config.minValue ?? -Infinity;
      const max = config.maxValue ?? Infinity;
      return attributePolicy(config.key, config.invertMatch, (v) => (typeof v === 'bigint' || typeof v === 'number') && Number(v) >= min && Number(v) <= max);
    }
    case 'string_attribute': {
      if (config.enabledRegexMatching) {
        const re = new RegExp(config.values.map((v) => `(?:${v})`).join('|'));
        return attributePolicy(config.key, config.invertMatch, (v) => typeof v === 'string' && re.test(v));
      }
      const values = new Set(config.values);
      return attributePolicy(config.key, config.invertMatch, (v) => typeof v === 'string' && values.has(v));
    }
    case 'boolean_attribute': {
      const value = config.value;
      return attributePolicy(config.key, config.invertMatch, (v) => v === value);
    }
    case 'span_count': {
      const { minSpans, maxSpans } = config;
      return (trace) => (trace.spans.length >= minSpans && (maxSpans === 0 || trace.spans.length <= maxSpans) ? sampled : notSampled);
    }
    case 'probabilistic': {
      const threshold = thresholdFor(config.samplingPercentage / 100, 4);
      if (!threshold) return () => notSampled;
      const hit: Vote = Object.freeze({ decision: SAMPLED, probability: threshold.probability });
      return (trace) => (hexAtLeast(trace.randomness, trace.randomnessOffset, threshold) ? hit : notSampled);
    }
    case 'rate_limiting':
      return rateLimiting(config.spansPerSecond);
    case 'and': {
      const subs = config.policies.map(compilePolicy);
      return (trace, now) => {
        let probability = 1;
        for (const sub of subs) {
          const v = sub(trace, now);
          if (v.decision === NOT_SAMPLED || v.decision === INVERT_NOT_SAMPLED || v.decision === DROPPED) return notSampled;
          probability = Math.min(probability, v.probability);
        }
        return probability === 1 ? sampled : { decision: SAMPLED, probability };
      };
    }
    case 'not': {
      const sub = compilePolicy(config.policy);
      return (trace, now) => {
        const v = sub(trace, now).decision;
        // Inverted decisions pass through, as in the Collector's `not`.
        return v === SAMPLED ? notSampled : v === NOT_SAMPLED ? sampled : vote(v);
      };
    }
    case 'drop': {
      const subs = config.policies.map(compilePolicy);
      return (trace, now) => {
        for (const sub of subs) {
          const v = sub(trace, now).decision;
          if (v === NOT_SAMPLED || v === INVERT_NOT_SAMPLED) return notSampled;
        }
        return dropped;
      };
    }
  }
}

/**
 * The Collector's precedence over all votes: any `DROPPED` → dropped; else any
 * `INVERT_NOT_SAMPLED` → not sampled; else any `SAMPLED` → sampled; else `INVERT_SAMPLED` with
 * no `NOT_SAMPLED` → sampled; else not sampled. A sampled trace's probability is 1 when a
 * deterministic vote kept it, else the largest probability among its `SAMPLED` votes: with one
 * randomness per trace, probabilistic votes are nested, so the trace is kept iff the least
 * selective one keeps it.
 */
export function finalDecision(votes: readonly Vote[]): Vote {
  let anyInvertNot = false;
  let anyInvertSampled = false;
  let anyNot = false;
  let best = 0;
  for (const v of votes) {
    if (v.decision === DROPPED) return dropped;
    if (v.decision === INVERT_NOT_SAMPLED) anyInvertNot = true;
    else if (v.decision === INVERT_SAMPLED) anyInvertSampled = true;
    else if (v.decision === NOT_SAMPLED) anyNot = true;
    else if (v.probability > best) best = v.probability;
  }
  if (anyInvertNot) return notSampled;
  if (anyInvertSampled && !anyNot) return sampled;
  if (best === 1) return sampled;
  return best > 0 ? { decision: SAMPLED, probability: best } : notSampled;
}

/**
 * Attribute policies look at every resource, then every span, as the Collector does: any match
 * samples; with `invert`, any match is `INVERT_NOT_SAMPLED` and no match `INVERT_SAMPLED`.
 */
function attributePolicy(key: string, invert: boolean, matches: (v: AnyValue) => boolean): Policy {
  const has = (attributes: Attributes) => {
    const v = attributes.get(key);
    return v !== undefined && matches(v);
  };
  return (trace) => {
    const found = trace.resources.some(has) || trace.spans.some((s) => has(s.attributes));
    if (invert) return found ? invertNotSampled : invertSampled;
    return found ? sampled : notSampled;
  };
}

/** Token bucket of spans: `spansPerSecond` refill, 2 s of burst (the Collector's default capacity). */
function rateLimiting(spansPerSecond: number): Policy {
  const capacity = 2 * spansPerSecond;
  let tokens = capacity;
  let lastMs: number | undefined;
  return (trace, now) => {
    if (lastMs !== undefined) tokens = Math.min(capacity, tokens + ((now - lastMs) / 1000) * spansPerSecond);
    lastMs = now;
    if (tokens < trace.spans.length) return notSampled;
    tokens -= trace.spans.length;
    return sampled;
  };
}
