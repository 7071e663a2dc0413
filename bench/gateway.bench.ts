/**
 * `npm run bench`: end-to-end spans/s of the gateway into its embedded ClickHouse, set against
 * the raw insert ceiling, a bare-HTTP ceiling, the CPU cost per span of decode + encode, the
 * gateway's peak RSS, and `GET /v1/config` polls/s against a bare route — all in one run, so the
 * ratios compare figures taken on the same (noisy) machine minutes apart. See bench/README.md.
 *
 * Env: BENCH_SECONDS (measured window per load run, default 8), BENCH_WARMUP_SECONDS (default
 * 1.5), BENCH_LOADS (`spans x senders` list, default `100x4,100x8,1000x4,1000x8,1000x32`),
 * BENCH_PROFILE=1 (V8 CPU profile of the gateway into bench/results/profiles/),
 * BENCH_GATEWAY_CONFIG (a YAML config file for the gateway child) and BENCH_GATEWAY_NODE_FLAGS
 * (extra node flags for it, e.g. `--max-semi-space-size=64`), for experiments; BENCH_PHASES (which
 * phases run: `cpu,hostile,raw,bare,e2e,metrics,erasure,config,sdk,overhead,console`, default all; BENCH_SDK_RECORDS records for `sdk`, default 20000), BENCH_CONFIG_SENDERS (default 16) and
 * BENCH_CONFIG_CLIENTS (default 10000) for the `GET /v1/config` polling phase, BENCH_SQL_READERS (SQL
 * readers during the last e2e run, default 4; 0 = none).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg, tmpdir } from 'node:os';
import { repoRoot, runWorker } from './lib/child.ts';
import { poolsFor, round } from './lib/load.ts';
import { machineInfo, printSummary, writeResults } from './lib/report.ts';
import { runCpuPhase } from './phases/cpu.ts';
import { runHostilePhase } from './phases/hostile.ts';
import { runClientConfig } from './phases/config.ts';
import { loadName, parseLoad, runBareHttp, runGateway, type LoadConfig } from './phases/http.ts';
import { runRawInsert } from './phases/raw.ts';
import { runConsolePhase } from './phases/console.ts';
import { runOverheadPhase } from './phases/overhead.ts';
import { runSdkPhase } from './phases/sdk.ts';
import { MetricRequestPool } from './lib/metrics.ts';

const timing = { warmupMs: Number(process.env.BENCH_WARMUP_SECONDS ?? 1.5) * 1000, durationMs: Number(process.env.BENCH_SECONDS ?? 8) * 1000 };
/**
 * `spans x senders`, paced with `@spans per second`. The first is the ack-latency load (10 000
 * spans/s in small requests); the last keeps more spans in flight (32 000) than one insert chunk holds.
 */
const loads: LoadConfig[] = (process.env.BENCH_LOADS ?? '100x8@10000,100x4,100x8,1000x4,1000x8,1000x32').split(',').map(parseLoad);
/**
 * Raw insert chunks. Native: the gateway's insert shape — a segment of `segmentMaxRows` (20 000)
 * rows, one insert at a time per table, as its inserter runs them. JSONEachRow: 20 000 rows, 2 in
 * flight, as earlier runs measured it.
 */
const exporterDefaults = { chunkRows: 20_000, inflight: 2 };
const nativeShape = { chunkRows: 20_000, inflight: 1 };
const goals = {
  /** Stored spans/s at 100x8 over the Native raw insert ceiling (issue 10). */
  endToEndOverRawNative: 0.8,
  cpuUsPerStoredSpan: 20,
  ackP99MsAt10k: 50,
  peakRssMiB: 350,
  decodeEncodeUsPerSpan: 5,
  defaultChainUsPerSpan: 3,
  clientConfigRequestsPerSec: 5000,
  /** The SDK's overhead on an app (issue 14, point 9). */
  sdkExtraTaskTime: 0.05,
  sdkLogP50Us: 15,
  sdkLongestTaskMs: 50,
  sdkHeapMiBWith2048Queued: 2,
  sdkHttpRequestsPerSecKept: 0.95,
  /** Issue 15: every console page's first screen (median) with 10,000 sessions, 1,000 issues, 100,000 records in a session. */
  consoleFirstScreenMs: 1000,
};
const PHASES = ['cpu', 'hostile', 'raw', 'bare', 'e2e', 'metrics', 'erasure', 'config', 'sdk', 'overhead', 'console'] as const;
type Phase = (typeof PHASES)[number];
const phases = new Set((process.env.BENCH_PHASES ?? PHASES.join(',')).split(',').map((p) => p.trim()).filter(Boolean));
for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`BENCH_PHASES: unknown phase "${p}"; expected some of ${PHASES.join(',')}`);
/** `GET /v1/config` polling: keep-alive connections and distinct installation IDs. */
const configLoad = { senders: Number(process.env.BENCH_CONFIG_SENDERS ?? 16), clients: Number(process.env.BENCH_CONFIG_CLIENTS ?? 10_000) };
const profileFlags = process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', join(repoRoot, 'bench', 'results', 'profiles')] : [];
const gatewayFlags = [...(process.env.BENCH_GATEWAY_NODE_FLAGS ?? '').split(' ').filter(Boolean), ...profileFlags];

const log = (msg: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}`);
const started = performance.now();
const loadAvgAtStart = loadavg().map((x) => round(x, 2));

const run = async <T>(phase: Phase, title: string, body: () => Promise<T>): Promise<T | undefined> => {
  if (!phases.has(phase)) return undefined;
  log(title);
  return body();
};
const cpu = await run('cpu', 'CPU per span, in-process (first, while nothing else of ours runs)', () => runCpuPhase(1000, Math.min(3000, timing.durationMs / 2)));
/** Issue 19: hostile inputs of the error pipeline at 1x and 4x their size: linear, and within the former test limit. */
const hostile = await run('hostile', 'hostile inputs of the stack parsers and message normalizer, at 1x and 4x their size', async () => runHostilePhase());
const raw = await run('raw', `raw insert ceiling, Native (the gateway's format and insert shape): ${nativeShape.chunkRows}-row chunks, ${nativeShape.inflight} in flight`, () =>
  runRawInsert({ format: 'native', ...nativeShape, durationMs: timing.durationMs, spansPerRequest: 100 }));
const rawJson = await run('raw', `raw insert ceiling, JSONEachRow (earlier runs' format): ${exporterDefaults.chunkRows}-row chunks, ${exporterDefaults.inflight} in flight`, () =>
  runRawInsert({ format: 'json', ...exporterDefaults, durationMs: timing.durationMs, spansPerRequest: 1000 }));
const bare = await run('bare', 'bare-HTTP ceiling: fastify child that only reads the body', () => runBareHttp(loads, timing));
/** SQL readers during the last e2e run (issue 11: acknowledged ingest under a heavy read load keeps ≥ 80 % of its unloaded figure). */
const sqlReaders = Number(process.env.BENCH_SQL_READERS ?? 4);
const gateway = await run('e2e', `end-to-end: the gateway child (src/main.ts)${profileFlags.length ? ' with --cpu-prof' : ''}, then 100x8 again under ${sqlReaders} SQL readers`, () =>
  runGateway(loads, timing, gatewayFlags, sqlReaders));
/** Issue 16: OTLP metrics end to end (1,000-point requests of the official serializer) against a raw Native insert of the same rows, in this run. */
const metricLoad: LoadConfig = { spansPerRequest: 1000, senders: 4, signal: 'metrics' };
const metricsRaw = await run('metrics', `metrics raw insert ceiling: the same 1,000-point requests decoded and encoded to Native blocks, ${nativeShape.chunkRows}-row chunks into the five tables`, () =>
  runRawInsert({ format: 'native', ...nativeShape, durationMs: timing.durationMs, spansPerRequest: 1000, signal: 'metrics' }));
const metricsGateway = await run('metrics', 'metrics end to end: the gateway child, 1,000-point requests from 4 senders', () => runGateway([metricLoad], timing, gatewayFlags));
/** Issue 17: which delete an erasure should use, measured: lightweight DELETE against a mutation on 1,000,000 logs. */
const erasure = await run('erasure', "erasure's delete: a subject's rows among 1,000,000 logs, lightweight DELETE against a mutation, 3 rounds each", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'otelhouse-bench-erasure-'));
  try {
    return await runWorker<Record<string, unknown>>('bench/workers/erasure.ts', [JSON.stringify({ dataDir, rows: 1_000_000 })]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
const clientConfig = await run('config', `GET /v1/config polling: ${configLoad.clients} clients, ${configLoad.senders} senders, gateway and bare fastify`, () =>
  runClientConfig({ ...timing, ...configLoad, nodeFlags: gatewayFlags }));
const sdkRecords = Number(process.env.BENCH_SDK_RECORDS ?? 20_000);
const sdk = await run('sdk', `client SDK: ${sdkRecords} log records from otelhouse/sdk/node and from plain OpenTelemetry JS to a bare server; a full queue's memory in Node and in Chromium`, () =>
  runSdkPhase(sdkRecords));
const overheadRounds = Number(process.env.BENCH_OVERHEAD_ROUNDS ?? 9);
const overhead = await run('overhead', `the SDK's overhead on an app: a page's task time at 4x CPU throttle with and without it (${overheadRounds} rounds), log() latency in Chromium and Node, a page's heap with 2,048 records queued, a Node HTTP service's requests/s`, () =>
  runOverheadPhase(overheadRounds));
const adminConsole = await run('console', 'the admin console with 10,000 sessions, 1,000 issues and 100,000 records in a session: first screen of each page in Chromium', () => runConsolePhase());

/** Throughput is what reached ClickHouse: rows inserted from the window's start until the flush after it. */
const storedRate = (r: { stored?: { spansPerSec: number } }) => r.stored?.spansPerSec ?? 0;
/** A measured load's name as BENCH_LOADS writes it (`100x8`, `100x8@10000`). */
const runName = (r: { spansPerRequest: number; senders: number; pacedSpansPerSec?: number; signal?: 'metrics' }) =>
  loadName({ spansPerRequest: r.spansPerRequest, senders: r.senders, spansPerSec: r.pacedSpansPerSec, signal: r.signal });
const best = gateway?.runs.reduce((a, b) => (storedRate(b) > storedRate(a) ? b : a));
const at100x8 = gateway?.runs.find((r) => runName(r) === '100x8');
const paced = gateway?.runs.find((r) => r.pacedSpansPerSec === 10_000);
const decodeEncode = cpu && round(cpu.decodeUsPerSpan + cpu.encodeUsPerSpan, 2);
const ratios = {
  ...(at100x8 && raw && {
    endToEndOverRawNativeAt100x8: round(storedRate(at100x8) / raw.rowsPerSec, 3),
    /** Acknowledged (not yet stored) spans/s over the ceiling: the figure earlier runs called end-to-end; the log absorbs the difference for a while. */
    acknowledgedOverRawNativeAt100x8: round(at100x8.spansPerSec / raw.rowsPerSec, 3),
  }),
  ...(best && raw && {
    endToEndOverRawNativeBest: round(storedRate(best) / raw.rowsPerSec, 3),
    /** Noise-resistant companion: the raw insert's CPU per row over the gateway's CPU per stored span (best run). */
    rawCpuOverGatewayCpu: round(raw.cpuUsPerRow / best.stored!.cpuUsPerStoredSpan, 3),
  }),
  ...(best && rawJson && { endToEndOverRawJson: round(storedRate(best) / rawJson.rowsPerSec, 3) }),
  ...(gateway && bare && { endToEndOverBareHttp: gateway.runs.map((r, i) => ({ load: runName(r), ratio: round(r.spansPerSec / bare.runs[i].spansPerSec, 4) })) }),
};
const metricsRun = metricsGateway?.runs[0];
const metrics = metricsGateway && metricsRun && metricsRaw && {
  load: runName(metricsRun),
  protobufBytesPerRequest: (await MetricRequestPool.create(1000, 1)).bytesPerRequest,
  endToEnd: { acknowledgedPointsPerSec: metricsRun.spansPerSec, storedPointsPerSec: storedRate(metricsRun), cpuUsPerStoredPoint: metricsRun.stored?.cpuUsPerStoredSpan, latencyMs: metricsRun.latencyMs, peakRssMiB: metricsRun.peakRssMiB },
  rawInsert: { rowsPerSec: metricsRaw.rowsPerSec, cpuUsPerRow: metricsRaw.cpuUsPerRow, bytesPerRow: metricsRaw.bytesPerRow },
  storedOverRaw: round(storedRate(metricsRun) / metricsRaw.rowsPerSec, 3),
  rawCpuOverGatewayCpu: metricsRun.stored ? round(metricsRaw.cpuUsPerRow / metricsRun.stored.cpuUsPerStoredSpan, 3) : undefined,
  /** Beside traces: the same figures for spans at 1000x4 in the e2e phase of this run, when it ran. */
  tracesAt1000x4: gateway?.runs.find((r) => runName(r) === '1000x4')?.stored,
  acknowledgedPoints: metricsGateway.ackedPoints,
  storedRows: metricsGateway.storedMetricRows,
  exitCode: metricsGateway.exitCode,
};
const targets: Record<string, { target: string; value: unknown; met: boolean }> = {};
const bound = (key: string, op: '>=' | '<=', value: number, limit: number) =>
  (targets[key] = { target: `${op} ${limit}`, value, met: op === '>=' ? value >= limit : value <= limit });
if (hostile) {
  bound('hostileInputWorstMs', '<=', hostile.worstMs, 2000);
  bound('hostileInputWorstGrowthAt4x', '<=', hostile.worstGrowth, 8);
}
if (ratios.endToEndOverRawNativeAt100x8 !== undefined) bound('endToEndOverRawNativeAt100x8', '>=', ratios.endToEndOverRawNativeAt100x8, goals.endToEndOverRawNative);
if (gateway) {
  const worstCpu = Math.max(...gateway.runs.map((r) => r.stored?.cpuUsPerStoredSpan ?? Infinity));
  bound('cpuUsPerStoredSpanEveryLoad', '<=', worstCpu, goals.cpuUsPerStoredSpan);
  bound('peakRssMiBEveryLoad', '<=', Math.max(...gateway.runs.map((r) => r.peakRssMiB)), goals.peakRssMiB);
  if (paced) bound('ackP99MsAt10kSpansPerSec', '<=', paced.latencyMs.p99, goals.ackP99MsAt10k);
  const read = gateway.underReadLoad;
  if (read && at100x8) {
    targets.ingestUnderReadLoad = {
      target: '>= 0.8 of the unloaded 100x8 acknowledged spans/s',
      value: `${round(read.load.spansPerSec / at100x8.spansPerSec, 3)} (${read.load.spansPerSec} vs ${at100x8.spansPerSec}; stored ${storedRate(read.load)} vs ${storedRate(at100x8)}; ${read.queries.ok} queries answered, ${read.queries.refused} refused, ${read.queries.failed} failed)`,
      met: read.load.spansPerSec >= 0.8 * at100x8.spansPerSec,
    };
  }
}
if (cpu && decodeEncode !== undefined) {
  bound('decodeEncodeUsPerSpan', '<=', decodeEncode, goals.decodeEncodeUsPerSpan);
  bound('defaultChainUsPerSpan', '<=', cpu.chainUsPerSpan.defaultChain, goals.defaultChainUsPerSpan);
}
if (gateway) {
  targets.allAckedRowsStored = { target: 'stored rows = acknowledged spans', value: `${gateway.storedRows} / ${gateway.ackedSpans}`, met: gateway.storedRows === gateway.ackedSpans };
  targets.cleanShutdown = { target: 'exit 0 after SIGTERM', value: gateway.exitCode, met: gateway.exitCode === 0 };
}
if (overhead) {
  bound('sdkExtraTaskTimeAt4xThrottle', '<=', overhead.browser.extraWithSdk, goals.sdkExtraTaskTime);
  bound('sdkLogP50UsChromium', '<=', overhead.browser.logP50Us, goals.sdkLogP50Us);
  bound('sdkLogP50UsNode', '<=', overhead.node.logP50Us, goals.sdkLogP50Us);
  // "No SDK task longer than 50 ms": the SDK's own scripts (the page's own long tasks are reported beside it).
  bound('sdkLongestScriptMs', '<=', overhead.browser.longestSdkScriptMs, goals.sdkLongestTaskMs);
  bound('sdkHeapMiBWith2048Queued', '<=', overhead.browser.heapMiBWith2048Queued, goals.sdkHeapMiBWith2048Queued);
  bound('sdkHttpRequestsPerSecKept', '>=', overhead.node.http.requestsPerSecondKept, goals.sdkHttpRequestsPerSecKept);
}
if (metricsGateway) {
  targets.allAckedPointsStored = { target: 'stored metric rows = acknowledged data points', value: `${metricsGateway.storedMetricRows} / ${metricsGateway.ackedPoints}`, met: metricsGateway.storedMetricRows === metricsGateway.ackedPoints };
}
if (adminConsole) bound('consoleFirstScreenMs', '<=', adminConsole.slowestMedianMs, goals.consoleFirstScreenMs);
// First polls (200 with a body) are the harder mode; revalidations (304) are reported beside them.
if (clientConfig) bound('clientConfigRequestsPerSec', '>=', clientConfig.gateway.firstPoll.requestsPerSec, goals.clientConfigRequestsPerSec);
const results = {
  machine: { ...machineInfo(), loadAvgAtStart, loadAvgAtEnd: loadavg().map((x) => round(x, 2)) },
  config: {
    ...timing,
    phases: [...phases],
    loads,
    rawInsertShapes: { native: nativeShape, json: exporterDefaults },
    attributesPerSpan: 15,
    protobufBytesPerRequest: Object.fromEntries([...new Set(loads.map((l) => l.spansPerRequest))].map((n) => [n, poolsFor(n, 1)[0].bytesPerRequest])),
    clientConfig: configLoad,
    overheadRounds,
    gatewayNodeFlags: gatewayFlags,
    gatewayConfig: process.env.BENCH_GATEWAY_CONFIG ?? null,
  },
  endToEnd: gateway && best && { best: { load: runName(best), spansPerSec: storedRate(best) }, ...gateway },
  rawInsert: raw,
  rawInsertJson: rawJson,
  bareHttp: bare,
  cpuPerSpan: cpu && decodeEncode !== undefined ? { ...cpu, decodePlusEncodeUsPerSpan: decodeEncode } : undefined,
  metrics,
  erasure,
  hostile,
  clientConfig,
  sdk,
  overhead,
  console: adminConsole,
  peakRssMiB: { gateway: gateway?.peakRssMiB, gatewayAtStartup: gateway?.startupRssMiB, rawInsertWorker: raw?.peakRssMiB, bareHttp: bare?.peakRssMiB, clientConfigGateway: clientConfig?.gateway.peakRssMiB },
  ratios,
  targets,
  wallSeconds: Math.round((performance.now() - started) / 1000),
};
const file = writeResults(results, PHASES.every((p) => phases.has(p)) ? undefined : [...phases]);
printSummary(results, file);
if (erasure) console.log(`  erasure's delete (${JSON.stringify(erasure)})`);
if (hostile) console.log(`  hostile inputs: slowest ${hostile.worstMs} ms at 1x (limit 2000), largest growth 1x -> 4x ${hostile.worstGrowth} (linear ~4, limit 8): ${hostile.cases.map((c) => `${c.input} ${c.ms}/${c.ms4x} ms`).join('; ')}`);
if (metrics) {
  const e = metrics.endToEnd;
  console.log(`  metrics (${metrics.load}, ${metrics.protobufBytesPerRequest} B per request): ${e.acknowledgedPointsPerSec} points/s acknowledged, ${e.storedPointsPerSec} stored (${e.cpuUsPerStoredPoint} µs CPU per stored point); raw Native insert of the same rows ${metrics.rawInsert.rowsPerSec} rows/s (${metrics.rawInsert.cpuUsPerRow} µs/row): stored/raw ${metrics.storedOverRaw}, raw CPU/gateway CPU ${metrics.rawCpuOverGatewayCpu}; ${metrics.storedRows} of ${metrics.acknowledgedPoints} acknowledged points stored`);
}
if (sdk) {
  const m = sdk.node.memory;
  const b = 'error' in sdk.browser ? `browser: ${sdk.browser.error}` : `browser heap: SDK ${sdk.browser.sdkHeapMiB} MiB after init, +${sdk.browser.heapPerQueuedMiB} MiB per MiB queued (${sdk.browser.queuedMiB} MiB, ${sdk.browser.queuedRecords} records)`;
  console.log(`  client SDK (Node): ${sdk.node.otelhouse.cpuUsPerRecord} µs CPU per record written ahead, gzip'ed and sent; plain OpenTelemetry JS ${sdk.node.plainOtel.cpuUsPerRecord} µs (x${sdk.node.cpuOverPlainOtel}); bytes sent ${sdk.node.bytesSent.otelhouse} vs ${sdk.node.bytesSent.plainOtel}
  client SDK memory: Node heap +${m.heapPerQueuedMiB} MiB per MiB queued (${m.queuedMiB} MiB, ${m.queuedRecords} records; heap ${m.heapEmpty.heapMiB} -> ${m.heapFull.heapMiB} MiB, RSS ${m.heapEmpty.rssMiB} -> ${m.heapFull.rssMiB} MiB); ${b}`);
}
