/**
 * `npm run bench`: end-to-end spans/s of the gateway into its embedded ClickHouse, set against
 * the raw insert ceiling, a bare-HTTP ceiling, the CPU cost per span of decode + encode, and the
 * gateway's peak RSS — all in one run, so the ratios compare figures taken on the same (noisy)
 * machine minutes apart. See bench/README.md.
 *
 * Env: BENCH_SECONDS (measured window per load run, default 8), BENCH_WARMUP_SECONDS (default
 * 1.5), BENCH_LOADS (`spans x senders` list, default `100x4,100x8,1000x4,1000x8,1000x32`),
 * BENCH_PROFILE=1 (V8 CPU profile of the gateway into bench/results/profiles/),
 * BENCH_GATEWAY_CONFIG (a YAML config file for the gateway child) and BENCH_GATEWAY_NODE_FLAGS
 * (extra node flags for it, e.g. `--max-semi-space-size=64`), for experiments.
 */
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { repoRoot } from './lib/child.ts';
import { poolsFor, round } from './lib/load.ts';
import { machineInfo, printSummary, writeResults } from './lib/report.ts';
import { runCpuPhase } from './phases/cpu.ts';
import { runBareHttp, runGateway, type LoadConfig } from './phases/http.ts';
import { runRawInsert } from './phases/raw.ts';

const timing = { warmupMs: Number(process.env.BENCH_WARMUP_SECONDS ?? 1.5) * 1000, durationMs: Number(process.env.BENCH_SECONDS ?? 8) * 1000 };
/** The last default load keeps more spans in flight (32 000) than one insert chunk holds. */
const loads: LoadConfig[] = (process.env.BENCH_LOADS ?? '100x4,100x8,1000x4,1000x8,1000x32').split(',').map((pair) => {
  const [spansPerRequest, senders] = pair.split('x').map(Number);
  return { spansPerRequest, senders };
});
/** The gateway's exporter defaults (src/config/schema.ts): maxBatchRows, maxConcurrentInserts. */
const exporterDefaults = { chunkRows: 20_000, inflight: 2 };
const targets = { endToEndOverRaw: 0.6, decodeEncodeUsPerSpan: 5, defaultChainUsPerSpan: 3 };
const profileFlags = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(repoRoot, 'bench', 'results', 'profiles')] : [];
const gatewayFlags = [...(process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...profileFlags];

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const started = performance.now();
const loadAvgAtStart = loadavg().map((x) => round(x, 2));

log('CPU per span, in-process (first, while nothing else of ours runs)');
const cpu = await runCpuPhase(1000, Math.min(3000, timing.durationMs / 2));
log(`raw insert ceiling: ${exporterDefaults.chunkRows}-row JSONEachRow chunks, ${exporterDefaults.inflight} in flight`);
const raw = await runRawInsert({ ...exporterDefaults, durationMs: timing.durationMs, spansPerRequest: 1000 });
log('bare-HTTP ceiling: fastify child that only reads the body');
const bare = await runBareHttp(loads, timing);
log(`end-to-end: the gateway child (src/main.ts)${profileFlags.length ? ' with --cpu-prof' : ''}`);
const gateway = await runGateway(loads, timing, gatewayFlags);

const best = gateway.runs.reduce((a, b) => (b.spansPerSec > a.spansPerSec ? b : a));
const decodeEncode = round(cpu.decodeUsPerSpan + cpu.encodeUsPerSpan, 2);
const ratios = {
  endToEndOverRaw: round(best.spansPerSec / raw.rowsPerSec, 3),
  /** Noise-resistant companion: the raw insert's CPU per row over the gateway's CPU per span (best run). */
  rawCpuOverGatewayCpu: round(raw.cpuUsPerRow / best.server.cpuUsPerSpan, 3),
  endToEndOverBareHttp: gateway.runs.map((r, i) => ({ load: `${r.spansPerRequest}x${r.senders}`, ratio: round(r.spansPerSec / bare.runs[i].spansPerSec, 4) })),
};
const results = {
  machine: { ...machineInfo(), loadAvgAtStart, loadAvgAtEnd: loadavg().map((x) => round(x, 2)) },
  config: {
    ...timing,
    loads,
    exporter: exporterDefaults,
    attributesPerSpan: 15,
    protobufBytesPerRequest: Object.fromEntries([...new Set(loads.map((l) => l.spansPerRequest))].map((n) => [n, poolsFor(n, 1)[0].bytesPerRequest])),
    gatewayNodeFlags: gatewayFlags,
    gatewayConfig: process.env.BENCH_GATEWAY_CONFIG ?? null,
  },
  endToEnd: { best: { load: `${best.spansPerRequest}x${best.senders}`, spansPerSec: best.spansPerSec }, ...gateway },
  rawInsert: raw,
  bareHttp: bare,
  cpuPerSpan: { ...cpu, decodePlusEncodeUsPerSpan: decodeEncode },
  peakRssMiB: { gateway: gateway.peakRssMiB, gatewayAtStartup: gateway.startupRssMiB, rawInsertWorker: raw.peakRssMiB, bareHttp: bare.peakRssMiB },
  ratios,
  targets: {
    endToEndOverRaw: { target: `>= ${targets.endToEndOverRaw}`, value: ratios.endToEndOverRaw, met: ratios.endToEndOverRaw >= targets.endToEndOverRaw },
    decodeEncodeUsPerSpan: { target: `<= ${targets.decodeEncodeUsPerSpan}`, value: decodeEncode, met: decodeEncode <= targets.decodeEncodeUsPerSpan },
    defaultChainUsPerSpan: {
      target: `<= ${targets.defaultChainUsPerSpan}`,
      value: cpu.chainUsPerSpan.defaultChain,
      met: cpu.chainUsPerSpan.defaultChain <= targets.defaultChainUsPerSpan,
    },
    allAckedRowsStored: { target: 'stored rows = acknowledged spans', value: `${gateway.storedRows} / ${gateway.ackedSpans}`, met: gateway.storedRows === gateway.ackedSpans },
    cleanShutdown: { target: 'exit 0 after SIGTERM', value: gateway.exitCode, met: gateway.exitCode === 0 },
  },
  wallSeconds: Math.round((performance.now() - started) / 1000),
};
const file = writeResults(results);
printSummary(results, file);
