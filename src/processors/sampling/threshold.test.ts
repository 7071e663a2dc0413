import { describe, expect, it } from 'vitest';
import { parseThreshold, probabilityToTh, thresholdFor } from './threshold.ts';

// spec trace/tracestate-probability-sampling.md, "Converting floating-point probability to
// threshold value": 1-in-N probabilities at precision 3, 4 and 5.
const specTable: [n: number, p3: string, p4: string, p5: string][] = [
  [1, '0', '0', '0'],
  [2, '8', '8', '8'],
  [3, 'aab', 'aaab', 'aaaab'],
  [4, 'c', 'c', 'c'],
  [5, 'ccd', 'cccd', 'ccccd'],
  [8, 'e', 'e', 'e'],
  [10, 'e66', 'e666', 'e6666'],
  [16, 'f', 'f', 'f'],
  [100, 'fd71', 'fd70a', 'fd70a4'],
  [1000, 'ffbe7', 'ffbe77', 'ffbe76d'],
  [10000, 'fff972', 'fff9724', 'fff97247'],
  [100000, 'ffff584', 'ffff583a', 'ffff583a5'],
  [1000000, 'ffffef4', 'ffffef39', 'ffffef391'],
];

describe('OTEP 235 thresholds', () => {
  it.each(specTable)('encodes 1-in-%i as the spec table does at precisions 3, 4 and 5', (n, p3, p4, p5) => {
    expect([3, 4, 5].map((precision) => probabilityToTh(1 / n, precision))).toEqual([p3, p4, p5]);
  });

  it('encodes 10% with full precision as e666… (the 1% example of the spec: fd70a4 at 5 digits)', () => {
    expect(probabilityToTh(0.1, 12)).toBe('e66666666666');
    expect(parseThreshold('fd70a4')!.value).toBe(0xfd70a400000000n); // (1 − 0.01) · 2^56, 5 digits
  });

  it.each([
    ['0', 1, 1n],
    ['8', 0.5, 2n],
    ['c', 0.25, 4n],
    ['e666', 0.100006103515625, 10n],
    ['e6666666666666', 0.1, 10n],
    ['fd70a', 0.010000228881835938, 100n],
  ])('reads th:%s as probability %f and adjusted count %s', (th, probability, sampleRate) => {
    const t = parseThreshold(th)!;
    expect(t.probability).toBeCloseTo(probability, 15);
    expect(t.sampleRate).toBe(sampleRate);
  });

  it('gives the exact adjusted count when the threshold is not a 1-in-N rate', () => {
    const t = thresholdFor(0.3, 4)!;
    expect(t.th).toBe('b333');
    expect(typeof t.sampleRate).toBe('number');
    expect(t.sampleRate).toBeCloseTo(1 / 0.3, 3);
    expect(t.sampleRate).toBe(2 ** 56 / Number((1n << 56n) - t.value));
  });

  it('prefers the configured N where a coarse threshold encodes several', () => {
    expect(thresholdFor(1 / 10000, 3)!.sampleRate).toBe(10000n);
  });

  it('gives the N a coarse threshold keeps, not the N configured, so weighted counts follow what was kept', () => {
    // 10 % at one digit is th:e, which keeps 1 in 8: counting each kept record as 10 would overcount by 25 %.
    const t = thresholdFor(0.1, 1)!;
    expect(t.th).toBe('e');
    expect(t.probability).toBe(1 / 8);
    expect(t.sampleRate).toBe(8n);
    // 1 in 3 at two digits is th:ab, which keeps 85/256 = 0.33203125: its exact adjusted count, not 3.
    const third = thresholdFor(1 / 3, 2)!;
    expect(third.th).toBe('ab');
    expect(third.probability).toBe(85 / 256);
    expect(third.sampleRate).toBe(2 ** 56 / Number((1n << 56n) - third.value));
    expect(third.sampleRate).not.toBe(3n);
  });

  it('pads thresholds to 14 digits and splits them into 28-bit halves', () => {
    const t = parseThreshold('e666')!;
    expect(t.hex14).toBe('e6660000000000');
    expect(t.hi28 * 2 ** 28 + t.lo28).toBe(Number(t.value));
  });

  it.each([
    // round(0.01 · 16^4) = 655 = 0x28f: the leading zero digit stays.
    [0.99, '028f'],
    // round(0.000001 · 16^4) = 0: nothing rejected at 4 digits.
    [0.999999, '0'],
    // (1 − 2^-49) · 2^56 = 2^56 − 2^7 rounds up at 12 digits: the largest 12-digit threshold.
    [2 ** -49, 'ffffffffffff'],
  ])('encodes probability %f at precision 4 as %j', (probability, th) => {
    expect(probabilityToTh(probability, 4)).toBe(th);
  });

  it('reads thresholds canonically: 100 % as 0, leading zero digits kept', () => {
    expect(parseThreshold('0')).toMatchObject({ th: '0', hex14: '00000000000000', value: 0n });
    expect(parseThreshold('00001')).toMatchObject({ th: '00001', hex14: '00001000000000', value: 0x1000000000n });
  });

  it('gives an adjusted count above 2^53 as the exact float, not an integer it cannot hold', () => {
    const t = parseThreshold('ffffffffffffff')!;
    expect(t.sampleRate).toBe(2 ** 56);
  });

  it.each(['', 'E666', 'xyz', 'e66z', '123456789012345'])('rejects the malformed th %j', (th) => {
    expect(parseThreshold(th)).toBeUndefined();
  });

  it('has no threshold below the smallest probability 2^-56', () => {
    expect(thresholdFor(0, 4)).toBeUndefined();
    expect(thresholdFor(2 ** -57, 4)).toBeUndefined();
    expect(thresholdFor(2 ** -56, 4)!.th).toBe('ffffffffffffff'.slice(0, 12));
  });
});
