import type { Batch, TraceBatch } from '../../src/batch/types.ts';
import { encodeSpans } from '../../src/exporters/clickhouse/rows.ts';
import { ProcessorChain } from '../../src/processors/chain.ts';
import { decodeTracesProtobuf } from '../../src/receiver/otlp/index.ts';
import { round } from '../lib/load.ts';
import { RequestPool } from '../lib/requests.ts';

export interface CpuResult {
  spansPerRequest: number;
  iterations: number;
  /** CPU µs per span (user + system, this process, includes GC). */
  decodeUsPerSpan: number;
  encodeUsPerSpan: number;
  /** decode → empty ProcessorChain → encodeSpans → null sink. */
  pipelineUsPerSpan: number;
}

const noopObserver = { records() {}, dropped() {}, counted() {} };

/** CPU µs per span of `work`, run until `budgetMs` of wall time has passed (after a warm-up). */
async function cpuPerSpan(spans: number, budgetMs: number, work: (i: number) => unknown): Promise<{ us: number; iterations: number }> {
  for (let i = 0; i < 30; i++) await work(i);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let i = 0;
  while (performance.now() - t0 < budgetMs) await work(i++);
  const cpu = process.cpuUsage(cpu0);
  return { us: round((cpu.user + cpu.system) / (i * spans), 2), iterations: i };
}

/**
 * Phase 4, in this process: CPU per span of the gateway's own work with the network and the
 * store taken away. Each request gets fresh IDs (as on the wire), so no string is reused by luck.
 */
export async function runCpuPhase(spansPerRequest: number, budgetMs: number): Promise<CpuResult> {
  const pool = new RequestPool(spansPerRequest, 2);
  const chain = new ProcessorChain([], noopObserver);
  let sink = 0;
  const decode = await cpuPerSpan(spansPerRequest, budgetMs, () => (sink += decodeTracesProtobuf(pool.next()).rejected));
  const batches: TraceBatch[] = [0, 1, 2, 3].map(() => decodeTracesProtobuf(pool.next()).batch);
  const encode = await cpuPerSpan(spansPerRequest, budgetMs, (i) => (sink += encodeSpans(batches[i % batches.length]).rows));
  const pipeline = await cpuPerSpan(spansPerRequest, budgetMs, async () => {
    const processed: Batch = await chain.process(decodeTracesProtobuf(pool.next()).batch);
    sink += encodeSpans(processed as TraceBatch).body.length;
  });
  if (sink < 0) console.log(sink); // keeps the work observable
  return { spansPerRequest, iterations: pipeline.iterations, decodeUsPerSpan: decode.us, encodeUsPerSpan: encode.us, pipelineUsPerSpan: pipeline.us };
}
