import { countRecords } from '../batch/records.ts';
import type { Batch } from '../batch/types.ts';
import type { DropSink, Processor } from './processor.ts';

/** What the chain reports about each stage; the gateway wires it to `/metrics`. */
export interface ChainObserver {
  records(processor: string, signal: Batch['signal'], received: number, emitted: number): void;
  dropped(processor: string, signal: Batch['signal'], reason: string, count: number): void;
  counted(processor: string, signal: Batch['signal'], event: string, count: number): void;
}

/**
 * Runs processors in order, counting records in and out of each and the drops they report.
 * Records that vanish without a reported reason are counted as `unreported`, so every drop shows
 * up in `/metrics` even when a processor forgets to say why.
 */
export class ProcessorChain {
  constructor(
    readonly processors: readonly Processor[],
    private readonly observer: ChainObserver,
  ) {}

  async process(batch: Batch): Promise<Batch> {
    let current = batch;
    for (const processor of this.processors) {
      const signal = current.signal;
      const received = countRecords(current);
      if (received === 0) break;
      let reported = 0;
      const drops: DropSink = {
        drop: (reason, count) => {
          if (count <= 0) return;
          reported += count;
          this.observer.dropped(processor.name, signal, reason, count);
        },
        count: (event, n) => {
          if (n > 0) this.observer.counted(processor.name, signal, event, n);
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

  async start(): Promise<void> {
    for (const p of this.processors) await p.start?.();
  }

  async shutdown(): Promise<void> {
    for (const p of this.processors) await p.shutdown?.();
  }
}
