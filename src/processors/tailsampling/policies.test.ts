import { describe, expect, it } from 'vitest';
import type { Span } from '../../batch/types.ts';
import { attrs, makeSpan } from '../../batch/testing.ts';
import { tailSamplingConfigSchema, type PolicyConfig } from './config.ts';
import { compilePolicy, DROPPED, finalDecision, INVERT_NOT_SAMPLED, INVERT_SAMPLED, NOT_SAMPLED, SAMPLED, type TraceView, type Vote } from './policies.ts';

/** A trace of the given spans under one resource; randomness from the first span's trace ID. */
function trace(spans: Span[], resource: Record<string, unknown> = {}): TraceView {
  return { spans, resources: [attrs(resource as never)], randomness: spans[0].traceId, randomnessOffset: 18 };
}

/** Parses a policy as the config does (defaults applied), then compiles it. */
function policy(config: Record<string, unknown>) {
  const parsed = tailSamplingConfigSchema.parse({ policies: [config] }).policies[0] as PolicyConfig;
  return compilePolicy(parsed);
}

const decisionOf = (config: Record<string, unknown>, t: TraceView, now = 0) => policy(config)(t, now).decision;
const ms = (n: number) => BigInt(n) * 1_000_000n;
const span = (o: Partial<Span> = {}) => makeSpan({ startTimeUnixNano: 0n, endTimeUnixNano: ms(10), ...o });
const error = { code: 2, message: '' };
const ok = { code: 1, message: '' };

describe('tail-sampling policies', () => {
  it.each([
    ['always_sample', { type: 'always_sample' }, [span()], SAMPLED],
    ['status_code ERROR on an error trace', { type: 'status_code', statusCodes: ['ERROR'] }, [span(), span({ status: error })], SAMPLED],
    ['status_code ERROR on a clean trace', { type: 'status_code', statusCodes: ['ERROR'] }, [span({ status: ok })], NOT_SAMPLED],
    ['status_code UNSET', { type: 'status_code', statusCodes: ['UNSET'] }, [span()], SAMPLED],
    ['latency ≥ threshold over the whole trace', { type: 'latency', thresholdMs: 100 }, [span(), span({ startTimeUnixNano: ms(90), endTimeUnixNano: ms(100) })], SAMPLED],
    ['latency below threshold', { type: 'latency', thresholdMs: 100 }, [span()], NOT_SAMPLED],
    ['latency above the upper threshold', { type: 'latency', thresholdMs: 1, upperThresholdMs: 5 }, [span()], NOT_SAMPLED],
    ['numeric_attribute in range', { type: 'numeric_attribute', key: 'http.status_code', minValue: 500, maxValue: 599 }, [span({ attributes: attrs({ 'http.status_code': 503n }) })], SAMPLED],
    ['numeric_attribute double in range', { type: 'numeric_attribute', key: 'x', minValue: 0.5 }, [span({ attributes: attrs({ x: 0.75 }) })], SAMPLED],
    ['numeric_attribute out of range', { type: 'numeric_attribute', key: 'http.status_code', minValue: 500 }, [span({ attributes: attrs({ 'http.status_code': 200n }) })], NOT_SAMPLED],
    ['numeric_attribute inverted, no match', { type: 'numeric_attribute', key: 'n', maxValue: 10, invertMatch: true }, [span({ attributes: attrs({ n: 11n }) })], INVERT_SAMPLED],
    ['numeric_attribute inverted, a match', { type: 'numeric_attribute', key: 'n', maxValue: 10, invertMatch: true }, [span({ attributes: attrs({ n: 1n }) })], INVERT_NOT_SAMPLED],
    ['string_attribute exact', { type: 'string_attribute', key: 'http.route', values: ['/a', '/b'] }, [span({ attributes: attrs({ 'http.route': '/b' }) })], SAMPLED],
    ['string_attribute exact, no partial match', { type: 'string_attribute', key: 'http.route', values: ['/a'] }, [span({ attributes: attrs({ 'http.route': '/a/b' }) })], NOT_SAMPLED],
    ['string_attribute regex', { type: 'string_attribute', key: 'http.route', values: ['^/v1/name/.+'], enabledRegexMatching: true }, [span({ attributes: attrs({ 'http.route': '/v1/name/7' }) })], SAMPLED],
    ['string_attribute on the resource', { type: 'string_attribute', key: 'service.name', values: ['checkout'] }, [span()], SAMPLED, { 'service.name': 'checkout' }],
    ['string_attribute inverted, no match', { type: 'string_attribute', key: 'service.name', values: ['a'], invertMatch: true }, [span()], INVERT_SAMPLED, { 'service.name': 'b' }],
    ['string_attribute inverted, a match', { type: 'string_attribute', key: 'service.name', values: ['a'], invertMatch: true }, [span()], INVERT_NOT_SAMPLED, { 'service.name': 'a' }],
    ['string_attribute ignores non-strings', { type: 'string_attribute', key: 'n', values: ['1'] }, [span({ attributes: attrs({ n: 1n }) })], NOT_SAMPLED],
    ['boolean_attribute', { type: 'boolean_attribute', key: 'app.force_sample', value: true }, [span({ attributes: attrs({ 'app.force_sample': true }) })], SAMPLED],
    ['boolean_attribute other value', { type: 'boolean_attribute', key: 'app.force_sample', value: true }, [span({ attributes: attrs({ 'app.force_sample': false }) })], NOT_SAMPLED],
    ['boolean_attribute inverted', { type: 'boolean_attribute', key: 'debug', value: true, invertMatch: true }, [span()], INVERT_SAMPLED],
    ['span_count within bounds', { type: 'span_count', minSpans: 2, maxSpans: 3 }, [span(), span()], SAMPLED],
    ['span_count below', { type: 'span_count', minSpans: 2 }, [span()], NOT_SAMPLED],
    ['span_count above', { type: 'span_count', minSpans: 1, maxSpans: 1 }, [span(), span()], NOT_SAMPLED],
    ['and: all sample', { type: 'and', policies: [{ type: 'status_code', statusCodes: ['ERROR'] }, { type: 'span_count', minSpans: 1 }] }, [span({ status: error })], SAMPLED],
    ['and: one does not', { type: 'and', policies: [{ type: 'status_code', statusCodes: ['ERROR'] }, { type: 'span_count', minSpans: 2 }] }, [span({ status: error })], NOT_SAMPLED],
    ['and: an inverted match counts as its plain decision', { type: 'and', policies: [{ type: 'always_sample' }, { type: 'boolean_attribute', key: 'k', value: true, invertMatch: true }] }, [span()], SAMPLED],
    ['not', { type: 'not', policy: { type: 'status_code', statusCodes: ['ERROR'] } }, [span()], SAMPLED],
    ['not of a sampled trace', { type: 'not', policy: { type: 'always_sample' } }, [span()], NOT_SAMPLED],
    ['drop: all sub-policies match', { type: 'drop', policies: [{ type: 'string_attribute', key: 'url.path', values: ['/health'] }] }, [span({ attributes: attrs({ 'url.path': '/health' }) })], DROPPED],
    ['drop: a sub-policy does not match', { type: 'drop', policies: [{ type: 'string_attribute', key: 'url.path', values: ['/health'] }] }, [span()], NOT_SAMPLED],
  ])('%s', (_, config, spans, expected, resource?: Record<string, unknown>) => {
    expect(decisionOf(config, trace(spans, resource))).toBe(expected);
  });

  it('samples probabilistically by the trace randomness, consistently with the head sampler (rv ≥ th)', () => {
    const p = policy({ type: 'probabilistic', samplingPercentage: 10 });
    const at = (rv: string) => p(trace([span({ traceId: `${'0'.repeat(18)}${rv}` })]), 0);
    expect(at('e6660000000000')).toEqual({ decision: SAMPLED, probability: 0.100006103515625 });
    expect(at('e665ffffffffff').decision).toBe(NOT_SAMPLED);
    expect(policy({ type: 'probabilistic', samplingPercentage: 0 })(trace([span({ traceId: 'f'.repeat(32) })]), 0).decision).toBe(NOT_SAMPLED);
  });

  it('limits the rate of sampled spans with a token bucket of two seconds', () => {
    const p = policy({ type: 'rate_limiting', spansPerSecond: 10 });
    const ten = trace(Array.from({ length: 10 }, () => span()));
    expect([p(ten, 0), p(ten, 0), p(ten, 0)].map((v) => v.decision)).toEqual([SAMPLED, SAMPLED, NOT_SAMPLED]);
    expect(p(ten, 500).decision).toBe(NOT_SAMPLED); // 5 tokens back
    expect(p(ten, 1000).decision).toBe(SAMPLED); // 10 tokens back
  });

  it('keeps the smallest probability of an and: nested thresholds on one randomness', () => {
    const p = policy({ type: 'and', policies: [{ type: 'probabilistic', samplingPercentage: 50 }, { type: 'probabilistic', samplingPercentage: 25 }] });
    expect(p(trace([span({ traceId: 'f'.repeat(32) })]), 0)).toEqual({ decision: SAMPLED, probability: 0.25 });
  });
});

describe('combining policy votes with the Collector precedence', () => {
  const v = (decision: Vote['decision'], probability = 1): Vote => ({ decision, probability });
  it.each([
    ['drop beats sampled', [v(SAMPLED), v(DROPPED)], DROPPED],
    ['inverted not-sampled beats sampled', [v(SAMPLED), v(INVERT_NOT_SAMPLED)], NOT_SAMPLED],
    ['sampled beats not sampled', [v(NOT_SAMPLED), v(SAMPLED)], SAMPLED],
    ['inverted sampled samples without a not-sampled vote', [v(INVERT_SAMPLED)], SAMPLED],
    ['inverted sampled yields to a not-sampled vote', [v(INVERT_SAMPLED), v(NOT_SAMPLED)], NOT_SAMPLED],
    ['sampled beats inverted sampled with a not-sampled vote', [v(INVERT_SAMPLED), v(NOT_SAMPLED), v(SAMPLED)], SAMPLED],
    ['nothing sampled', [v(NOT_SAMPLED)], NOT_SAMPLED],
  ])('%s', (_, votes, expected) => {
    expect(finalDecision(votes).decision).toBe(expected);
  });

  it.each([
    ['a deterministic keep', [v(SAMPLED, 0.1), v(SAMPLED)], 1],
    ['the least selective probabilistic keep', [v(SAMPLED, 0.1), v(SAMPLED, 0.5), v(NOT_SAMPLED)], 0.5],
  ])('weighs a trace kept by %s with probability %f', (_, votes, probability) => {
    expect(finalDecision(votes).probability).toBe(probability);
  });
});

describe('tail-sampling configuration', () => {
  it.each([
    [{ policies: [] }, /policies/],
    [{ policies: [{ type: 'nope' }] }, /type/],
    [{ policies: [{ type: 'numeric_attribute', key: 'k' }] }, /needs minValue or maxValue/],
    [{ policies: [{ type: 'string_attribute', key: 'k', values: ['('], enabledRegexMatching: true }] }, /values must be valid regular expressions/],
    [{ policies: [{ type: 'and', policies: [{ type: 'latency' }] }] }, /thresholdMs/],
  ])('rejects %j', (config, message) => {
    expect(() => tailSamplingConfigSchema.parse(config)).toThrow(message);
  });
});
