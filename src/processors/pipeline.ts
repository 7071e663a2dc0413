import type { Batch } from '../batch/types.ts';
import type { ChainSink, ProcessorChain } from './chain.ts';

/**
 * The data path after the receiver: the processor chain, then the sink that stores the processed
 * batch (the exporter, plus the error occurrences the chain found). `consume` resolves when the
 * batch is durable, which is when the receiver may answer 200.
 */
export class Pipeline {
  constructor(
    private readonly chain: ProcessorChain,
    private readonly deliver: ChainSink,
  ) {}

  async consume(batch: Batch): Promise<void> {
    await this.deliver(await this.chain.process(batch));
  }
}
