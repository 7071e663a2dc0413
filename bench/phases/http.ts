import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, NodeChild, runWorker, type CpuSample } from '../lib/child.ts';
import { runLoad, round, type LoadResult } from '../lib/load.ts';
import { cpuProfile, machineCpu, scrapeExporter, type CpuProfile, type ExporterCounters } from '../lib/system.ts';

/** One sender configuration: request size × concurrent senders, paced at `spansPerSec` when set. */
export interface LoadConfig {
  spansPerRequest: number;
  senders: number;
  spansPerSec?: number;
  /** Metric data points instead of spans (`spansPerRequest` points per request, to `/v1/metrics`). */
  signal?: 'metrics';
}

/** `100x8` or `100x8@10000` (paced at 10 000 spans/s). */
export function parseLoad(text: string): LoadConfig {
  const m = /^(\d+)x(\d+)(?:@(\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`BENCH_LOADS: "${text}" is not spans x senders[@spans per second]`);
  return { spansPerRequest: Number(m[1]), senders: Number(m[2]), ...(m[3] ? { spansPerSec: Number(m[3]) } : {}) };
}

export const loadName = (l: LoadConfig) => `${l.signal === 'metrics' ? 'metrics:' : ''}${l.spansPerRequest}x${l.senders}${l.spansPerSec ? `@${l.spansPerSec}` : ''}`;

export interface MeasuredLoad extends LoadResult {
  /** CPU of the server process over the measured window: cores busy, and µs per delivered span. */
  server: { cpuCores: number; mainThreadCores: number; cpuUsPerSpan: number };
  /** Cores used per thread name of the server process (busiest first; ≥ 0.01 only). */
  threadCores: Record<string, number>;
  /** Cores busy on the machine outside the server and the load generator (other tenants). */
  otherCores: number;
  /** Gateway only: its ClickHouse inserts from the window's start until the flush after it. */
  inserts?: { count: number; rowsPerInsert: number; meanMs: number };
  /**
   * Gateway only: what reached ClickHouse from the window's start until everything acknowledged
   * was inserted (`POST /api/flush` right after the senders stopped): rows inserted, per second of
   * that whole span, and the whole process's CPU (JS, chDB's threads, GC) per inserted row.
   */
  stored?: { spans: number; spansPerSec: number; cpuUsPerStoredSpan: number; flushMs: number; seconds: number; profile: CpuProfile };
  /** Highest resident set size sampled (every 100 ms) during the load and its flush, MiB. */
  peakRssMiB: number;
}

export interface ServerRun {
  runs: MeasuredLoad[];
  peakRssMiB: number;
  /** Resident set size once healthy, before any load. */
  startupRssMiB: number;
  startupMs: number;
  exitCode: number | null;
  /** How the SIGTERM stop went, when it did not end in exit 0 (signal, time, stderr tail). */
  stop?: NodeChild['lastStop'];
}

export interface Timing {
  warmupMs: number;
  durationMs: number;
}

interface Sample {
  at: number;
  cpu: CpuSample;
  machine: number;
  threads: Map<string, number>;
  exporter?: Promise<ExporterCounters>;
}

async function measure(child: NodeChild, port: number, cfg: LoadConfig, timing: Timing, gateway: boolean): Promise<MeasuredLoad> {
  const samples: Sample[] = [];
  const sample = () =>
    samples.push({ at: performance.now(), cpu: child.cpu(), machine: machineCpu().busy, threads: child.threadCpu(), exporter: gateway ? scrapeExporter(port, cfg.signal ?? 'traces') : undefined });
  let peakRssMiB = child.rssMiB();
  const rssTimer = setInterval(() => (peakRssMiB = Math.max(peakRssMiB, child.rssMiB())), 100);
  const load = await runLoad({ port, ...cfg, ...timing, onWindow: sample });
  let flushMs = 0;
  if (gateway) {
    const t = performance.now();
    const res = await fetch(`http://127.0.0.1:${port}/api/flush?timeoutMs=300000`, { method: 'POST' });
    if (res.status !== 200) throw new Error(`flush after ${loadName(cfg)} answered ${res.status}: ${await res.text()}`);
    flushMs = performance.now() - t;
    sample();
  }
  clearInterval(rssTimer);
  peakRssMiB = Math.max(peakRssMiB, child.rssMiB());
  const [a, b, c] = samples;
  const seconds = load.elapsedMs / 1000;
  const serverCores = (b.cpu.total - a.cpu.total) / seconds;
  const [ex0, ex2] = [await a.exporter, await c?.exporter];
  const inserts = ex0 && ex2 ? ex2.inserts - ex0.inserts : 0;
  const storedSpans = ex0 && ex2 ? ex2.rows - ex0.rows : 0;
  const storedSeconds = c ? (c.at - a.at) / 1000 : 0;
  return {
    ...load,
    server: {
      cpuCores: round(serverCores, 2),
      mainThreadCores: round((b.cpu.main - a.cpu.main) / seconds, 2),
      cpuUsPerSpan: load.okSpans ? round(((b.cpu.total - a.cpu.total) * 1e6) / load.okSpans, 1) : NaN,
    },
    threadCores: threadCores(a.threads, b.threads, seconds),
    otherCores: round(Math.max(0, (b.machine - a.machine) / seconds - serverCores - load.loadGenCpuCores), 2),
    ...(ex0 && ex2 && c
      ? {
          inserts: { count: inserts, rowsPerInsert: Math.round(storedSpans / inserts), meanMs: Math.round(((ex2.insertSeconds - ex0.insertSeconds) * 1000) / inserts) },
          stored: {
            spans: storedSpans,
            spansPerSec: Math.round(storedSpans / storedSeconds),
            cpuUsPerStoredSpan: round(((c.cpu.total - a.cpu.total) * 1e6) / storedSpans, 1),
            flushMs: Math.round(flushMs),
            seconds: round(storedSeconds, 2),
            profile: cpuProfile(storedSpans, { total: c.cpu.total - a.cpu.total, main: c.cpu.main - a.cpu.main }, ex0.engine, ex2.engine),
          },
        }
      : {}),
    peakRssMiB,
  };
}

function threadCores(before: Map<string, number>, after: Map<string, number>, seconds: number): Record<string, number> {
  const cores = [...after].map(([name, cpu]) => [name, round(Math.max(0, cpu - (before.get(name) ?? 0)) / seconds, 2)] as const);
  return Object.fromEntries(cores.filter(([, c]) => c >= 0.01).sort((a, b) => b[1] - a[1]));
}

/** Phase 3: the fastify server that only reads bodies, in a child process like the gateway. */
export async function runBareHttp(configs: LoadConfig[], timing: Timing): Promise<ServerRun> {
  const port = await freePort();
  const t0 = performance.now();
  const child = new NodeChild('bench/workers/bare-server.ts', [], { BENCH_PORT: String(port) });
  try {
    await child.waitHealthy(`http://127.0.0.1:${port}/healthz`);
    const startupMs = Math.round(performance.now() - t0);
    const startupRssMiB = child.rssMiB();
    const runs: MeasuredLoad[] = [];
    for (const cfg of configs) runs.push(await measure(child, port, cfg, timing, false));
    const peakRssMiB = child.peakRssMiB();
    return { runs, peakRssMiB, startupRssMiB, startupMs, exitCode: await child.stop() };
  } finally {
    await child.stop(5000);
  }
}

/** A 100x8 load measured again while SQL readers keep the gateway's read-only endpoint busy. */
export interface ReadLoadRun {
  load: MeasuredLoad;
  readers: number;
  /** Reader queries answered 200, and refused or failed (503 when the endpoint's queue is full). */
  queries: { ok: number; refused: number; failed: number };
}

/** What an analyst's dashboard asks of a busy store: aggregations over every span, a scan by attribute, the newest rows. */
const readerQueries = [
  'SELECT ServiceName, SpanName, count() AS n, quantile(0.99)(Duration) AS p99 FROM otel_traces GROUP BY ServiceName, SpanName ORDER BY n DESC LIMIT 20 FORMAT JSON',
  "SELECT count() FROM otel_traces WHERE SpanAttributes['http.route'] LIKE '%order%' OR StatusCode = 'Error' FORMAT JSON",
  'SELECT * FROM otel_traces ORDER BY Timestamp DESC LIMIT 500 FORMAT JSONEachRow',
  'SELECT TraceId, min(Timestamp) AS start, count() AS spans FROM otel_traces GROUP BY TraceId ORDER BY spans DESC LIMIT 50 FORMAT JSON',
];

/** `readers` loops sending {@link readerQueries} to the SQL endpoint until `stop` resolves. */
async function readLoad(sqlUrl: string, readers: number, stop: Promise<void>): Promise<ReadLoadRun['queries']> {
  const counts = { ok: 0, refused: 0, failed: 0 };
  let stopped = false;
  void stop.then(() => (stopped = true));
  await Promise.all(
    Array.from({ length: readers }, async (_, r) => {
      for (let i = r; !stopped; i++) {
        try {
          const res = await fetch(`${sqlUrl}/`, { method: 'POST', body: readerQueries[i % readerQueries.length] });
          await res.arrayBuffer();
          if (res.status === 200) counts.ok++;
          else if (res.status === 503) counts.refused++;
          else counts.failed++;
        } catch {
          counts.failed++;
        }
      }
    }),
  );
  return counts;
}

export interface GatewayRun extends ServerRun {
  /** The same 100x8 load under a SQL read load, when it ran. */
  underReadLoad?: ReadLoadRun;
  /** Spans acknowledged with 200 over every load run, warm-ups included. */
  ackedSpans: number;
  /** `otel_traces` rows found in the gateway's data dir after it stopped. */
  storedRows: number;
  /** Metric data points acknowledged, and rows found in the five metrics tables (metrics loads). */
  ackedPoints: number;
  storedMetricRows: number;
  /** `otelhouse_exporter_rows_total` just before SIGTERM (the final flush comes after). */
  exporterRowsBeforeStop: number;
}

/**
 * Phase 1: `npm start`'s entry point in a child process with a fresh data dir, driven by the same
 * senders; then SIGTERM (it flushes and exits 0) and a row count of what really got stored.
 * `nodeFlags` (e.g. `--cpu-prof`) go to the gateway's node.
 */
export async function runGateway(configs: LoadConfig[], timing: Timing, nodeFlags: string[] = [], readers = 0): Promise<GatewayRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otelhouse-bench-'));
  const port = await freePort();
  const sqlPort = await freePort();
  const t0 = performance.now();
  const env = {
    OTELHOUSE_HOST: '127.0.0.1', OTELHOUSE_PORT: String(port), OTELHOUSE_SQL_PORT: String(sqlPort), OTELHOUSE_DATA_DIR: dataDir,
    OTELHOUSE_LOG_LEVEL: 'warn', OTELHOUSE_CONFIG: process.env.BENCH_GATEWAY_CONFIG ?? '',
    // What `npm start` gives the gateway (package.json).
    UV_THREADPOOL_SIZE: process.env.UV_THREADPOOL_SIZE ?? '16',
  };
  const child = new NodeChild('src/main.ts', [], env, nodeFlags);
  try {
    await child.waitHealthy(`http://127.0.0.1:${port}/healthz`);
    const startupMs = Math.round(performance.now() - t0);
    const startupRssMiB = child.rssMiB();
    const runs: MeasuredLoad[] = [];
    for (const cfg of configs) runs.push(await measure(child, port, cfg, timing, true));
    let underReadLoad: ReadLoadRun | undefined;
    if (readers > 0) {
      let stop: () => void = () => {};
      const stopped = new Promise<void>((resolve) => (stop = resolve));
      const reading = readLoad(`http://127.0.0.1:${sqlPort}`, readers, stopped);
      const load = await measure(child, port, { spansPerRequest: 100, senders: 8 }, timing, true);
      stop();
      underReadLoad = { load, readers, queries: await reading };
    }
    const ackedSpans = runs.filter((r) => r.signal !== 'metrics').reduce((n, r) => n + r.totalOkSpans, 0) + (underReadLoad?.load.totalOkSpans ?? 0);
    const ackedPoints = runs.filter((r) => r.signal === 'metrics').reduce((n, r) => n + r.totalOkSpans, 0);
    const exporterRowsBeforeStop = (await scrapeExporter(port)).rows;
    const peakRssMiB = child.peakRssMiB();
    const exitCode = await child.stop();
    const stop = exitCode === 0 ? undefined : child.lastStop;
    const { rows, metricRows } = await runWorker<{ rows: number; metricRows: number }>('bench/workers/count-rows.ts', [dataDir]);
    return { runs, underReadLoad, peakRssMiB, startupRssMiB, startupMs, exitCode, stop, ackedSpans, storedRows: rows, ackedPoints, storedMetricRows: metricRows, exporterRowsBeforeStop };
  } finally {
    await child.stop(5000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
