import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Batch, TraceBatch } from '../../batch/types.ts';
import { RetryableError } from '../../errors.ts';
import { recorder } from '../testing.ts';
import type { ProcessorContext } from '../processor.ts';
import { tailSamplingConfigSchema } from './config.ts';
import { TailSamplingProcessor } from './tailsampling.ts';

/**
 * A tail-sampling processor on a fake clock with a recording context, for tests: `send` a batch,
 * `advance` the clock (then tick), read what was `emitted` and reported.
 */
export async function harness(options: Record<string, unknown>, stateDir = mkdtempSync(join(tmpdir(), 'otelhouse-tail-'))) {
  let clock = 1_000_000;
  const emitted: TraceBatch[] = [];
  const report = recorder();
  const state = { refuse: 0 };
  const context: ProcessorContext = {
    emit: async (batch: Batch) => {
      if (state.refuse > 0) {
        state.refuse--;
        throw new RetryableError('spool full', 1000, 'spool_full');
      }
      emitted.push(batch as TraceBatch);
    },
    report: () => report,
    stateDir,
  };
  const config = tailSamplingConfigSchema.parse({ durability: 'memory', decisionWaitMs: 1000, ...options });
  const processor = new TailSamplingProcessor('tailsampling', config, { now: () => clock, manualTicks: true });
  await processor.start(context);
  return {
    processor,
    emitted,
    report,
    state,
    stateDir,
    send: async (batch: TraceBatch) => (await processor.process(batch, report)) as TraceBatch,
    /** Moves the clock, ticks, and lets hand-offs settle. */
    advance: async (ms: number) => {
      clock += ms;
      processor.tick();
      await new Promise((resolve) => setImmediate(resolve));
    },
    /** Every span handed on so far. */
    emittedSpans: () => emitted.flatMap((b) => b.resources.flatMap((r) => r.scopes.flatMap((s) => s.records))),
  };
}
