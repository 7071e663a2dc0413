/**
 * The raw insert ceiling: the bench's spans, encoded before the clock starts into chunks of
 * `chunkRows` rows — `native`: one Native block per request (`encodeSpansNative`, as the gateway
 * appends them to its write-ahead log), a chunk inserted as the inserter inserts a segment
 * (`embeddedBlockStore`: the blocks written to a file, `INSERT … SELECT * FROM file(…, 'Native')`);
 * `json`: JSONEachRow (`encodeSpans`) through `clickhouseRowStore`, the earlier exporter's format,
 * kept for comparison with earlier runs — straight into `otel_traces` of a fresh embedded
 * ClickHouse (created by `migrate`), `inflight` inserts at once. Argument: JSON options. Prints
 * the result as JSON. Its own process: chDB takes one data path per process.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { migrate, defaultSchemaOptions } from '../../src/storage/clickhouse/schema/index.ts';
import { embeddedBlockStore } from '../../src/storage/clickhouse/blockStore.ts';
import { encodeMetricsNative, encodeSpansNative, metricColumns, spanColumns, type MetricTableRole } from '../../src/exporters/clickhouse/native/index.ts';
import { metricTableNames } from '../../src/storage/clickhouse/schema/options.ts';
import { MetricRequestPool } from '../lib/metrics.ts';
import { encodeSpans } from '../../src/exporters/clickhouse/rows.ts';
import { clickhouseRowStore } from '../../src/storage/clickhouse/store.ts';
import { decodeMetricsProtobuf, decodeTracesProtobuf } from '../../src/receiver/otlp/index.ts';
import { RequestPool } from '../lib/requests.ts';
import { cpuProfile } from '../lib/system.ts';
import { readEngineStats } from '../../src/storage/clickhouse/engineStats.ts';
import { round } from '../lib/load.ts';

interface Options {
  dataDir: string; format: 'native' | 'json'; chunkRows: number; inflight: number; durationMs: number; spansPerRequest: number; distinctChunks: number;
  /** `metrics`: the bench's metric requests (`spansPerRequest` points each) into the five metrics tables, Native only. */
  signal?: 'metrics';
}
const o = JSON.parse(process.argv[2]) as Options;
const metrics = o.signal === 'metrics';

const requests = Math.ceil(o.chunkRows / o.spansPerRequest);
/** A chunk: JSONEachRow text, Native blocks of `otel_traces`, or Native blocks per metrics table. */
type Chunk = string | Uint8Array[] | Map<MetricTableRole, Uint8Array[]>;
const chunks: Chunk[] = [];
if (metrics) {
  const pool = await MetricRequestPool.create(o.spansPerRequest, 2);
  for (let c = 0; c < o.distinctChunks; c++) {
    const byTable = new Map<MetricTableRole, Uint8Array[]>();
    for (let r = 0; r < requests; r++) {
      for (const [role, block] of Object.entries(encodeMetricsNative(decodeMetricsProtobuf(pool.next()).batch))) {
        byTable.set(role as MetricTableRole, [...(byTable.get(role as MetricTableRole) ?? []), block.bytes]);
      }
    }
    chunks.push(byTable);
  }
} else {
  const pool = new RequestPool(o.spansPerRequest, 2);
  const batches = () => Array.from({ length: requests }, () => decodeTracesProtobuf(pool.next()).batch);
  for (let c = 0; c < o.distinctChunks; c++) {
    chunks.push(o.format === 'native' ? batches().map((b) => encodeSpansNative(b).bytes) : batches().map((b) => encodeSpans(b).body).join(''));
  }
}
const chunkBytes = (chunk: Chunk): number =>
  typeof chunk === 'string' ? chunk.length : Array.isArray(chunk) ? chunk.reduce((n, b) => n + b.length, 0) : [...chunk.values()].reduce((n, blocks) => n + chunkBytes(blocks), 0);
const rowsPerChunk = Math.ceil(o.chunkRows / o.spansPerRequest) * o.spansPerRequest;

const client = createClient({ connection: createChdbConnection({ path: join(o.dataDir, 'clickhouse') }) } as Parameters<typeof createClient>[0]);
await migrate(client, defaultSchemaOptions);
const jsonStore = clickhouseRowStore(client, 'default');
const nativeStore = embeddedBlockStore(client, 'default', o.dataDir);
const metricTables = metricTableNames('otel_metrics');
const insert = async (chunk: Chunk): Promise<void> => {
  if (typeof chunk === 'string') return jsonStore.insert('otel_traces', chunk, randomUUID());
  if (Array.isArray(chunk)) return nativeStore.insert('otel_traces', spanColumns, chunk, randomUUID());
  // As the gateway's inserters do: one insert per table, the tables in parallel.
  await Promise.all([...chunk].map(([role, blocks]) => nativeStore.insert(metricTables[role], metricColumns[role], blocks, randomUUID())));
};
await insert(chunks[0]); // warm-up

/** CPU seconds of this process's main (JS) thread, from /proc (100 ticks per second). */
function mainThreadCpu(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

let next = 0;
let inserted = 0;
const latencies: number[] = [];
const engine0 = (await readEngineStats(client, 'default')).events;
const cpu0 = process.cpuUsage();
const main0 = mainThreadCpu();
const t0 = performance.now();
const deadline = t0 + o.durationMs;
await Promise.all(
  Array.from({ length: o.inflight }, async () => {
    while (performance.now() < deadline) {
      const body = chunks[next++ % chunks.length];
      const started = performance.now();
      await insert(body);
      latencies.push(performance.now() - started);
      inserted += rowsPerChunk;
    }
  }),
);
const elapsedMs = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const mainCpu = mainThreadCpu() - main0;
const engine1 = (await readEngineStats(client, 'default')).events;
const countSql = metrics
  ? `SELECT sum(n) AS rows FROM (${Object.values(metricTables).map((t) => `SELECT count() AS n FROM default.${t}`).join(' UNION ALL ')})`
  : 'SELECT count() AS rows FROM default.otel_traces';
const result = await client.query({ query: countSql, format: 'JSONEachRow' });
const [{ rows: stored }] = (await result.json()) as Array<{ rows: string }>;
await client.close();
latencies.sort((a, b) => a - b);
console.log(
  JSON.stringify({
    ...(metrics ? { signal: 'metrics' } : {}),
    format: o.format,
    chunkRows: rowsPerChunk,
    inflight: o.inflight,
    chunkMiB: round(chunkBytes(chunks[0]) / 2 ** 20, 1),
    bytesPerRow: Math.round(chunkBytes(chunks[0]) / rowsPerChunk),
    inserts: latencies.length,
    rows: inserted,
    elapsedMs: Math.round(elapsedMs),
    rowsPerSec: Math.round((inserted * 1000) / elapsedMs),
    insertMs: { p50: Math.round(latencies[Math.floor(latencies.length / 2)]), max: Math.round(latencies.at(-1) ?? 0) },
    cpuCores: round((cpu.user + cpu.system) / 1000 / elapsedMs, 2),
    mainThreadCores: round((mainCpu * 1000) / elapsedMs, 2),
    cpuUsPerRow: round((cpu.user + cpu.system) / inserted, 1),
    profile: cpuProfile(inserted, { total: (cpu.user + cpu.system) / 1e6, main: mainCpu }, engine0, engine1),
    peakRssMiB: Math.round(Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024),
    storedRows: Number(stored),
    expectedStoredRows: inserted + rowsPerChunk,
  }),
);
