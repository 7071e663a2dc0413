/**
 * Counts the rows stored in `otel_traces` of a stopped gateway's embedded ClickHouse.
 * Argument: the gateway's data dir. Prints `{"rows": N}`. Its own process: one chDB path each.
 */
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

const client = createClient({ connection: createChdbConnection({ path: join(process.argv[2], 'clickhouse') }) } as Parameters<typeof createClient>[0]);
const result = await client.query({ query: 'SELECT count() AS rows FROM default.otel_traces', format: 'JSONEachRow' });
const [row] = (await result.json()) as Array<{ rows: string }>;
await client.close();
console.log(JSON.stringify({ rows: Number(row.rows) }));
