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
  ) {}

  async consume(batch: Batch): Promise<void> {
    await this.exporter.append(await this.chain.process(batch));
  }
}
