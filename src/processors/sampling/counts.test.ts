import { describe, expect, it } from 'vitest';
import type { AnyValue, Attributes } from '../../batch/types.ts';
import { buildProcessors } from '../registry.ts';
import { attrs, idSource, logBatch, logsOf, makeLog, makeSpan, spansOf, traceBatch } from '../../batch/testing.ts';
import { recorder } from '../testing.ts';

/** What a weighted count over stored rows computes: Σ SampleRate, 1 where absent. */
function weighted(records: { attributes: Attributes }[]): number {
  let sum = 0;
  for (const r of records) sum += Number((r.attributes.get('SampleRate') as AnyValue) ?? 1);
  return sum;
}

const process = (options: Record<string, unknown>) => {
  const [sampler] = buildProcessors([{ type: 'sampling', ...options }]);
  return <B extends Parameters<typeof sampler.process>[0]>(batch: B) => sampler.process(batch, recorder()) as B;
};

describe('count-correct sampling', () => {
  it('reproduces the true span count from 100k spans sampled at 10% within 3%', () => {
    const ids = idSource(42);
    const spans = Array.from({ length: 100_000 }, () => makeSpan({ traceId: ids(32) }));
    const kept = spansOf(process({ percentage: 10 })(traceBatch({ api: spans })));
    expect(kept.length).toBeLessThan(11_000);
    expect(Math.abs(weighted(kept) - 100_000) / 100_000).toBeLessThan(0.03);
  });

  it('reproduces per-service totals with mixed rates, errors kept, priorities and upstream sampling', () => {
    const ids = idSource(9);
    const truth: Record<string, number> = { checkout: 0, search: 0, sdk: 0 };
    const batch = traceBatch({ checkout: [], search: [], sdk: [] });
    const [checkout, search, sdk] = batch.resources.map((r) => r.scopes[0].records);
    for (let i = 0; i < 60_000; i++) {
      // checkout: 5% of spans are errors (kept at weight 1), 1% carry priority 1.
      checkout.push(makeSpan({ traceId: ids(32), status: { code: i % 20 === 0 ? 2 : 0, message: '' }, attributes: attrs(i % 100 === 1 ? { 'sampling.priority': 1n } : {}) }));
      // search: span-name rule at 2% for cache spans, 20% otherwise.
      search.push(makeSpan({ traceId: ids(32), name: i % 2 ? 'cache.get' : 'query' }));
    }
    // sdk: each span stands for 4 (sampled at 25% upstream: only rv ≥ c arrives).
    while (sdk.length < 30_000) {
      const traceId = ids(32);
      if (traceId.slice(18) >= 'c') sdk.push(makeSpan({ traceId, traceState: 'ot=th:c' }));
    }
    truth.checkout = 60_000;
    truth.search = 60_000;
    truth.sdk = 120_000;

    const out = process({ percentage: 20, rules: [{ service: 'checkout', percentage: 5 }, { service: 'search', spanName: '^cache', percentage: 2 }] })(batch);
    for (const group of out.resources) {
      const service = group.resource.attributes.get('service.name') as string;
      const records = group.scopes.flatMap((s) => s.records);
      expect(records.length).toBeLessThan(truth[service] / 3);
      expect(Math.abs(weighted(records) - truth[service]) / truth[service], service).toBeLessThan(0.03);
    }
  });

  it('reproduces the true log count from 100k logs without trace IDs sampled at 10% within 3%', () => {
    const logs = Array.from({ length: 100_000 }, (_, i) => makeLog({ body: `job ${i} finished`, timeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) }));
    const kept = logsOf(process({ percentage: 10 })(logBatch({ worker: logs })));
    expect(kept.length).toBeLessThan(11_000);
    expect(Math.abs(weighted(kept) - 100_000) / 100_000).toBeLessThan(0.03);
  });
});
