import type { Batch } from './batch/types.ts';
import type { ClickHouseExporter } from './exporters/clickhouse/exporter.ts';
import type { ProcessorChain } from './processors/chain.ts';

/**
 * The data path after the receiver: the processor chain, then the exporter. `consume` resolves
 * when the (processed) batch is durable, which is when the receiver may answer 200.
 */
export class Pipeline {
  constructor(
    private readonly chain: ProcessorChain,
    private readonly exporter: ClickHouseExporter,
  ) {}

  async consume(batch: Batch): Promise<void> {
    const processed = await this.chain.process(batch);
    await this.exporter.export(processed);
  }
}
