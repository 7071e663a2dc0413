import type { Batch, TraceBatch } from '../../src/batch/types.ts';
import { encodeSpansNative } from '../../src/exporters/clickhouse/native/index.ts';
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
  /** The gateway's encoder: a Native block per request (`encodeSpansNative`). */
  encodeUsPerSpan: number;
  /** The earlier exporter's JSONEachRow encoder (`encodeSpans`), for comparison with earlier runs. */
  encodeJsonUsPerSpan: number;
  /** decode → the default processor chain → encodeSpansNative → null sink. */
  pipelineUsPerSpan: number;
  /**
   * CPU µs per span of the default chain's redaction + sampling (both at their defaults; the
   * debug-session gate between them needs the control plane and is measured end to end) and of
   * each member alone, each request run through the chain right after its decode (as the gateway
   * does), 15 attributes a span.
   */
  chainUsPerSpan: { defaultChain: number; redaction: number; sampling: number };
  /**
   * The default chain over 10 requests decoded ahead of it (the method of earlier runs): cold in
   * cache, and 10 young batches for every scavenge the chain triggers to copy.
   */
  defaultChainTenAheadUsPerSpan: number;
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

/** Windows each chain figure is measured in; the median one is reported. */
const CHAIN_WINDOWS = 5;

/**
 * CPU µs per span of `chain.process` over one window of `ms`, only the chain's own time: each
 * request is decoded (off the clock) and then run through the chain, as the gateway does — or,
 * with `ahead` > 1, that many requests are decoded first and then processed in turn. Every value
 * is a fresh string either way (memoization across batches sees what it would in production).
 */
async function chainWindow(pool: RequestPool, chain: ProcessorChain, ms: number, ahead: number): Promise<number> {
  let cpu = 0;
  let batches = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    const fresh = Array.from({ length: ahead }, () => decodeTracesProtobuf(pool.next()).batch);
    const c0 = process.cpuUsage();
    for (const batch of fresh) await chain.process(batch);
    const c = process.cpuUsage(c0);
    cpu += c.user + c.system;
    batches += fresh.length;
  }
  return cpu / (batches * pool.spansPerRequest);
}

/**
 * The chains' figures, `budgetMs` each, measured in {@link CHAIN_WINDOWS} rounds that take one
 * window of every chain in turn; each figure is its median window. Interleaving gives every chain
 * the same share of the machine's slow spells and of what earlier phases leave behind (a major
 * collection in progress), which a chain measured first, in one stretch, took alone; the median
 * keeps one disturbed window from deciding a figure. Each window's CPU includes the collections
 * the chain's allocations trigger.
 */
async function chainFigures<K extends string>(pool: RequestPool, chains: Record<K, { chain: ProcessorChain; ahead: number }>, budgetMs: number): Promise<Record<K, number>> {
  const names = Object.keys(chains) as K[];
  for (const name of names) for (let i = 0; i < 20; i++) await chains[name].chain.process(decodeTracesProtobuf(pool.next()).batch);
  const windows = new Map<K, number[]>(names.map((name) => [name, []]));
  for (let w = 0; w < CHAIN_WINDOWS; w++) {
    for (const name of names) windows.get(name)!.push(await chainWindow(pool, chains[name].chain, budgetMs / CHAIN_WINDOWS, chains[name].ahead));
  }
  const figures = {} as Record<K, number>;
  for (const name of names) {
    const sorted = windows.get(name)!.sort((a, b) => a - b);
    figures[name] = round(sorted[CHAIN_WINDOWS >> 1], 2);
  }
  return figures;
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
  const encode = await cpuPerSpan(spansPerRequest, budgetMs, (i) => (sink += encodeSpansNative(batches[i % batches.length]).rows));
  const encodeJson = await cpuPerSpan(spansPerRequest, budgetMs, (i) => (sink += encodeSpans(batches[i % batches.length]).rows));
  const pipeline = await cpuPerSpan(spansPerRequest, budgetMs, async () => {
    const processed: Batch = await chain.process(decodeTracesProtobuf(pool.next()).batch);
    sink += encodeSpansNative(processed as TraceBatch).bytes.length;
  });
  const figures = await chainFigures(
    pool,
    {
      defaultChain: { chain: chainOf(defaults), ahead: 1 },
      redaction: { chain: chainOf([{ type: 'redaction' }]), ahead: 1 },
      sampling: { chain: chainOf([{ type: 'sampling' }]), ahead: 1 },
      tenAhead: { chain: chainOf(defaults), ahead: 10 },
    },
    budgetMs,
  );
  const chainUsPerSpan = { defaultChain: figures.defaultChain, redaction: figures.redaction, sampling: figures.sampling };
  const defaultChainTenAheadUsPerSpan = figures.tenAhead;
  if (sink < 0) console.log(sink); // keeps the work observable
  return { spansPerRequest, iterations: pipeline.iterations, decodeUsPerSpan: decode.us, encodeUsPerSpan: encode.us, encodeJsonUsPerSpan: encodeJson.us, pipelineUsPerSpan: pipeline.us, chainUsPerSpan, defaultChainTenAheadUsPerSpan };
}
