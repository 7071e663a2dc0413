/**
 * Issue 19, point 4: the hostile inputs of the error pipeline (`src/issues/fixtures/hostile.ts`)
 * timed at their base size and at 4 times it, in this process (CPU time, the median of 3). Linear
 * work takes ~4 times as long; quadratic ~16. `npm test` checks only their results.
 */
import { hostileMessages, hostileTraces } from '../../src/issues/fixtures/hostile.ts';
import { normalizeMessage } from '../../src/issues/grouping/normalize.ts';
import { parseStackTrace } from '../../src/issues/stacktrace/index.ts';
import { round } from '../lib/load.ts';

export interface HostileCase {
  input: string;
  /** CPU ms at the base size, and at 4 times it. */
  ms: number;
  ms4x: number;
  /** ms4x / ms: ~4 when linear. */
  growth: number;
}

export interface HostileResult {
  cases: HostileCase[];
  /** The slowest case at its base size, ms (the former `npm test` limit was 2 000). */
  worstMs: number;
  /** The largest growth from 1x to 4x among the cases that take at least 5 ms (below, timer noise decides). */
  worstGrowth: number;
}

function cpuMs(work: () => unknown): number {
  const times: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = process.cpuUsage();
    work();
    const used = process.cpuUsage(start);
    times.push((used.user + used.system) / 1000);
  }
  return times.sort((a, b) => a - b)[1]!;
}

export function runHostilePhase(): HostileResult {
  const cases: HostileCase[] = [];
  const measure = (kind: string, list: typeof hostileTraces, run: (text: string) => unknown) => {
    for (const [name, make] of list) {
      const base = make(1);
      const big = make(4);
      const ms = cpuMs(() => run(base));
      const ms4x = cpuMs(() => run(big));
      cases.push({ input: `${kind}: ${name}`, ms: round(ms, 1), ms4x: round(ms4x, 1), growth: round(ms4x / Math.max(ms, 0.1), 1) });
    }
  };
  measure('parseStackTrace', hostileTraces, (t) => parseStackTrace(t));
  measure('normalizeMessage', hostileMessages, (t) => normalizeMessage(t));
  return {
    cases,
    worstMs: Math.max(...cases.map((c) => c.ms)),
    worstGrowth: Math.max(...cases.filter((c) => c.ms >= 5).map((c) => c.growth)),
  };
}
