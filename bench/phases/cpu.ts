import type { Batch, TraceBatch } from '../../src/batch/types.ts';
import { encodeSpans } from '../../src/exporters/clickhouse/rows.ts';
import { configSchema } from '../../src/config/schema.ts';
import { ProcessorChain } from '../../src/processors/chain.ts';
import { buildProcessors } from '../../src/processors/registry.ts';
import { decodeTracesProtobuf } from '../../src/receiver/otlp/index.ts';
import { round } from '../lib/load.ts';
import { RequestPool } from '../lib/requests.ts';

export interface CpuResult {
  spansPerRequest: number;
  iterations: number;
  /** CPU µs per span (user + system, this process, includes GC). */
  decodeUsPerSpan: number;
  encodeUsPerSpan: number;
  /** decode → the default processor chain → encodeSpans → null sink. */
  pipelineUsPerSpan: number;
  /**
   * CPU µs per span of the default chain's redaction + sampling (both at their defaults; the
   * debug-session gate between them needs the control plane and is measured end to end) and of
   * each member alone, on freshly decoded batches (decoded before the clock starts), 15 attributes a span.
   */
  chainUsPerSpan: { defaultChain: number; redaction: number; sampling: number };
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
 * CPU µs per span of `chain.process` over batches decoded before each round's clock starts, so
 * every value is a fresh string (memoization across batches sees what it would in production).
 */
async function chainCpuPerSpan(pool: RequestPool, chain: ProcessorChain, budgetMs: number): Promise<number> {
  const spans = pool.spansPerRequest;
  for (let i = 0; i < 20; i++) await chain.process(decodeTracesProtobuf(pool.next()).batch);
  let cpu = 0;
  let batches = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    const fresh = Array.from({ length: 10 }, () => decodeTracesProtobuf(pool.next()).batch);
    const c0 = process.cpuUsage();
    for (const batch of fresh) await chain.process(batch);
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
    batches += fresh.length;
  }
  return round(cpu / (batches * spans), 2);
}

const chainOf = (entries: Array<{ type: string }>) => new ProcessorChain(buildProcessors(entries), noopObserver);

/**
 * Phase 4, in this process: CPU per span of the gateway's own work with the network and the
 * store taken away. Each request gets fresh IDs (as on the wire), so no string is reused by luck.
 */
export async function runCpuPhase(spansPerRequest: number, budgetMs: number): Promise<CpuResult> {
  const pool = new RequestPool(spansPerRequest, 2);
  // The default chain without its debug-session gate, which needs the control plane's registries.
  const defaults = configSchema.parse({}).processors.filter((p) => p.type !== 'debugsessions');
  const chain = chainOf(defaults);
  let sink = 0;
  const decode = await cpuPerSpan(spansPerRequest, budgetMs, () => (sink += decodeTracesProtobuf(pool.next()).rejected));
  const batches: TraceBatch[] = [0, 1, 2, 3].map(() => decodeTracesProtobuf(pool.next()).batch);
  const encode = await cpuPerSpan(spansPerRequest, budgetMs, (i) => (sink += encodeSpans(batches[i % batches.length]).rows));
  const pipeline = await cpuPerSpan(spansPerRequest, budgetMs, async () => {
    const processed: Batch = await chain.process(decodeTracesProtobuf(pool.next()).batch);
    sink += encodeSpans(processed as TraceBatch).body.length;
  });
  const chainUsPerSpan = {
    defaultChain: await chainCpuPerSpan(pool, chainOf(defaults), budgetMs),
    redaction: await chainCpuPerSpan(pool, chainOf([{ type: 'redaction' }]), budgetMs),
    sampling: await chainCpuPerSpan(pool, chainOf([{ type: 'sampling' }]), budgetMs),
  };
  if (sink < 0) console.log(sink); // keeps the work observable
  return { spansPerRequest, iterations: pipeline.iterations, decodeUsPerSpan: decode.us, encodeUsPerSpan: encode.us, pipelineUsPerSpan: pipeline.us, chainUsPerSpan };
}
