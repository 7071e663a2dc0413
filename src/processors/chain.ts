import { join } from 'node:path';
import { countRecords } from '../batch/records.ts';
import type { Batch, Signal } from '../batch/types.ts';
import type { DropSink, Processor, ProcessorContext } from './processor.ts';

/** What the chain reports about each stage; the gateway wires it to `/metrics`. */
export interface ChainObserver {
  records(processor: string, signal: Batch['signal'], received: number, emitted: number): void;
  dropped(processor: string, signal: Batch['signal'], reason: string, count: number): void;
  counted(processor: string, signal: Batch['signal'], event: string, count: number): void;
}

/** Where batches go after the last processor (the exporter); resolves once they are durable. */
export type ChainSink = (batch: Batch) => Promise<void>;

/**
 * Runs processors in order, counting records in and out of each and the drops they report.
 * Records that vanish without a reported reason are counted as `unreported`, so every drop shows
 * up in `/metrics` even when a processor forgets to say why. A processor may hold records back
 * (reporting them through `defer`) and hand them on later through its {@link ProcessorContext}:
 * they then run through the stages after it and into the sink given to {@link start}.
 */
export class ProcessorChain {
  private readonly stages: Processor[];

  constructor(
    processors: readonly Processor[],
    private readonly observer: ChainObserver,
  ) {
    this.stages = [...processors];
  }

  /** The stages, in order. */
  get processors(): readonly Processor[] {
    return this.stages;
  }

  /**
   * Puts `processor` in place of stage `index` for the batches that follow (a batch being processed
   * finishes with the stages it started with, each stage taking it whole). Only for stages that
   * hold nothing between batches (redaction, sampling, the catalog check): not started or shut down.
   */
  replace(index: number, processor: Processor): void {
    if (index < 0 || index >= this.stages.length) throw new RangeError(`no stage ${index}`);
    this.stages[index] = processor;
  }

  process(batch: Batch): Promise<Batch> {
    return this.run(batch, 0);
  }

  /**
   * @param sink receives what processors hand on later (after the remaining stages)
   * @param stateDir parent of the processors' state directories (`<stateDir>/<name>`)
   */
  async start(sink?: ChainSink, stateDir = join('data', 'processors')): Promise<void> {
    for (let i = 0; i < this.processors.length; i++) await this.processors[i].start?.(this.contextFor(i, sink, stateDir));
  }

  async shutdown(): Promise<void> {
    for (const p of this.processors) await p.shutdown?.();
  }

  private async run(batch: Batch, from: number): Promise<Batch> {
    let current = batch;
    for (let i = from; i < this.processors.length; i++) {
      const processor = this.processors[i];
      const signal = current.signal;
      const received = countRecords(current);
      if (received === 0) break;
      let reported = 0;
      const drops: DropSink = {
        ...this.sink(processor.name, signal),
        drop: (reason, count) => {
          if (count <= 0) return;
          reported += count;
          this.observer.dropped(processor.name, signal, reason, count);
        },
        defer: (count) => {
          if (count > 0) reported += count;
        },
      };
      current = await processor.process(current, drops);
      const emitted = countRecords(current);
      const missing = received - emitted - reported;
      if (missing > 0) this.observer.dropped(processor.name, signal, 'unreported', missing);
      this.observer.records(processor.name, signal, received, emitted);
    }
    return current;
  }

  private contextFor(index: number, sink: ChainSink | undefined, stateDir: string): ProcessorContext {
    const processor = this.processors[index];
    return {
      emit: async (batch) => {
        const records = countRecords(batch);
        if (records === 0) return;
        // Held records leave the processor now: count them out, as `process` counts what it returns.
        this.observer.records(processor.name, batch.signal, 0, records);
        const out = await this.run(batch, index + 1);
        if (!sink) throw new Error(`processor ${processor.name} handed records on, but the chain has no sink`);
        await sink(out);
      },
      report: (signal) => this.sink(processor.name, signal),
      stateDir: join(stateDir, processor.name),
    };
  }

  private sink(processor: string, signal: Signal): DropSink {
    return {
      drop: (reason, count) => {
        if (count > 0) this.observer.dropped(processor, signal, reason, count);
      },
      count: (event, n) => {
        if (n > 0) this.observer.counted(processor, signal, event, n);
      },
    };
  }
}
