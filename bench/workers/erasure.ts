/**
 * Erasure's delete, measured (issue 17, point 1: "lightweight deletes or mutations as measured
 * best"): `otel_logs` of a fresh embedded ClickHouse holding `rows` rows in 4 parts, a dozen of
 * them a subject's; then the subject's rows deleted by a lightweight `DELETE FROM` or by a mutation
 * (`ALTER TABLE … DELETE`, waited for), 3 rounds each in turn on a fresh table. Reported per
 * method: the delete's wall time and the process's CPU, and a full scan's time right after it (a
 * lightweight delete leaves a mask the reads apply until a merge). Argument: JSON `{dataDir, rows}`.
 * Prints the result as JSON. Its own process: chDB takes one data path per process.
 */
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { defaultSchemaOptions, migrate } from '../../src/storage/clickhouse/schema/index.ts';
import { round } from '../lib/load.ts';

const o = JSON.parse(process.argv[2]!) as { dataDir: string; rows: number };
const client = createClient({ connection: createChdbConnection({ path: join(o.dataDir, 'clickhouse') }) } as Parameters<typeof createClient>[0]);
await migrate(client, defaultSchemaOptions);
const SUBJECT = 'u-erased';
const where = `LogAttributes['user.id'] IN ['${SUBJECT}']`;

async function fill(): Promise<void> {
  await client.command({ query: 'TRUNCATE TABLE otel_logs' });
  const per = Math.ceil(o.rows / 4);
  for (let p = 0; p < 4; p++) {
    await client.command({
      query: `INSERT INTO otel_logs (Timestamp, ServiceName, SeverityNumber, Body, LogAttributes, ResourceAttributes)
        SELECT now64(9) - toIntervalSecond(number % 86400), 'shop', 9, concat('order ', toString(number), ' placed'),
          map('user.id', if(number % ${Math.floor(per / 3)} = 1 AND ${p} < 4, '${SUBJECT}', concat('u-', toString(number + ${p * per}))), 'http.route', '/api/orders'),
          map('service.name', 'shop') FROM numbers(${per})`,
    });
  }
}

const count = async (sql: string) => Number(((await (await client.query({ query: sql, format: 'JSONEachRow' })).json()) as Array<{ n: string }>)[0]!.n);
const timed = async (work: () => Promise<unknown>) => {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await work();
  const cpu = process.cpuUsage(cpu0);
  return { ms: performance.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000 };
};

type Method = 'lightweight' | 'mutation';
const runs: Record<Method, Array<{ deleteMs: number; deleteCpuMs: number; scanAfterMs: number; removed: number; left: number }>> = { lightweight: [], mutation: [] };
for (let round = 0; round < 3; round++) {
  for (const method of ['lightweight', 'mutation'] as const) {
    await fill();
    const before = await count(`SELECT count() AS n FROM otel_logs WHERE ${where}`);
    const del = await timed(() =>
      method === 'lightweight'
        ? client.command({ query: `DELETE FROM otel_logs WHERE ${where}` })
        : client.command({ query: `ALTER TABLE otel_logs DELETE WHERE ${where}`, clickhouse_settings: { mutations_sync: '1' } }),
    );
    const scan = await timed(() => count("SELECT count() AS n FROM otel_logs WHERE Body LIKE '%7 placed'"));
    runs[method].push({ deleteMs: del.ms, deleteCpuMs: del.cpuMs, scanAfterMs: scan.ms, removed: before, left: await count(`SELECT count() AS n FROM otel_logs WHERE ${where}`) });
  }
}
await client.close();
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const summary = Object.fromEntries((Object.keys(runs) as Method[]).map((m) => [m, {
  deleteMs: round(median(runs[m].map((r) => r.deleteMs)), 1),
  deleteCpuMs: round(median(runs[m].map((r) => r.deleteCpuMs)), 1),
  scanAfterMs: round(median(runs[m].map((r) => r.scanAfterMs)), 1),
  removed: runs[m][0]!.removed,
  left: Math.max(...runs[m].map((r) => r.left)),
}]));
console.log(JSON.stringify({ rows: o.rows, rounds: 3, ...summary }));
