import { describe, expect, it } from 'vitest';
import type { AnyValue, LogRecord } from '../../batch/types.ts';
import { attrs, makeLog } from '../../batch/testing.ts';
import { hexAtLeast, numericAtLeast, recordRandomness } from './randomness.ts';
import { fromValue } from './threshold.ts';

const hex14 = (v: bigint) => v.toString(16).padStart(14, '0');
const halves = (v: bigint) => ({ hi28: Number(v >> 28n), lo28: Number(v & 0xfffffffn) });

describe('rv ≥ th', () => {
  // Pairs around the 28-bit split: equal high halves decide by the low ones.
  const th = 0x123456789abcden;
  const hi = th & ~0xfffffffn;
  it.each([
    [th, true],
    [th + 1n, true],
    [th - 1n, false],
    [hi + 0x10000000n, true], // higher high half, low half 0
    [hi, false], // same high half, lower low half
    [hi - 1n, false], // lower high half, low half all ones
    [0n, false],
    [(1n << 56n) - 1n, true],
  ])('for rv %s is %s, on hex and on numeric randomness alike', (rv, kept) => {
    const threshold = fromValue(th);
    expect(rv >= th).toBe(kept);
    expect(hexAtLeast(hex14(rv), 0, threshold)).toBe(kept);
    expect(hexAtLeast(`${'0'.repeat(18)}${hex14(rv)}`, 18, threshold)).toBe(kept);
    expect(numericAtLeast(halves(rv), threshold)).toBe(kept);
  });
});

describe('the randomness of a log without a trace ID', () => {
  const randomness = (log: LogRecord, key?: AnyValue) => {
    const out = { hi28: 0, lo28: 0 };
    recordRandomness(log, key, out, new Set(['sampling.threshold', 'SampleRate']));
    return out.hi28 * 2 ** 28 + out.lo28;
  };
  const distinct = (logs: LogRecord[], key?: (i: number) => AnyValue) => new Set(logs.map((l, i) => randomness(l, key?.(i)))).size;
  const n = 300;
  const each = (make: (i: number) => Partial<LogRecord>) => Array.from({ length: n }, (_, i) => makeLog(make(i)));

  it.each([
    ['the timestamp', (i: number) => ({ timeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) })],
    ['the observed timestamp when there is no timestamp', (i: number) => ({ timeUnixNano: 0n, observedTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(i) })],
    ['the severity', (i: number) => ({ severityNumber: i })],
    ['a string body', (i: number) => ({ body: `job ${i} done` })],
    ['a bytes body', (i: number) => ({ body: new Uint8Array([i & 0xff, i >> 8]) })],
    ['an array body', (i: number) => ({ body: ['job', BigInt(i)] })],
    ['a map body', (i: number) => ({ body: attrs({ job: i + 0.5 }) })],
    ['the event name', (i: number) => ({ eventName: `event.${i}` })],
    ['the span ID', (i: number) => ({ spanId: i.toString(16).padStart(16, '0') })],
    ['an attribute', (i: number) => ({ attributes: attrs({ 'job.id': BigInt(i) }) })],
  ])('depends on %s', (_part, make) => {
    expect(distinct(each(make))).toBe(n);
  });

  it('depends on the key value alone when given one', () => {
    const logs = each(() => ({}));
    expect(distinct(logs, (i) => `uid-${i}`)).toBe(n);
    expect(distinct(each((i) => ({ body: `job ${i}` })), () => 'same-uid')).toBe(1);
  });

  // Two tiers, or a gateway before and after an upgrade, must hash a record alike, or their decisions
  // on it diverge: the hash is a wire contract, pinned here. Change it only with a migration note.
  it('is the same in every release for the same record', () => {
    const log = makeLog({ body: 'job 7 done', attributes: attrs({ retry: true, raw: new Uint8Array([1, 2, 3]), tags: ['a', 1n], ctx: attrs({ k: 0.5 }), none: null }) });
    const out = { hi28: 0, lo28: 0 };
    recordRandomness(log, undefined, out, new Set());
    expect(out).toEqual({ hi28: 197_809_980, lo28: 40_484_740 }); // pinned from the implementation as of this test
  });

  it('ignores the attributes a sampler adds', () => {
    const plain = makeLog({ body: 'x', attributes: attrs({ a: 1n }) });
    const sampled = makeLog({ body: 'x', attributes: attrs({ a: 1n, 'sampling.threshold': 'c', SampleRate: 4n }) });
    expect(randomness(sampled)).toBe(randomness(plain));
  });
});
