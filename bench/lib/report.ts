import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './child.ts';
import type { GatewayRun, MeasuredLoad, ServerRun } from '../phases/http.ts';
import type { RawInsertResult } from '../phases/raw.ts';
import type { CpuResult } from '../phases/cpu.ts';
import type { ClientConfigResult } from '../phases/config.ts';

export function machineInfo() {
  const list = cpus();
  return {
    cpus: list.length,
    cpuModel: list[0]?.model ?? 'unknown',
    totalMemGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    date: new Date().toISOString(),
  };
}

/** Writes `bench/results/latest.json`, or `latest-<phases>.json` for a run of some phases only (so it never replaces a full run's file). */
export function writeResults(results: unknown, phases?: readonly string[]): string {
  const dir = join(repoRoot, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, phases ? `latest-${phases.join('-')}.json` : 'latest.json');
  writeFileSync(file, JSON.stringify(results, null, 2) + '\n');
  return file;
}

const pad = (s: string | number, n: number) => String(s).padStart(n);

/** One line per load run: throughput, latency, CPU of server / load generator / other tenants, inserts. */
function loadTable(title: string, runs: MeasuredLoad[], threads: boolean): string {
  const head = `  ${title}\n  load      req/s    spans/s  p50 ms  p99 ms non-200 | cores: server (main) loadgen other | srv µs/span | inserts rows/ins mean ms`;
  const lines = runs.map((r) => {
    const bad = Object.entries(r.statuses).filter(([k]) => k !== '200').reduce((n, [, v]) => n + v, 0);
    const ins = r.inserts ? `${pad(r.inserts.count, 7)} ${pad(r.inserts.rowsPerInsert, 8)} ${pad(r.inserts.meanMs, 7)}` : '';
    const main = `(${r.server.mainThreadCores})`;
    const name = `${r.spansPerRequest}x${r.senders}${r.pacedSpansPerSec ? `@${r.pacedSpansPerSec}` : ''}`;
    const line = `  ${name.padEnd(7)} ${pad(r.requestsPerSec, 8)} ${pad(r.spansPerSec, 10)} ${pad(r.latencyMs.p50, 7)} ${pad(r.latencyMs.p99, 7)} ${pad(bad, 7)} | ${pad(r.server.cpuCores, 13)} ${pad(main, 6)} ${pad(r.loadGenCpuCores, 7)} ${pad(r.otherCores, 5)} | ${pad(r.server.cpuUsPerSpan, 11)} | ${ins}`;
    const t = Object.entries(r.threadCores).map(([thread, c]) => `${thread} ${c}`).join(', ');
    const p = r.stored?.profile;
    const profile = p
      ? `\n            per stored span: JS thread ${p.jsMainThreadUs} µs, ClickHouse ${p.clickhouseUs} µs (system ${p.clickhouseSystemUs}; waited for a core ${p.clickhouseCpuWaitUs}), rest ${p.restUs} µs (GC helpers, libuv: WAL writes and fdatasyncs); merges rewrote ${p.mergedRowsPerInsertedRow} rows per inserted row`
      : '';
    const stored = r.stored
      ? `\n            stored: ${r.stored.spansPerSec} spans/s over ${r.stored.seconds} s (flush after the senders stopped ${r.stored.flushMs} ms), ${r.stored.cpuUsPerStoredSpan} µs CPU per stored span, peak RSS ${r.peakRssMiB} MiB${profile}`
      : '';
    return threads ? `${line}\n            threads (cores): ${t}${stored}` : line;
  });
  return [head, ...lines].join('\n');
}

/** `GET /v1/config` modes, gateway beside the bare fastify route. */
function configTable(c: ClientConfigResult): string {
  const head = `  GET /v1/config polling — ${c.clients} clients, ${c.senders} senders, ${c.policies} policies + 1 debug session (checked: ${c.checks.checked} answers, ${c.checks.distinctEtags} distinct ETags, rollout ${c.checks.rolloutShare})
  mode         server    req/s  p50 ms  p99 ms body B | cores: server (main) loadgen other | srv µs/req | / bare: req/s  CPU/req`;
  const modes = [['cold pass', 'cold'], ['first poll', 'firstPoll'], ['revalidate', 'revalidate']] as const;
  const lines = modes.flatMap(([label, key]) =>
    (['gateway', 'bareHttp'] as const).map((who) => {
      const r = c[who][key];
      const ratio = who === 'gateway' && key !== 'cold' ? `${pad(c.ratios[`${key}OverBare`], 12)} ${pad(c.ratios[`${key}CpuBareOverGateway`], 8)}` : '';
      return `  ${(who === 'gateway' ? label : '').padEnd(12)} ${(who === 'gateway' ? 'gateway' : 'bare').padEnd(7)} ${pad(r.requestsPerSec, 8)} ${pad(r.latencyMs.p50, 7)} ${pad(r.latencyMs.p99, 7)} ${pad(r.meanBodyBytes, 6)} | ${pad(r.server.cpuCores, 13)} ${pad(`(${r.server.mainThreadCores})`, 6)} ${pad(r.loadGenCpuCores, 7)} ${pad(r.otherCores, 5)} | ${pad(r.server.cpuUsPerRequest, 10)} | ${ratio}`;
    }),
  );
  return [head, ...lines].join('\n');
}

interface Summary {
  machine: ReturnType<typeof machineInfo> & { loadAvgAtStart: number[]; loadAvgAtEnd: number[] };
  endToEnd?: { best: { load: string; spansPerSec: number } } & GatewayRun;
  rawInsert?: RawInsertResult;
  bareHttp?: ServerRun;
  cpuPerSpan?: CpuResult & { decodePlusEncodeUsPerSpan: number };
  clientConfig?: ClientConfigResult;
  rawInsertJson?: RawInsertResult;
  ratios: {
    endToEndOverRawNativeAt100x8?: number;
    acknowledgedOverRawNativeAt100x8?: number;
    endToEndOverRawNativeBest?: number;
    endToEndOverRawJson?: number;
    rawCpuOverGatewayCpu?: number;
    endToEndOverBareHttp?: Array<{ load: string; ratio: number }>;
  };
  targets: Record<string, { target: string; value: unknown; met: boolean }>;
  wallSeconds: number;
}

/** Prints what the phases that ran measured (a phase left out by BENCH_PHASES prints nothing). */
export function printSummary(r: Summary, file: string): void {
  const { machine: m, endToEnd: e, rawInsert: raw, cpuPerSpan: cpu, bareHttp: bare, clientConfig: cc } = r;
  const met = (key: string) => `${r.targets[key].value} (target ${r.targets[key].target}: ${r.targets[key].met ? 'met' : 'NOT met'})`;
  const out = [`\notelhouse bench — ${m.cpus} × ${m.cpuModel}, node ${m.node}, ${m.date}, load avg ${m.loadAvgAtStart[0]} → ${m.loadAvgAtEnd[0]}`];
  if (bare) out.push(loadTable('bare-HTTP ceiling (fastify child: reads the body, answers 200)', bare.runs, false));
  if (e) {
    out.push(loadTable('end-to-end (gateway child → embedded ClickHouse)', e.runs, true));
    out.push(`  stored after SIGTERM: ${e.storedRows} rows for ${e.ackedSpans} acknowledged spans (exporter counter before stop ${e.exporterRowsBeforeStop}); gateway exit ${e.exitCode}`);
    if (e.stop) {
      const how = e.stop.killedAfterGrace ? 'killed (SIGKILL) when the grace ran out' : `ended by ${e.stop.signal ?? 'no signal'}`;
      out.push(`  gateway stop: ${how} ${e.stop.afterMs} ms after SIGTERM; stderr tail:\n${e.stop.stderrTail.replace(/^/gm, '    | ')}`);
    }
  }
  if (cc) out.push(configTable(cc));
  out.push('');
  for (const x of [raw, r.rawInsertJson]) {
    if (x) out.push(`  raw insert ceiling (${x.format}): ${x.rowsPerSec} rows/s — ${x.chunkRows}-row chunks (${x.chunkMiB} MiB), ${x.inflight} in flight, insert p50 ${x.insertMs.p50} ms, ${x.cpuCores} cores (main ${x.mainThreadCores}), ${x.cpuUsPerRow} µs CPU/row (ClickHouse ${x.profile.clickhouseUs}, system ${x.profile.clickhouseSystemUs}; merges rewrote ${x.profile.mergedRowsPerInsertedRow} rows per row), peak RSS ${x.peakRssMiB} MiB`);
  }
  if (cpu) {
    out.push(`  CPU per span, in-process (1000-span request): decode ${cpu.decodeUsPerSpan} + encode (Native) ${cpu.encodeUsPerSpan} µs (JSONEachRow ${cpu.encodeJsonUsPerSpan}); decode → chain → encode together ${cpu.pipelineUsPerSpan} µs`);
    out.push(`  default processor chain per span: redaction + sampling ${cpu.chainUsPerSpan.defaultChain} µs (redaction alone ${cpu.chainUsPerSpan.redaction}, sampling alone ${cpu.chainUsPerSpan.sampling}); over 10 requests decoded ahead ${cpu.defaultChainTenAheadUsPerSpan} µs`);
  }
  const rss = [e && `gateway ${e.peakRssMiB} MiB (${e.startupRssMiB} MiB when it became healthy)`, raw && `raw-insert worker ${raw.peakRssMiB} MiB`, bare && `bare HTTP ${bare.peakRssMiB} MiB`, cc && `config-polled gateway ${cc.gateway.peakRssMiB} MiB`];
  if (rss.some(Boolean)) out.push(`  peak RSS: ${rss.filter(Boolean).join(', ')}`, '');
  if (r.targets.endToEndOverRawNativeAt100x8) {
    out.push(
      `  stored spans/s at 100x8 / Native raw insert ceiling: ${met('endToEndOverRawNativeAt100x8')}; acknowledged spans/s at 100x8 / the same ceiling ${r.ratios.acknowledgedOverRawNativeAt100x8}`,
      `  best ${e!.best.spansPerSec} stored spans/s at ${e!.best.load}: ${r.ratios.endToEndOverRawNativeBest} of the Native ceiling, ${r.ratios.endToEndOverRawJson ?? '-'} of the JSONEachRow one; raw CPU per row / gateway CPU per stored span (noise-resistant): ${r.ratios.rawCpuOverGatewayCpu}`,
    );
  }
  if (r.targets.cpuUsPerStoredSpanEveryLoad) out.push(`  CPU µs per stored span, worst load: ${met('cpuUsPerStoredSpanEveryLoad')}`, `  peak RSS MiB, worst load: ${met('peakRssMiBEveryLoad')}`);
  if (r.targets.cpuUsPerStoredSpanEveryLoad && raw) {
    out.push(`  the engine's own floor in this run (raw insert, no gateway): ${raw.cpuUsPerRow} µs CPU per row (${raw.profile.clickhouseUs} in ClickHouse's threads), peak RSS ${raw.peakRssMiB} MiB`);
  }
  if (r.targets.ackP99MsAt10kSpansPerSec) out.push(`  ack p99 ms at 10 000 spans/s (100x8 paced): ${met('ackP99MsAt10kSpansPerSec')}`);
  if (r.targets.ingestUnderReadLoad) out.push(`  ingest at 100x8 under ${e!.underReadLoad!.readers} SQL readers / unloaded: ${met('ingestUnderReadLoad')}`);
  if (r.ratios.endToEndOverBareHttp) out.push(`  end-to-end / bare HTTP: ${r.ratios.endToEndOverBareHttp.map((x) => `${x.load} ${x.ratio}`).join(', ')}`);
  if (r.targets.decodeEncodeUsPerSpan) out.push(`  decode + encode µs/span: ${met('decodeEncodeUsPerSpan')}`, `  default chain (redaction + sampling) µs/span: ${met('defaultChainUsPerSpan')}`);
  if (r.targets.allAckedRowsStored) out.push(`  every acknowledged span stored: ${met('allAckedRowsStored')}; clean shutdown: ${met('cleanShutdown')}`);
  if (cc) out.push(`  GET /v1/config first polls (200) req/s: ${met('clientConfigRequestsPerSec')}; revalidations (304) ${cc.gateway.revalidate.requestsPerSec} req/s; gateway / bare ${cc.ratios.firstPollOverBare} and ${cc.ratios.revalidateOverBare} (bare CPU/req / gateway's ${cc.ratios.firstPollCpuBareOverGateway} and ${cc.ratios.revalidateCpuBareOverGateway})`);
  out.push(`  ${r.wallSeconds} s; ${file}`);
  console.log(out.join('\n'));
}
