import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { countRecords } from '../batch/records.ts';
import type { Batch } from '../batch/types.ts';
import { ProcessorChain, type ChainObserver } from './chain.ts';
import type { Processor, ProcessorContext } from './processor.ts';
import { buildProcessors } from './registry.ts';
import { makeLog, logBatch } from '../batch/testing.ts';

/** Holds every batch it is given (reporting it deferred) until `release()`. */
function holder() {
  let context: ProcessorContext | undefined;
  const held: Batch[] = [];
  const processor: Processor = {
    name: 'holder',
    start: async (c) => void (context = c),
    process(batch, report) {
      held.push(structuredClone(batch));
      report.defer?.(countRecords(batch));
      (batch.resources as unknown[]).length = 0;
      return batch;
    },
  };
  return { processor, context: () => context!, release: () => Promise.all(held.splice(0).map((b) => context!.emit(b))) };
}

function recorder() {
  const counts: Record<string, number> = {};
  const add = (k: string, n: number) => (counts[k] = (counts[k] ?? 0) + n);
  const observer: ChainObserver = {
    records: (p, s, i, o) => (add(`${p}/${s}/in`, i), add(`${p}/${s}/out`, o)),
    dropped: (p, s, reason, n) => add(`${p}/${s}/dropped/${reason}`, n),
    counted: (p, s, event, n) => add(`${p}/${s}/counted/${event}`, n),
  };
  return { counts, observer };
}

describe('processors that hand batches on later', () => {
  it('run what they emit through the later stages into the sink, with records counted in, out and dropped', async () => {
    const { counts, observer } = recorder();
    const h = holder();
    const chain = new ProcessorChain([h.processor, ...buildProcessors([{ type: 'filter', minSeverityNumber: 13 }])], observer);
    const sunk: Batch[] = [];
    await chain.start(async (batch) => void sunk.push(batch), '/state');
    expect(countRecords(await chain.process(logBatch({ api: [makeLog({ severityNumber: 17 }), makeLog({ severityNumber: 9 })] })))).toBe(0);
    expect(counts['holder/logs/dropped/unreported']).toBeUndefined();
    await h.release();
    expect(sunk.map(countRecords)).toEqual([1]);
    expect(counts).toMatchObject({ 'holder/logs/in': 2, 'holder/logs/out': 2, 'filter/logs/in': 2, 'filter/logs/out': 1, 'filter/logs/dropped/severity': 1 });
    expect(h.context().stateDir).toBe(join('/state', 'holder'));
  });

  it('count drops and events reported outside process under the processor name', async () => {
    const { counts, observer } = recorder();
    const h = holder();
    await new ProcessorChain([h.processor], observer).start(async () => {});
    h.context().report('traces').drop('evicted', 3);
    h.context().report('traces').count('late', 2);
    expect(counts).toEqual({ 'holder/traces/dropped/evicted': 3, 'holder/traces/counted/late': 2 });
  });

  it('refuse to emit when the chain was started without a sink', async () => {
    const h = holder();
    await new ProcessorChain([h.processor], recorder().observer).start();
    await expect(h.context().emit(logBatch({ api: [makeLog()] }))).rejects.toThrow(/no sink/);
  });
});
