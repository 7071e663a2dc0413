import type { TraceBatch } from '../../batch/types.ts';

/**
 * Where held spans live until their trace is decided. `memory` keeps nothing beyond the trace
 * buffer; `disk` (the hold log) makes them durable before the request is acknowledged.
 */
export interface Hold {
  /** Records the spans of `batch` as held; `durable` resolves once they survive a crash. */
  write(batch: TraceBatch): { segment: number; durable: Promise<void> };
  /** A trace gained spans in `segment`. */
  retain(segment: number): void;
  /** Traces are done (decided and, when kept, exported): their segments may go. */
  release(traceIds: readonly string[], segments: readonly number[]): void;
  /** Spans held by an earlier run that never reached a decision, to hold again. */
  replay(): Promise<TraceBatch[]>;
  /** Replayed spans are held again (durably): the earlier run's files may go. */
  replayed(): Promise<void>;
  close(): Promise<void>;
}

const done = Promise.resolve();

/** The Collector's behaviour: held spans only in memory, lost if the process dies. */
export const memoryHold: Hold = {
  write: () => ({ segment: -1, durable: done }),
  retain: () => {},
  release: () => {},
  replay: async () => [],
  replayed: async () => {},
  close: async () => {},
};
