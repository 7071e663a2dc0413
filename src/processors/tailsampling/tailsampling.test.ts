import { afterEach, describe, expect, it } from 'vitest';
import { countRecords } from '../../batch/records.ts';
import { RetryableError } from '../../errors.ts';
import type { Batch } from '../../batch/types.ts';
import { ProcessorChain, type ChainObserver } from '../chain.ts';
import { buildProcessors } from '../registry.ts';
import { attrs, idSource, logBatch, makeLog, makeSpan, spansOf, traceBatch } from '../../batch/testing.ts';
import { tailSamplingConfigSchema } from './config.ts';
import { TailSamplingProcessor } from './tailsampling.ts';
import { harness } from './testing.ts';

const errors = { type: 'status_code', statusCodes: ['ERROR'] };
const error = { code: 2, message: 'boom' };
const ids = idSource(11);
const T = (n: number) => n.toString(16).padStart(32, '0');

let running: { processor: TailSamplingProcessor }[] = [];
const start = async (options: Record<string, unknown>) => {
  const h = await harness(options);
  running.push(h);
  return h;
};
afterEach(async () => {
  await Promise.all(running.map((h) => h.processor.shutdown()));
  running = [];
});

describe('tail sampling', () => {
  it('holds spans until the decision wait is over, then hands on whole kept traces', async () => {
    const h = await start({ policies: [errors] });
    const first = await h.send(traceBatch({ web: [makeSpan({ traceId: T(1), name: 'GET /' }), makeSpan({ traceId: T(2) })] }));
    const second = await h.send(traceBatch({ db: [makeSpan({ traceId: T(1), name: 'SELECT', status: error })] }));
    expect(countRecords(first) + countRecords(second)).toBe(0); // acknowledged, held
    expect(h.report.deferred).toBe(3);

    await h.advance(999);
    expect(h.emitted).toHaveLength(0);
    await h.advance(1);
    expect(h.emitted).toHaveLength(1);
    const [batch] = h.emitted;
    expect(batch.resources.map((r) => [r.resource.attributes.get('service.name'), r.scopes[0].records.map((s) => s.name)])).toEqual([['web', ['GET /']], ['db', ['SELECT']]]);
    expect(h.report.drops).toEqual({ not_sampled: 1 });
    expect(h.report.events.sampled_by_status_code_0).toBe(1);
    expect(h.processor.held).toEqual({ traces: 0, spans: 0, cached: [1, 1] });
  });

  it('lets late spans follow the remembered decision at once', async () => {
    const h = await start({ policies: [errors] });
    await h.send(traceBatch({ web: [makeSpan({ traceId: T(1), status: error }), makeSpan({ traceId: T(2) })] }));
    await h.advance(1000);
    const late = await h.send(traceBatch({ web: [makeSpan({ traceId: T(1), name: 'late kept' }), makeSpan({ traceId: T(2), name: 'late dropped' })] }));
    expect(spansOf(late).map((s) => s.name)).toEqual(['late kept']);
    expect(h.report.drops.not_sampled).toBe(2);
    expect(h.report.events.late_span_kept).toBe(1);
    expect(h.processor.held.traces).toBe(0);
  });

  it('holds late spans again once their decision is forgotten (cache full)', async () => {
    const h = await start({ policies: [errors], sampledCacheSize: 1 });
    await h.send(traceBatch({ web: [makeSpan({ traceId: T(1), status: error }), makeSpan({ traceId: T(2), status: error })] }));
    await h.advance(1000);
    expect(spansOf(await h.send(traceBatch({ web: [makeSpan({ traceId: T(1)})] })))).toHaveLength(0);
    expect(h.processor.held.traces).toBe(1);
  });

  it('decides the oldest traces early when more are held than maxTraces, and counts them', async () => {
    const h = await start({ policies: [errors], maxTraces: 2 });
    await h.send(traceBatch({ web: [makeSpan({ traceId: T(1), status: error }), makeSpan({ traceId: T(2) }), makeSpan({ traceId: T(3) })] }));
    await h.advance(0);
    expect(h.report.events.evicted).toBe(1);
    expect(spansOf(h.emitted[0]).map((s) => s.traceId)).toEqual([T(1)]);
    expect(h.processor.held.traces).toBe(2);
  });

  it('keeps memory bounded under a flood of new and never-ending traces', async () => {
    const limits = { maxTraces: 100, maxSpans: 500, sampledCacheSize: 300, notSampledCacheSize: 300 };
    const h = await start({ policies: [{ type: 'probabilistic', samplingPercentage: 50 }], ...limits });
    const endless = Array.from({ length: 50 }, () => ids(32));
    let sent = 0;
    for (let round = 0; round < 300; round++) {
      const spans = [
        ...Array.from({ length: 20 }, () => ids(32)).flatMap((traceId) => [makeSpan({ traceId }), makeSpan({ traceId }), makeSpan({ traceId })]),
        ...endless.map((traceId) => makeSpan({ traceId })),
      ];
      sent += spans.length;
      await h.send(traceBatch({ web: spans }));
      const held = h.processor.held;
      expect(held.traces).toBeLessThanOrEqual(limits.maxTraces);
      expect(held.spans).toBeLessThanOrEqual(limits.maxSpans);
      expect(held.cached[0]).toBeLessThanOrEqual(limits.sampledCacheSize);
      expect(held.cached[1]).toBeLessThanOrEqual(limits.notSampledCacheSize);
      await h.advance(100);
    }
    expect(h.report.events.evicted).toBeGreaterThan(1000);
    // Every span is accounted for: handed on later, passed at once (late, kept), dropped, or still held.
    const dropped = Object.values(h.report.drops).reduce((a, b) => a + b, 0);
    expect(h.emittedSpans().length + h.report.events.late_span_kept + dropped + h.processor.held.spans).toBe(sent);
  });

  it('records the threshold and adjusted count on traces kept by a probabilistic policy only', async () => {
    const h = await start({ policies: [errors, { type: 'probabilistic', samplingPercentage: 25 }] });
    const traces = Array.from({ length: 2000 }, () => ids(32));
    await h.send(traceBatch({ web: traces.map((traceId, i) => makeSpan({ traceId, status: i === 0 ? error : { code: 0, message: '' } })) }));
    await h.advance(1000);
    const kept = h.emittedSpans();
    expect(kept.length).toBeGreaterThan(400);
    expect(kept.length).toBeLessThan(600);
    const byChance = kept.filter((s) => s.status.code !== 2);
    expect(byChance.every((s) => s.traceState === 'ot=th:c' && s.attributes.get('SampleRate') === 4n)).toBe(true);
    const [kept0] = kept.filter((s) => s.status.code === 2);
    expect([kept0.traceState, kept0.attributes.has('SampleRate')]).toEqual(['', false]);
    // Weighted, the kept spans reproduce the total.
    const weighted = kept.reduce((n, s) => n + Number(s.attributes.get('SampleRate') ?? 1), 0);
    expect(Math.abs(weighted - 2000) / 2000).toBeLessThan(0.1);
  });

  it('lets a drop policy win over the policies that would keep a trace', async () => {
    const h = await start({ policies: [{ type: 'always_sample' }, { type: 'drop', policies: [{ type: 'string_attribute', key: 'url.path', values: ['/health'] }] }] });
    await h.send(traceBatch({ web: [makeSpan({ traceId: T(1), attributes: attrs({ 'url.path': '/health' }) }), makeSpan({ traceId: T(2) })] }));
    await h.advance(1000);
    expect(h.emittedSpans().map((s) => s.traceId)).toEqual([T(2)]);
    expect(h.report.drops).toEqual({ dropped_by_policy: 1 });
  });

  it('keeps a trace with a span marked sampling.priority > 0 (a debug session’s), unless a drop policy drops it', async () => {
    const h = await start({ policies: [errors, { type: 'drop', policies: [{ type: 'string_attribute', key: 'url.path', values: ['/health'] }] }] });
    const exempt = attrs({ 'sampling.priority': 1n });
    await h.send(traceBatch({ web: [
      makeSpan({ traceId: T(1), attributes: exempt }),
      makeSpan({ traceId: T(2) }),
      makeSpan({ traceId: T(3), attributes: attrs({ 'sampling.priority': 1n, 'url.path': '/health' }) }),
    ] }));
    await h.advance(1000);
    expect(h.emittedSpans().map((s) => s.traceId)).toEqual([T(1)]);
  });

  it('retries a refused hand-off at the next tick, refusing new spans (503) meanwhile', async () => {
    const h = await start({ policies: [errors] });
    h.state.refuse = 1;
    await h.send(traceBatch({ web: [makeSpan({ traceId: T(1), status: error })] }));
    await h.advance(1000);
    expect(h.emitted).toHaveLength(0);
    expect(h.report.events.export_retry).toBe(1);
    await expect(h.send(traceBatch({ web: [makeSpan({ traceId: T(2) })] }))).rejects.toThrow(RetryableError);
    await h.advance(10);
    expect(h.emittedSpans()).toHaveLength(1);
    expect(await h.send(traceBatch({ web: [makeSpan({ traceId: T(2) })] }))).toBeDefined();
  });

  it('decides every pending trace at shutdown, and decides spans arriving after it at once', async () => {
    const h = await start({ policies: [errors] });
    await h.send(traceBatch({ web: [makeSpan({ traceId: T(1), status: error }), makeSpan({ traceId: T(2) })] }));
    await h.processor.shutdown();
    expect(h.emittedSpans().map((s) => s.traceId)).toEqual([T(1)]);
    const after = await h.send(traceBatch({ web: [makeSpan({ traceId: T(3), status: error }), makeSpan({ traceId: T(4) })] }));
    expect(spansOf(after).map((s) => s.traceId)).toEqual([T(3)]);
  });

  it('passes logs through untouched', async () => {
    const h = await start({ policies: [errors] });
    const batch = logBatch({ web: [makeLog()] });
    expect(await h.processor.process(batch, h.report)).toBe(batch);
  });
});

describe('tail sampling in the processor chain', () => {
  it('runs kept traces through the later stages into the sink, counting records out when handed on', async () => {
    let clock = 0;
    const config = tailSamplingConfigSchema.parse({ durability: 'memory', decisionWaitMs: 100, policies: [errors] });
    const tail = new TailSamplingProcessor('tail', config, { now: () => clock, manualTicks: true });
    const counts: Record<string, number> = {};
    const add = (key: string, n: number) => (counts[key] = (counts[key] ?? 0) + n);
    const observer: ChainObserver = {
      records: (p, _s, i, o) => (add(`${p}/in`, i), add(`${p}/out`, o)),
      dropped: (p, _s, reason, n) => add(`${p}/dropped/${reason}`, n),
      counted: (p, _s, event, n) => add(`${p}/counted/${event}`, n),
    };
    const chain = new ProcessorChain([tail, ...buildProcessors([{ type: 'filter', dropSpanNames: ['^noise'] }])], observer);
    const sunk: Batch[] = [];
    await chain.start(async (batch) => void sunk.push(batch));
    await chain.process(traceBatch({ web: [makeSpan({ traceId: T(1), status: error }), makeSpan({ traceId: T(1), name: 'noise' }), makeSpan({ traceId: T(2) })] }));
    expect(counts['tail/dropped/unreported']).toBeUndefined(); // held spans are deferred, not lost
    clock += 100;
    tail.tick();
    await new Promise((resolve) => setImmediate(resolve));
    expect(sunk.flatMap((b) => spansOf(b as never)).map((s) => s.name)).toEqual(['op']);
    expect(counts).toMatchObject({ 'tail/in': 3, 'tail/out': 2, 'tail/dropped/not_sampled': 1, 'filter/in': 2, 'filter/out': 1, 'filter/dropped/span_name': 1 });
    await chain.shutdown();
  });
});
