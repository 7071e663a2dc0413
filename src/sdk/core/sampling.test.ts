import { describe, expect, it } from 'vitest';
import { parseThreshold } from '../../processors/sampling/threshold.ts';
import { keeps, sessionRandomness, thresholdOf, Throttle } from './sampling.ts';

describe('client sampling thresholds', () => {
  it.each([[10, 10n], [25, 4n], [50, 2n], [1, 100n], [0.1, 1000n]])('%d %% is a threshold the gateway reads as 1 in %d', (percentage, oneIn) => {
    const th = thresholdOf(percentage)!;
    const parsed = parseThreshold(th)!;
    expect(parsed.sampleRate).toBe(oneIn);
    expect(parsed.probability).toBeCloseTo(percentage / 100, 12);
  });

  it('keeps everything at 100 % (no threshold), and the least a threshold can at 0 %', () => {
    expect(thresholdOf(100)).toBeUndefined();
    expect(thresholdOf(0)).toBe('ffffffffffffff');
  });

  it('keeps a record when its randomness is at least the threshold, as the gateway compares', () => {
    const th = thresholdOf(50)!;
    expect(th).toBe('8');
    expect(keeps('80000000000000', th)).toBe(true);
    expect(keeps('7fffffffffffff', th)).toBe(false);
    expect(keeps('ffffffffffffff', thresholdOf(0)!)).toBe(true);
  });

  it('keeps about the rate over many sessions', () => {
    const th = thresholdOf(10)!;
    let kept = 0;
    for (let i = 0; i < 100_000; i++) if (keeps(sessionRandomness(crypto.randomUUID()), th)) kept++;
    // 10,000 expected, standard deviation 95: far outside ±600 only by a broken threshold.
    expect(Math.abs(kept - 10_000)).toBeLessThan(600);
  });

  it('takes a session’s randomness from the random part of its UUID', () => {
    expect(sessionRandomness('0b9d6a52-7c1e-4f3a-9d2b-5e8f1a2b3c4d')).toBe('2b5e8f1a2b3c4d');
    expect(sessionRandomness('not-a-uuid')).toMatch(/^[0-9a-f]{14}$/);
  });
});

describe('the throttle', () => {
  it('admits at most N per name per minute, and starts again the next minute', () => {
    let now = 60_000 * 100;
    const t = new Throttle(() => now);
    const admitted = (name: string, n: number) => Array.from({ length: n }, () => t.admit(name, 3)).filter(Boolean).length;
    expect(admitted('checkout', 10)).toBe(3);
    expect(admitted('login', 10)).toBe(3);
    now += 59_000;
    expect(admitted('checkout', 1)).toBe(0);
    now += 1_000;
    expect(admitted('checkout', 10)).toBe(3);
  });
});
