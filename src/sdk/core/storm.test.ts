import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ErrorStorm } from './storm.ts';

describe('the error storm limit', () => {
  let now = 1_000_000;
  let drops = 0;
  let storm: ErrorStorm;
  let made: Array<{ key: string; n: number; at: number }>;
  const capture = (key: string) => storm.capture(key, (n) => made.push({ key, n, at: now }));

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(now);
    made = [];
    drops = 0;
    storm = new ErrorStorm(() => drops++, 10, () => now);
  });
  afterEach(() => vi.useRealTimers());

  const advance = (ms: number) => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };

  it('records the first occurrence at once and folds 10,000 a second of one error into about one record a second', () => {
    for (let second = 0; second < 3; second++) {
      for (let i = 0; i < 10_000; i++) {
        capture('TypeError\0x is undefined');
        if (i % 10 === 9) advance(1 / 10);
      }
      advance(1);
    }
    advance(2000);
    expect(made[0]).toEqual({ key: 'TypeError\0x is undefined', n: 1, at: 1_000_000 });
    expect(made.reduce((sum, m) => sum + m.n, 0)).toBe(30_000);
    expect(made.length).toBeLessThanOrEqual(5);
  });

  it('makes at most 10 records in any second, whatever the number of distinct errors, and loses no occurrence', () => {
    for (let i = 0; i < 50; i++) for (let j = 0; j < 20; j++) capture(`error ${i}`);
    for (let s = 0; s < 10; s++) advance(1000);
    const perSecond = new Map<number, number>();
    for (const m of made) perSecond.set(Math.floor(m.at / 1000), (perSecond.get(Math.floor(m.at / 1000)) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(10);
    expect(made.reduce((sum, m) => sum + m.n, 0)).toBe(1000);
    expect(new Set(made.map((m) => m.key)).size).toBe(50);
  });

  it('makes every waiting record on flush, and drops (counting) the occurrences of errors past 1,000 waiting', () => {
    for (let i = 0; i < 1100; i++) capture(`error ${i}`);
    expect(made).toHaveLength(10);
    expect(drops).toBe(90);
    storm.flush();
    expect(made).toHaveLength(1010);
    expect(made.reduce((sum, m) => sum + m.n, 0)).toBe(1010);
  });
});
