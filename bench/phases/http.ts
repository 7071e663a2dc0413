import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, NodeChild, runWorker, type CpuSample } from '../lib/child.ts';
import { runLoad, round, type LoadResult } from '../lib/load.ts';
import { machineCpu, scrapeExporter, type ExporterCounters } from '../lib/system.ts';

/** One sender configuration: request size × concurrent senders. */
export interface LoadConfig {
  spansPerRequest: number;
  senders: number;
}

export interface MeasuredLoad extends LoadResult {
  /** CPU of the server process over the measured window: cores busy, and µs per delivered span. */
  server: { cpuCores: number; mainThreadCores: number; cpuUsPerSpan: number };
  /** Cores used per thread name of the server process (busiest first; ≥ 0.01 only). */
  threadCores: Record<string, number>;
  /** Cores busy on the machine outside the server and the load generator (other tenants). */
  otherCores: number;
  /** Gateway only: its ClickHouse inserts during the window. */
  inserts?: { count: number; rowsPerInsert: number; meanMs: number };
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
  cpu: CpuSample;
  machine: number;
  threads: Map<string, number>;
  exporter?: Promise<ExporterCounters>;
}

async function measure(child: NodeChild, port: number, cfg: LoadConfig, timing: Timing, gateway: boolean): Promise<MeasuredLoad> {
  const samples: Sample[] = [];
  const sample = () =>
    samples.push({ cpu: child.cpu(), machine: machineCpu().busy, threads: child.threadCpu(), exporter: gateway ? scrapeExporter(port) : undefined });
  const load = await runLoad({ port, ...cfg, ...timing, onWindow: sample });
  const [a, b] = samples;
  const seconds = load.elapsedMs / 1000;
  const serverCores = (b.cpu.total - a.cpu.total) / seconds;
  const [ex0, ex1] = [await a.exporter, await b.exporter];
  const inserts = ex0 && ex1 ? ex1.inserts - ex0.inserts : 0;
  return {
    ...load,
    server: {
      cpuCores: round(serverCores, 2),
      mainThreadCores: round((b.cpu.main - a.cpu.main) / seconds, 2),
      cpuUsPerSpan: load.okSpans ? round(((b.cpu.total - a.cpu.total) * 1e6) / load.okSpans, 1) : NaN,
    },
    threadCores: threadCores(a.threads, b.threads, seconds),
    otherCores: round(Math.max(0, (b.machine - a.machine) / seconds - serverCores - load.loadGenCpuCores), 2),
    ...(ex0 && ex1
      ? { inserts: { count: inserts, rowsPerInsert: Math.round((ex1.rows - ex0.rows) / inserts), meanMs: Math.round(((ex1.insertSeconds - ex0.insertSeconds) * 1000) / inserts) } }
      : {}),
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

export interface GatewayRun extends ServerRun {
  /** Spans acknowledged with 200 over every load run, warm-ups included. */
  ackedSpans: number;
  /** `otel_traces` rows found in the gateway's data dir after it stopped. */
  storedRows: number;
  /** `otelhouse_exporter_rows_total` just before SIGTERM (the final flush comes after). */
  exporterRowsBeforeStop: number;
}

/**
 * Phase 1: `npm start`'s entry point in a child process with a fresh data dir, driven by the same
 * senders; then SIGTERM (it flushes and exits 0) and a row count of what really got stored.
 * `nodeFlags` (e.g. `--cpu-prof`) go to the gateway's node.
 */
export async function runGateway(configs: LoadConfig[], timing: Timing, nodeFlags: string[] = []): Promise<GatewayRun> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otelhouse-bench-'));
  const port = await freePort();
  const t0 = performance.now();
  const env = { OTELHOUSE_HOST: '127.0.0.1', OTELHOUSE_PORT: String(port), OTELHOUSE_DATA_DIR: dataDir, OTELHOUSE_LOG_LEVEL: 'warn', OTELHOUSE_CONFIG: process.env.BENCH_GATEWAY_CONFIG ?? '' };
  const child = new NodeChild('src/main.ts', [], env, nodeFlags);
  try {
    await child.waitHealthy(`http://127.0.0.1:${port}/healthz`);
    const startupMs = Math.round(performance.now() - t0);
    const startupRssMiB = child.rssMiB();
    const runs: MeasuredLoad[] = [];
    for (const cfg of configs) runs.push(await measure(child, port, cfg, timing, true));
    const ackedSpans = runs.reduce((n, r) => n + r.totalOkSpans, 0);
    const exporterRowsBeforeStop = (await scrapeExporter(port)).rows;
    const peakRssMiB = child.peakRssMiB();
    const exitCode = await child.stop();
    const stop = exitCode === 0 ? undefined : child.lastStop;
    const { rows } = await runWorker<{ rows: number }>('bench/workers/count-rows.ts', [dataDir]);
    return { runs, peakRssMiB, startupRssMiB, startupMs, exitCode, stop, ackedSpans, storedRows: rows, exporterRowsBeforeStop };
  } finally {
    await child.stop(5000);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
