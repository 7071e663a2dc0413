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
}

function sumSeries(text: string, name: string): number {
  let sum = 0;
  const re = new RegExp(`^${name}\\{[^}]*table="otel_traces"[^}]*\\} (\\S+)$`, 'gm');
  for (const m of text.matchAll(re)) sum += Number(m[1]);
  return sum;
}

export async function scrapeExporter(port: number): Promise<ExporterCounters> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return {
    rows: sumSeries(text, 'otelhouse_exporter_rows_total'),
    inserts: sumSeries(text, 'otelhouse_exporter_insert_duration_seconds_count'),
    insertSeconds: sumSeries(text, 'otelhouse_exporter_insert_duration_seconds_sum'),
  };
}
