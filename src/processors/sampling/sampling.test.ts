import { describe, expect, it } from 'vitest';
import type { Batch } from '../../batch/types.ts';
import { buildProcessors } from '../registry.ts';
import { attrs, idSource, logBatch, logsOf, makeLog, makeSpan, spansOf, traceBatch } from '../../batch/testing.ts';
import { recorder } from '../testing.ts';

function sampler(options: Record<string, unknown>) {
  const [processor] = buildProcessors([{ type: 'sampling', ...options }]);
  return <B extends Batch>(batch: B) => {
    const report = recorder();
    const out = processor.process(batch, report) as B;
    return { out, ...report };
  };
}

const ids = idSource(7);
const traceIds = (n: number) => Array.from({ length: n }, () => ids(32));
/** A trace ID whose low 56 bits are `rv` (14 hex digits). */
const withRv = (rv: string) => `${'0'.repeat(18)}${rv}`;

describe('consistent head sampling', () => {
  it('keeps about the configured share of traces, deciding by the trace ID low 56 bits', () => {
    const sample = sampler({ percentage: 10 });
    const { out, drops } = sample(traceBatch({ api: traceIds(20_000).map((traceId) => makeSpan({ traceId })) }));
    const kept = spansOf(out).length;
    expect(kept).toBeGreaterThan(1800);
    expect(kept).toBeLessThan(2200);
    expect(drops.sampled_out).toBe(20_000 - kept);
    // rv ≥ th: at 10% (th e666) a span is kept iff its trace ID's last 14 digits are ≥ e666…
    expect(spansOf(out).every((s) => s.traceId.slice(18) >= 'e666')).toBe(true);
  });

  it.each([
    ['e6660000000000', true],
    ['e665ffffffffff', false],
    ['ffffffffffffff', true],
    ['00000000000000', false],
  ])('at 10%% keeps the trace whose randomness is %s: %s', (rv, kept) => {
    const { out } = sampler({ percentage: 10 })(traceBatch({ api: [makeSpan({ traceId: withRv(rv) })] }));
    expect(spansOf(out)).toHaveLength(kept ? 1 : 0);
  });

  it('gives every span of a trace the same decision, across two services sampling independently', () => {
    const frontend = sampler({ percentage: 10 });
    const backend = sampler({ percentage: 10 });
    const traces = traceIds(2000);
    const keptBy = (sample: ReturnType<typeof sampler>, service: string) =>
      new Set(spansOf(sample(traceBatch({ [service]: traces.map((traceId) => makeSpan({ traceId })) })).out).map((s) => s.traceId));
    const front = keptBy(frontend, 'frontend');
    const back = keptBy(backend, 'backend');
    expect(front.size).toBeGreaterThan(100);
    expect([...front]).toEqual([...back]);
  });

  it('is nested across rates: every trace kept at 1% is kept at 10%', () => {
    const traces = traceIds(20_000);
    const keptAt = (percentage: number) => new Set(spansOf(sampler({ percentage })(traceBatch({ api: traces.map((traceId) => makeSpan({ traceId })) })).out).map((s) => s.traceId));
    const one = keptAt(1);
    const ten = keptAt(10);
    expect(one.size).toBeGreaterThan(100);
    expect([...one].every((id) => ten.has(id))).toBe(true);
  });

  it('records ot=th in the tracestate and the adjusted count in SampleRate', () => {
    const { out } = sampler({ percentage: 10 })(traceBatch({ api: [makeSpan({ traceId: withRv('f0000000000000'), traceState: 'rojo=00f067aa0ba902b7' })] }));
    const [span] = spansOf(out);
    expect(span.traceState).toBe('ot=th:e666,rojo=00f067aa0ba902b7');
    expect(span.attributes.get('SampleRate')).toBe(10n);
  });

  it('uses the explicit rv of the tracestate instead of the trace ID', () => {
    const sample = sampler({ percentage: 50 });
    const low = sample(traceBatch({ api: [makeSpan({ traceId: withRv('ffffffffffffff'), traceState: 'ot=rv:10000000000000' })] }));
    const high = sample(traceBatch({ api: [makeSpan({ traceId: withRv('00000000000000'), traceState: 'ot=rv:90000000000000' })] }));
    expect(spansOf(low.out)).toHaveLength(0);
    expect(spansOf(high.out).map((s) => s.traceState)).toEqual(['ot=th:8;rv:90000000000000']);
  });

  it('leaves spans kept at 100% untouched: no tracestate change, no SampleRate', () => {
    const span = makeSpan({ traceState: 'rojo=1' });
    const { out } = sampler({})(traceBatch({ api: [span] }));
    expect(spansOf(out)[0].traceState).toBe('rojo=1');
    expect(spansOf(out)[0].attributes.has('SampleRate')).toBe(false);
    // Not even reordered: the ot member moves first only when this stage changes it.
    const upstream = makeSpan({ traceId: withRv('f0000000000000'), traceState: 'rojo=1, ot=th:8' });
    expect(spansOf(sampler({})(traceBatch({ api: [upstream] })).out)[0].traceState).toBe('rojo=1, ot=th:8');
    // th:0 (100 % upstream) is an adjusted count of 1: not written.
    const all = makeSpan({ traceId: withRv('f0000000000000'), traceState: 'ot=th:0' });
    expect(spansOf(sampler({})(traceBatch({ api: [all] })).out)[0].attributes.has('SampleRate')).toBe(false);
  });

  it('counts the spans a 0 % rate drops as sampled out', () => {
    const { out, drops } = sampler({ percentage: 0 })(traceBatch({ api: [makeSpan({ traceId: withRv('ffffffffffffff') })] }));
    expect(spansOf(out)).toHaveLength(0);
    expect(drops).toEqual({ sampled_out: 1 });
  });

  it('keeps a span without valid randomness as it came, counted as missing_randomness', () => {
    const { out, drops, events } = sampler({ percentage: 50 })(traceBatch({ api: [makeSpan({ traceId: '', traceState: 'rojo=1' }), makeSpan({ traceId: 'ab'.repeat(8) })] }));
    expect(spansOf(out).map((s) => s.traceState)).toEqual(['rojo=1', '']);
    expect(drops.sampled_out).toBeUndefined();
    expect(events.missing_randomness).toBe(2);
  });

  it('gives each trace of a batch its own tracestate when they share a threshold', () => {
    const spans = [makeSpan({ traceId: withRv('f0000000000000'), traceState: 'rojo=1' }), makeSpan({ traceId: withRv('f1000000000000'), traceState: 'congo=2' })];
    const { out } = sampler({ percentage: 10 })(traceBatch({ api: spans }));
    expect(spansOf(out).map((s) => s.traceState)).toEqual(['ot=th:e666,rojo=1', 'ot=th:e666,congo=2']);
  });
});

describe('sampling spans sampled upstream (an SDK or another tier)', () => {
  const sampledAt10 = (rv: string) => makeSpan({ traceId: withRv(rv), traceState: 'ot=th:e666' });

  it('keeps the incoming threshold and its adjusted count at 100%', () => {
    const { out } = sampler({})(traceBatch({ api: [sampledAt10('f0000000000000')] }));
    expect(spansOf(out)[0].traceState).toBe('ot=th:e666');
    expect(spansOf(out)[0].attributes.get('SampleRate')).toBe(10n);
  });

  it('multiplies probabilities in proportional mode: 10% upstream × 10% here = 1%', () => {
    const sample = sampler({ percentage: 10, mode: 'proportional' });
    expect(spansOf(sample(traceBatch({ api: [sampledAt10('fd000000000000')] })).out)).toHaveLength(0);
    const { out } = sample(traceBatch({ api: [sampledAt10('fe000000000000')] }));
    expect(spansOf(out)[0].traceState).toBe('ot=th:fd70a');
    expect(spansOf(out)[0].attributes.get('SampleRate')).toBe(100n);
  });

  it('passes spans already sampled at the target rate in equalizing mode', () => {
    const { out } = sampler({ percentage: 10, mode: 'equalizing' })(traceBatch({ api: [sampledAt10('e7000000000000')] }));
    expect(spansOf(out)[0].traceState).toBe('ot=th:e666');
    expect(spansOf(out)[0].attributes.get('SampleRate')).toBe(10n);
  });

  it('gives a span arriving with this stage\'s own threshold the count this stage writes', () => {
    // At precision 3, 1-in-10000 is th:fff972, which read alone is 1-in-9998; this stage means 10000.
    const sample = sampler({ percentage: 0.01, precision: 3, mode: 'equalizing' });
    const own = spansOf(sample(traceBatch({ api: [makeSpan({ traceId: withRv('ffffffffffffff') })] })).out)[0];
    const arriving = spansOf(sample(traceBatch({ api: [makeSpan({ traceId: withRv('ffffffffffffff'), traceState: 'ot=th:fff972' })] })).out)[0];
    expect(own.attributes.get('SampleRate')).toBe(10000n);
    expect(arriving.traceState).toBe('ot=th:fff972');
    expect(arriving.attributes.get('SampleRate')).toBe(10000n);
  });

  it('never lowers an incoming threshold in equalizing mode', () => {
    const { out } = sampler({ percentage: 50, mode: 'equalizing' })(traceBatch({ api: [sampledAt10('f0000000000000')] }));
    expect(spansOf(out)[0].traceState).toBe('ot=th:e666');
  });

  it('erases an incoming threshold that the randomness contradicts, and counts it', () => {
    const { out, events } = sampler({})(traceBatch({ api: [sampledAt10('10000000000000')] }));
    expect(spansOf(out)[0].traceState).toBe('');
    expect(spansOf(out)[0].attributes.has('SampleRate')).toBe(false);
    expect(events.inconsistent_threshold).toBe(1);
  });
});

describe('rates per service and span name', () => {
  // Built in each test, so that what rules compile to is exercised by the test that reads it.
  const sample = <B extends Batch>(batch: B) =>
    sampler({
      percentage: 50,
      rules: [
        { service: 'checkout', spanName: '^GET /health', percentage: 0 },
        { service: 'checkout', percentage: 100 },
        { spanName: 'cache', percentage: 25 },
      ],
    })(batch);
  const at = (rv: string, name: string) => makeSpan({ traceId: withRv(rv), name });

  it.each([
    ['checkout', 'GET /healthz', 'ffffffffffffff', false, 'a matching span-name rule of the service'],
    ['checkout', 'POST /pay', '00000000000001', true, 'the service rule'],
    ['checkout', 'cache.get', '00000000000001', true, 'the first match, the service rule, before a later span-name rule'],
    ['search', 'cache.get', 'b0000000000000', false, 'a span-name rule for every service'],
    ['search', 'cache.get', 'c0000000000000', true, 'a span-name rule for every service'],
    ['search', 'query', '80000000000000', true, 'the default percentage'],
    ['search', 'query', '7fffffffffffff', false, 'the default percentage'],
  ])('samples %s %j with randomness %s (kept: %s) by %s', (service, name, rv, kept) => {
    expect(spansOf(sample(traceBatch({ [service]: [at(rv, name)] })).out)).toHaveLength(kept ? 1 : 0);
  });

  it('gives spans sharing an incoming tracestate each the threshold of its own rate', () => {
    const spans = [makeSpan({ traceId: withRv('f0000000000000'), traceState: 'rojo=1', name: 'query' }), makeSpan({ traceId: withRv('f0000000000000'), traceState: 'rojo=1', name: 'cache.get' })];
    const { out } = sample(traceBatch({ search: spans }));
    expect(spansOf(out).map((s) => s.traceState)).toEqual(['ot=th:8,rojo=1', 'ot=th:c,rojo=1']);
  });
});

describe('sampling.priority', () => {
  it.each([
    [0n, 0], [0, 0], ['0', 0], [1n, 1], [2.5, 1], ['10', 1], [-1n, 0], ['high', 0],
  ])('priority %s at 0%% keeps %i span', (priority, kept) => {
    const { out } = sampler({ percentage: 0 })(traceBatch({ api: [makeSpan({ attributes: attrs({ 'sampling.priority': priority }) })] }));
    expect(spansOf(out)).toHaveLength(kept);
  });

  it.each([
    ['a boolean', true],
    ['an array', [1n]],
    ['null', null],
  ])('treats a priority that is %s as none', (_kind, priority) => {
    const at = (percentage: number) => spansOf(sampler({ percentage })(traceBatch({ api: [makeSpan({ attributes: attrs({ 'sampling.priority': priority }) })] })).out);
    expect(at(0)).toHaveLength(0);
    expect(at(100)).toHaveLength(1);
  });

  it.each(['', ' '])('treats the blank priority %j as none, not as 0', (priority) => {
    const { out, drops } = sampler({})(traceBatch({ api: [makeSpan({ attributes: attrs({ 'sampling.priority': priority }) })] }));
    expect(spansOf(out)).toHaveLength(1);
    expect(drops.sampling_priority).toBeUndefined();
  });

  it('drops a span with priority 0 even when it is an error, counted as sampling_priority', () => {
    const { out, drops } = sampler({})(traceBatch({ api: [makeSpan({ status: { code: 2, message: '' }, attributes: attrs({ 'sampling.priority': 0n }) })] }));
    expect(spansOf(out)).toHaveLength(0);
    expect(drops).toEqual({ sampling_priority: 1 });
  });

  it('keeps a prioritized span with its incoming threshold and counts it', () => {
    const span = makeSpan({ traceId: withRv('f0000000000000'), traceState: 'ot=th:e666', attributes: attrs({ 'sampling.priority': 1n }) });
    const { out, events } = sampler({ percentage: 1 })(traceBatch({ api: [span] }));
    expect(spansOf(out)[0].traceState).toBe('ot=th:e666');
    expect(spansOf(out)[0].attributes.get('SampleRate')).toBe(10n);
    expect(events.kept_priority).toBe(1);
  });
});

describe('error-aware sampling', () => {
  const lowRv = withRv('00000000000001');
  const exception = { timeUnixNano: 1n, name: 'exception', attributes: attrs({ 'exception.type': 'Error' }), droppedAttributesCount: 0 };

  it.each([
    ['status Error', makeSpan({ traceId: lowRv, status: { code: 2, message: 'boom' } })],
    ['an exception event', makeSpan({ traceId: lowRv, events: [exception] })],
  ])('keeps a span with %s at 1%%, without a threshold or SampleRate', (_, span) => {
    const { out, events } = sampler({ percentage: 1 })(traceBatch({ api: [span] }));
    expect(spansOf(out)).toHaveLength(1);
    expect(spansOf(out)[0].traceState).toBe('');
    expect(spansOf(out)[0].attributes.has('SampleRate')).toBe(false);
    expect(events.kept_error).toBe(1);
  });

  it('at 100 % exempts nothing: errors and prioritized records are kept as they came and not counted as kept by a rule', () => {
    const error = makeSpan({ traceId: lowRv, traceState: 'ot=th:8', status: { code: 2, message: 'boom' } });
    const prioritized = makeSpan({ traceId: lowRv, attributes: attrs({ 'sampling.priority': 1n }) });
    const plain = makeSpan({ traceId: lowRv });
    const { out, events } = sampler({ percentage: 100 })(traceBatch({ api: [error, prioritized, plain] }));
    expect(spansOf(out)).toHaveLength(3);
    expect(spansOf(out).map((s) => s.traceState)).toEqual(['', '', '']); // th:8 is contradicted by rv 00…01: erased
    expect(spansOf(out).some((s) => s.attributes.has('SampleRate'))).toBe(false);
    expect(events.kept_error ?? 0).toBe(0);
    expect(events.kept_priority ?? 0).toBe(0);
    expect(events.inconsistent_threshold).toBe(1);

    const logs = sampler({ percentage: 100 })(logBatch({ api: [makeLog({ severityNumber: 17, traceId: lowRv }), makeLog({ severityNumber: 9, traceId: lowRv })] }));
    expect(logsOf(logs.out)).toHaveLength(2);
    expect(logs.events.kept_error ?? 0).toBe(0);
    const sampled = sampler({ percentage: 50 })(logBatch({ api: [makeLog({ severityNumber: 17, traceId: lowRv })] }));
    expect(sampled.events.kept_error).toBe(1);
  });

  it('does not take an event other than exception for an error', () => {
    const log = { timeUnixNano: 1n, name: 'cache.miss', attributes: attrs({}), droppedAttributesCount: 0 };
    const { out, events } = sampler({ percentage: 1 })(traceBatch({ api: [makeSpan({ traceId: lowRv, events: [log, log] })] }));
    expect(spansOf(out)).toHaveLength(0);
    expect(events.kept_error).toBeUndefined();
  });

  it('samples errors like other spans with keepErrors off', () => {
    const { out } = sampler({ percentage: 1, keepErrors: false })(traceBatch({ api: [makeSpan({ traceId: lowRv, status: { code: 2, message: '' } })] }));
    expect(spansOf(out)).toHaveLength(0);
  });

  it('keeps logs at ERROR and above, samples those below', () => {
    const logs = [17, 21, 13, 9].map((severityNumber) => makeLog({ severityNumber, traceId: lowRv }));
    const { out } = sampler({ percentage: 1 })(logBatch({ api: logs }));
    expect(logsOf(out).map((l) => l.severityNumber)).toEqual([17, 21]);
  });
});

describe('drop rules', () => {
  const error = { code: 2, message: '' };
  it.each([
    ['service', { service: 'noisy' }, 'noisy', makeSpan({ status: error }), true],
    ['service', { service: 'noisy' }, 'api', makeSpan(), false],
    ['span name', { spanName: '^health' }, 'api', makeSpan({ name: 'healthcheck', status: error }), true],
    ['service and span name', { service: 'noisy', spanName: '^health' }, 'api', makeSpan({ name: 'healthcheck' }), false],
    ['attribute value', { attribute: { key: 'http.route', value: '/ready' } }, 'api', makeSpan({ attributes: attrs({ 'http.route': '/ready', 'sampling.priority': 1n }) }), true],
    ['numeric attribute', { attribute: { key: 'http.status_code', value: 404 } }, 'api', makeSpan({ attributes: attrs({ 'http.status_code': 404n }) }), true],
    ['boolean attribute', { attribute: { key: 'synthetic', value: true } }, 'api', makeSpan({ attributes: attrs({ synthetic: 'true' }) }), false],
    ['attribute pattern', { attribute: { key: 'url.path', pattern: '^/metrics' } }, 'api', makeSpan({ attributes: attrs({ 'url.path': '/metrics/x' }) }), true],
    ['attribute presence', { attribute: { key: 'test.run' } }, 'api', makeSpan({ attributes: attrs({ 'test.run': null }) }), true],
    ['resource attribute', { attribute: { key: 'service.name', value: 'api' } }, 'api', makeSpan(), true],
    ['span name', { spanName: '^health' }, 'api', makeSpan({ name: 'GET /orders' }), false],
    ['attribute pattern', { attribute: { key: 'url.path', pattern: '^/metrics' } }, 'api', makeSpan({ attributes: attrs({ 'url.path': '/orders' }) }), false],
    ['numeric attribute', { attribute: { key: 'http.status_code', value: 404 } }, 'api', makeSpan({ attributes: attrs({ 'http.status_code': 500n }) }), false],
    ['numeric attribute', { attribute: { key: 'ratio', value: 0.5 } }, 'api', makeSpan({ attributes: attrs({ ratio: 0.5 }) }), true],
    ['numeric attribute', { attribute: { key: 'ratio', value: 0.5 } }, 'api', makeSpan({ attributes: attrs({ ratio: 0.25 }) }), false],
    ['numeric attribute', { attribute: { key: 'ratio', value: 0.5 } }, 'api', makeSpan(), false],
    ['attribute presence', { attribute: { key: 'test.run' } }, 'api', makeSpan(), false],
  ])('by %s (%j) on service %s drops: %s', (_, rule, service, span, dropped) => {
    const { out, drops } = sampler({ dropRules: [rule] })(traceBatch({ [service]: [span] }));
    expect(spansOf(out)).toHaveLength(dropped ? 0 : 1);
    expect(drops.drop_rule ?? 0).toBe(dropped ? 1 : 0);
  });

  it('applies rules without a span name to logs, beating severity', () => {
    const sample = sampler({ dropRules: [{ service: 'noisy' }, { spanName: '.' }] });
    const noisy = sample(logBatch({ noisy: [makeLog({ severityNumber: 21 })] }));
    expect(logsOf(noisy.out)).toHaveLength(0);
    expect(noisy.drops).toEqual({ drop_rule: 1 });
    const byAttribute = sampler({ dropRules: [{ attribute: { key: 'http.route', value: '/ready' } }] });
    expect(logsOf(byAttribute(logBatch({ api: [makeLog({ attributes: attrs({ 'http.route': '/ready' }) }), makeLog()] })).out)).toHaveLength(1);
    expect(logsOf(sample(logBatch({ api: [makeLog()] })).out)).toHaveLength(1);
  });
});

describe('log sampling', () => {
  it('follows the decision of the trace a log belongs to', () => {
    const traces = traceIds(3000);
    const sample = sampler({ percentage: 10 });
    const spans = new Set(spansOf(sample(traceBatch({ api: traces.map((traceId) => makeSpan({ traceId })) })).out).map((s) => s.traceId));
    const logs = new Set(logsOf(sample(logBatch({ api: traces.map((traceId) => makeLog({ traceId })) })).out).map((l) => l.traceId));
    expect(spans.size).toBeGreaterThan(200);
    expect([...logs]).toEqual([...spans]);
  });

  it('samples logs without a trace ID by a stable hash of the record', () => {
    const make = () => Array.from({ length: 10_000 }, (_, i) => makeLog({ body: `request ${i} done`, attributes: attrs({ i: BigInt(i) }) }));
    const sample = sampler({ percentage: 20 });
    const first = logsOf(sample(logBatch({ api: make() })).out).map((l) => l.body);
    const again = logsOf(sample(logBatch({ api: make() })).out).map((l) => l.body);
    expect(first.length).toBeGreaterThan(1800);
    expect(first.length).toBeLessThan(2200);
    expect(again).toEqual(first);
  });

  it('gives a hashed log the same randomness at a second tier, whatever the first one added', () => {
    const logs = Array.from({ length: 2000 }, (_, i) => makeLog({ body: `line ${i}`, attributes: attrs({ n: BigInt(i) }) }));
    const once = logsOf(sampler({ percentage: 20 })(logBatch({ api: logs })).out);
    const { out, events } = sampler({ percentage: 50, mode: 'equalizing' })(logBatch({ api: once }));
    expect(events.inconsistent_threshold).toBeUndefined();
    expect(logsOf(out)).toHaveLength(once.length);
    expect(logsOf(out).every((l) => l.attributes.get('SampleRate') === 5n)).toBe(true);
  });

  it('hashes log.record.uid alone when a log carries it', () => {
    const sample = sampler({ percentage: 50 });
    const decisions = (body: string) =>
      logsOf(sample(logBatch({ api: Array.from({ length: 200 }, (_, i) => makeLog({ body, attributes: attrs({ 'log.record.uid': `uid-${i}` }) })) })).out).map((l) => l.attributes.get('log.record.uid'));
    const kept = decisions('one body');
    expect(kept.length).toBeGreaterThan(60);
    expect(kept.length).toBeLessThan(140);
    expect(decisions('another body')).toEqual(kept);
  });

  it('records sampling.threshold and SampleRate on kept logs', () => {
    const { out } = sampler({ percentage: 25 })(logBatch({ api: [makeLog({ traceId: withRv('f0000000000000') })] }));
    expect(Object.fromEntries(logsOf(out)[0].attributes)).toEqual({ 'sampling.threshold': 'c', SampleRate: 4n });
  });

  it('drops logs with priority 0 and keeps those with a positive one whatever the rate, counting both', () => {
    const { out, drops, events } = sampler({ percentage: 0 })(
      logBatch({ api: [makeLog({ body: 'zero', attributes: attrs({ 'sampling.priority': 0n }) }), makeLog({ body: 'one', attributes: attrs({ 'sampling.priority': 1n }) })] }),
    );
    expect(logsOf(out).map((l) => l.body)).toEqual(['one']);
    expect(drops).toEqual({ sampling_priority: 1 });
    expect(events.kept_priority).toBe(1);
    expect(events.kept_error).toBeUndefined();
  });

  it('counts the logs a rate drops as sampled out', () => {
    const { drops } = sampler({ percentage: 25 })(logBatch({ api: [makeLog({ traceId: withRv('10000000000000') })] }));
    expect(drops).toEqual({ sampled_out: 1 });
  });

  it('decides by the sampling.randomness attribute over the trace ID', () => {
    const sample = sampler({ percentage: 50 });
    const log = (rv: string, traceId: string) => makeLog({ traceId: withRv(traceId), attributes: attrs({ 'sampling.randomness': rv }) });
    const { out } = sample(logBatch({ api: [log('90000000000000', '00000000000000'), log('10000000000000', 'ffffffffffffff')] }));
    expect(logsOf(out).map((l) => l.attributes.get('sampling.randomness'))).toEqual(['90000000000000']);
  });

  it('erases an incoming log threshold that the randomness contradicts, and counts it', () => {
    const log = makeLog({ traceId: withRv('10000000000000'), attributes: attrs({ 'sampling.threshold': 'e666', SampleRate: 10n }) });
    const { out, events } = sampler({})(logBatch({ api: [log] }));
    expect(logsOf(out)[0].attributes.has('sampling.threshold')).toBe(false);
    expect(events.inconsistent_threshold).toBe(1);
  });

  it('leaves a log kept at 100 % as it came, its threshold spelled as it came', () => {
    const log = makeLog({ traceId: withRv('f0000000000000'), attributes: attrs({ 'sampling.threshold': 'e6660' }) });
    const { out } = sampler({})(logBatch({ api: [log] }));
    expect(logsOf(out)[0].attributes.get('sampling.threshold')).toBe('e6660');
  });

  it('reads the threshold an upstream sampler wrote on a log', () => {
    const log = makeLog({ traceId: withRv('f0000000000000'), attributes: attrs({ 'sampling.threshold': 'e666' }) });
    const { out } = sampler({})(logBatch({ api: [log] }));
    expect(logsOf(out)[0].attributes.get('SampleRate')).toBe(10n);
  });
});

describe('configuration', () => {
  it.each([
    [{ percentage: 101 }, /processors\[0\]\.percentage = 101/],
    [{ rules: [{ spanName: '(', percentage: 1 }] }, /processors\[0\]\.rules\.0\.spanName = "\(": must be a valid regular expression/],
    [{ dropRules: [{}] }, /processors\[0\]\.dropRules\.0 = \{\}: needs at least one of service, spanName, attribute/],
    [{ mode: 'hash_seed' }, /processors\[0\]\.mode = "hash_seed"/],
    [{ precision: 0 }, /processors\[0\]\.precision = 0/],
  ])('rejects %j, naming the field', (options, message) => {
    expect(() => buildProcessors([{ type: 'sampling', ...options }])).toThrow(message);
  });
});

describe('rates by log event name', () => {
  it('samples the logs of a named event at its rate, other logs and every span at theirs', () => {
    const sample = sampler({ percentage: 100, rules: [{ eventName: 'shop.search', percentage: 10 }, { eventName: 'shop.search', percentage: 50 }] });
    const logs = traceIds(10_000).map((traceId, i) => makeLog({ traceId, eventName: i % 2 ? 'shop.search' : '' }));
    const { out } = sample(logBatch({ shop: logs }));
    const kept = logsOf(out);
    const searches = kept.filter((l) => l.eventName === 'shop.search').length;
    // The first rule of a name wins: 10 % of 5 000.
    expect(searches).toBeGreaterThan(400);
    expect(searches).toBeLessThan(600);
    expect(kept.filter((l) => l.eventName === '').length).toBe(5000);
    const spans = sample(traceBatch({ shop: traceIds(1000).map((traceId) => makeSpan({ traceId, name: 'shop.search' })) }));
    expect(spansOf(spans.out)).toHaveLength(1000);
  });

  it('keeps a named event at 100 % under a lower service rate, and its errors as any', () => {
    const sample = sampler({ percentage: 0, rules: [{ eventName: 'shop.cart.checkout', percentage: 100 }] });
    const logs = traceIds(1000).map((traceId, i) => makeLog({ traceId, eventName: i % 2 ? 'shop.cart.checkout' : 'other' }));
    const kept = logsOf(sample(logBatch({ shop: logs })).out);
    expect(kept.map((l) => l.eventName)).toEqual(Array(500).fill('shop.cart.checkout'));
  });

  it('applies an event rule with a service to that service only', () => {
    const sample = sampler({ rules: [{ service: 'checkout', eventName: 'shop.search', percentage: 0 }] });
    const search = () => [makeLog({ traceId: withRv('ffffffffffffff'), eventName: 'shop.search' })];
    expect(logsOf(sample(logBatch({ checkout: search() })).out)).toHaveLength(0);
    expect(logsOf(sample(logBatch({ shop: search() })).out)).toHaveLength(1);
  });

  it('refuses a rule naming both spans and a log event', () => {
    expect(() => sampler({ rules: [{ spanName: 'x', eventName: 'y', percentage: 1 }] })).toThrow(/names spans or log events, not both/);
  });
});
