import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { controlPlaneTableNames } from '../src/storage/clickhouse/schema/controlPlane.ts';
import { controlTableNames } from '../src/storage/clickhouse/schema/options.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { post, traceRequest } from './support/payloads.ts';

const data = tempDataDir();
let gateway: Gateway | undefined;
afterAll(async () => {
  await gateway?.shutdown();
  data.remove();
});

const config = (extra: Record<string, unknown> = {}) => ({
  dataDir: data.dir,
  clickhouse: { database: 'telemetry', tracesTable: 'spans', logsTable: 'logs', metricsTable: 'points', ttlHours: 48, ...extra },
});

describe('database, table names and retention from config', () => {
  it('creates the tables in the configured database with the configured TTL and stores into them', async () => {
    gateway = await startGateway(config());
    const tables = await rows<{ name: string; q: string }>(gateway, `SELECT name, create_table_query AS q FROM system.tables WHERE database = 'telemetry' ORDER BY name`);
    const control = [...Object.values(controlTableNames), ...Object.values(controlPlaneTableNames)];
    const metrics = ['gauge', 'sum', 'histogram', 'exponential_histogram', 'summary'].map((kind) => `points_${kind}`);
    expect(tables.map((t) => t.name)).toEqual(['logs', ...control, ...metrics, 'otelhouse_schema_migrations', 'spans', 'spans_trace_id_ts', 'spans_trace_id_ts_mv'].sort());
    expect(tables.find((t) => t.name === 'points_sum')!.q).toContain('TTL toDateTime(TimeUnix) + toIntervalDay(2)');
    expect(tables.find((t) => t.name === 'spans')!.q).toContain(
      "TTL toDateTime(Timestamp) + toIntervalDay(7) WHERE (ResourceAttributes['otelhouse.debug_session.id']) != '', toDateTime(Timestamp) + toIntervalDay(2)",
    );
    const res = await post(gateway.url, '/v1/traces', traceRequest('cfg', [{ traceId: '1'.repeat(32), spanId: '2'.repeat(16), name: 'configured', start: String(BigInt(Date.now()) * 1_000_000n), end: String(BigInt(Date.now()) * 1_000_000n + 5n) }]));
    expect(res.status).toBe(200);
    expect(await rows(gateway, `SELECT SpanName FROM telemetry.spans`)).toEqual([{ SpanName: 'configured' }]);
    expect(await rows(gateway, `SELECT TraceId FROM telemetry.spans_trace_id_ts`)).toEqual([{ TraceId: '1'.repeat(32) }]);
  });

  it('applies a changed retention to the existing tables at the next start', async () => {
    await gateway!.shutdown();
    gateway = await startGateway(config({ ttlHours: 6 }));
    const [t] = await rows<{ q: string }>(gateway, `SELECT create_table_query AS q FROM system.tables WHERE database = 'telemetry' AND name = 'logs'`);
    expect(t.q).toMatch(/TTL .*, toDateTime\(Timestamp\) \+ toIntervalHour\(6\) SETTINGS/);
    expect(gateway.drift).toEqual([]);
  });

  it('reports a table whose shape drifted at start, and refuses to start with failOnDrift', async () => {
    await gateway!.client.command({ query: 'ALTER TABLE telemetry.logs MODIFY COLUMN SeverityNumber UInt16' });
    await gateway!.shutdown();
    gateway = await startGateway(config());
    expect(gateway.drift).toEqual([expect.objectContaining({ table: 'logs', column: 'SeverityNumber', problem: expect.stringMatching(/UInt16.*UInt8/) })]);
    const status = (await (await fetch(`${gateway.url}/api/status`)).json()) as { drift: unknown[] };
    expect(status.drift).toHaveLength(1);
    await gateway.shutdown();
    gateway = undefined;
    await expect(startGateway(config({ failOnDrift: true }))).rejects.toThrow(/schema drift: logs\.SeverityNumber/);
  });
});
