import { readFileSync } from 'node:fs';

/** Busy CPU time of the whole machine so far (all cores, idle and iowait excluded), in seconds (/proc/stat, 100 ticks/s). */
export function machineCpu(): { busy: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return { busy: (user + nice + system + irq + softirq + steal) / 100 };
}

/** Sums of the gateway's exporter series for `otel_traces` from its `/metrics` text. */
export interface ExporterCounters {
  rows: number;
  inserts: number;
  insertSeconds: number;
  /** The embedded engine's profile counters (`otelhouse_clickhouse_events_total`), by event. */
  engine: Record<string, number>;
}

function sumSeries(text: string, name: string, tables: string): number {
  let sum = 0;
  const re = new RegExp(`^${name}\\{[^}]*table="(?:${tables})"[^}]*\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) sum += Number(m[1]);
  return sum;
}

/** The exporter's counters for the spans table, or (`metrics`) the five metrics tables. */
export async function scrapeExporter(port: number, signal: 'traces' | 'metrics' = 'traces'): Promise<ExporterCounters> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const tables = signal === 'metrics' ? 'otel_metrics_\\w+' : 'otel_traces';
  return {
    rows: sumSeries(text, 'otelhouse_exporter_rows_total', tables),
    inserts: sumSeries(text, 'otelhouse_exporter_insert_duration_seconds_count', tables),
    insertSeconds: sumSeries(text, 'otelhouse_exporter_insert_duration_seconds_sum', tables),
    engine: Object.fromEntries([...text.matchAll(/^otelhouse_clickhouse_events_total\{event="(\w+)"\} (\S+)$/gm)].map((m) => [m[1], Number(m[2])])),
  };
}

/**
 * Where the CPU per stored row went, from the process's own figures and ClickHouse's profile
 * counters over the same stretch: the JS thread, ClickHouse's query and merge threads (user and
 * system time, as the engine counts them), and the rest of the process (V8's GC and compiler
 * helpers, libuv's pool: the write-ahead log's writes and fdatasyncs, chDB threads no query owns).
 * `mergedRowsPerInsertedRow`: rows merges rewrote per row inserted (write amplification).
 */
export interface CpuProfile {
  totalUs: number;
  jsMainThreadUs: number;
  clickhouseUs: number;
  clickhouseSystemUs: number;
  restUs: number;
  clickhouseCpuWaitUs: number;
  mergedRowsPerInsertedRow: number;
}

export function cpuProfile(rows: number, cpu: { total: number; main: number }, before: Record<string, number>, after: Record<string, number>): CpuProfile {
  const d = (event: string) => (after[event] ?? 0) - (before[event] ?? 0);
  const per = (us: number) => Math.round((us / rows) * 10) / 10;
  const clickhouse = d('UserTimeMicroseconds') + d('SystemTimeMicroseconds');
  return {
    totalUs: per(cpu.total * 1e6),
    jsMainThreadUs: per(cpu.main * 1e6),
    clickhouseUs: per(clickhouse),
    clickhouseSystemUs: per(d('SystemTimeMicroseconds')),
    restUs: per(cpu.total * 1e6 - cpu.main * 1e6 - clickhouse),
    clickhouseCpuWaitUs: per(d('OSCPUWaitMicroseconds')),
    mergedRowsPerInsertedRow: d('InsertedRows') ? Math.round((d('MergedRows') / d('InsertedRows')) * 100) / 100 : 0,
  };
}
