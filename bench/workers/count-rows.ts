/**
 * Counts the rows stored in `otel_traces` and in the five `otel_metrics_*` tables of a stopped
 * gateway's embedded ClickHouse. Argument: the gateway's data dir. Prints `{"rows": N, "metricRows": M}`.
 * Its own process: one chDB path each.
 */
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

const client = createClient({ connection: createChdbConnection({ path: join(process.argv[2], 'clickhouse') }) } as Parameters<typeof createClient>[0]);
const count = async (table: string) => {
  const result = await client.query({ query: `SELECT count() AS rows FROM default.${table}`, format: 'JSONEachRow' });
  const [row] = (await result.json()) as Array<{ rows: string }>;
  return Number(row.rows);
};
const rows = await count('otel_traces');
let metricRows = 0;
for (const kind of ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary']) metricRows += await count(`otel_metrics_${kind}`);
await client.close();
console.log(JSON.stringify({ rows, metricRows }));
