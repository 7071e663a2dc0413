import type { DropSink } from './processor.ts';

/** Test helpers for processors; record and batch builders are in `src/batch/testing.ts`. */

/** A DropSink that records drops, events and deferred records by name. */
export function recorder(): DropSink & { drops: Record<string, number>; events: Record<string, number>; deferred: number } {
  const drops: Record<string, number> = {};
  const events: Record<string, number> = {};
  const sink = {
    drops,
    events,
    deferred: 0,
    drop: (reason: string, n: number) => void (n > 0 && (drops[reason] = (drops[reason] ?? 0) + n)),
    count: (event: string, n: number) => void (n > 0 && (events[event] = (events[event] ?? 0) + n)),
    defer: (n: number) => void (sink.deferred += n),
  };
  return sink;
}
