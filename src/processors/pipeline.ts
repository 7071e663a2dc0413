import type { Batch } from '../batch/types.ts';
import type { ProcessorChain } from './chain.ts';

/** Where processed batches go: the export stage (`src/exporters/stage.ts`). */
export interface BatchExporter {
  /** Resolves once the batch is durable (in the write-ahead log). */
  append(batch: Batch): Promise<void>;
}

/**
 * The data path after the receiver: the processor chain, then the export stage that makes the
 * processed batch durable. `consume` resolves when the batch is durable, which is when the
 * receiver may answer 200.
 */
export class Pipeline {
  constructor(
    private readonly chain: ProcessorChain,
    private readonly exporter: BatchExporter,
    /** Runs first, on every batch, whatever the chain's config (the erasure blocklist): removes what must never be stored. */
    private readonly admit: (batch: Batch) => void = () => {},
  ) {}

  /** Resolves with the processed batch (what was stored) once it is durable. */
  async consume(batch: Batch): Promise<Batch> {
    this.admit(batch);
    const processed = await this.chain.process(batch);
    await this.exporter.append(processed);
    return processed;
  }
}
