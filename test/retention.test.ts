import { afterAll, describe, expect, it } from 'vitest';
import { reconcileRetention } from '../src/storage/clickhouse/schema/ttl.ts';
import { schemaOptions, type Gateway } from '../src/gateway.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';

const data = tempDataDir();
let gateway: Gateway | undefined;
afterAll(async () => {
  await gateway?.shutdown();
  data.remove();
});

const ttlOf = async (table: string) => {
  const [t] = await rows<{ q: string }>(gateway!, `SELECT create_table_query AS q FROM system.tables WHERE database = 'default' AND name = '${table}'`);
  return t.q.slice(t.q.indexOf(' TTL '));
};

describe('retention of debug-session records', () => {
  it('expires spans and logs tagged with a debug session after debugSessionTtlHours, and the rest after ttlHours', async () => {
    gateway = await startGateway({ dataDir: data.dir, clickhouse: { ttlHours: 30 * 24 } });
    expect(await ttlOf('otel_logs')).toContain("TTL toDateTime(Timestamp) + toIntervalDay(7) WHERE (ResourceAttributes['otelhouse.debug_session.id']) != '', toDateTime(Timestamp) + toIntervalDay(30)");
    expect(await ttlOf('otel_traces')).toContain("TTL toDateTime(Timestamp) + toIntervalDay(7) WHERE (ResourceAttributes['otelhouse.debug_session.id']) != '', toDateTime(Timestamp) + toIntervalDay(30)");

    // Rows 10 days old: past the debug rule, within the general one.
    await gateway.client.command({
      query: `INSERT INTO otel_logs (Timestamp, ServiceName, Body, ResourceAttributes) VALUES
        (now() - INTERVAL 10 DAY, 'app', 'debug detail', map('otelhouse.debug_session.id', 'ds-1')),
        (now() - INTERVAL 10 DAY, 'app', 'ordinary', map()),
        (now() - INTERVAL 1 DAY, 'app', 'recent debug detail', map('otelhouse.debug_session.id', 'ds-2'))`,
    });
    await gateway.client.command({ query: 'OPTIMIZE TABLE otel_logs FINAL' });
    expect((await rows<{ Body: string }>(gateway, 'SELECT Body FROM otel_logs ORDER BY Body')).map((r) => r.Body)).toEqual(['ordinary', 'recent debug detail']);
  });

  it('leaves the tables alone at the next start when nothing changed, and follows a changed debugSessionTtlHours', async () => {
    await gateway!.shutdown();
    gateway = await startGateway({ dataDir: data.dir, clickhouse: { ttlHours: 30 * 24 } });
    const before = await ttlOf('otel_logs');
    const again = await reconcileRetention(gateway.client, schemaOptions(gateway.config), { ttlSeconds: 30 * 24 * 3600, debugTtlSeconds: 7 * 24 * 3600 });
    expect(again).toEqual([]); // ClickHouse prints the rules back the way they are rendered
    await gateway.shutdown();
    gateway = await startGateway({ dataDir: data.dir, clickhouse: { debugSessionTtlHours: 24 } });
    // ttlHours unset: the general rule stays as the table has it; the debug rule changes.
    expect(await ttlOf('otel_logs')).toContain("TTL toDateTime(Timestamp) + toIntervalDay(1) WHERE (ResourceAttributes['otelhouse.debug_session.id']) != '', toDateTime(Timestamp) + toIntervalDay(30)");
    expect(before).not.toBe(await ttlOf('otel_logs'));
    await gateway.shutdown();
    gateway = await startGateway({ dataDir: data.dir, clickhouse: { debugSessionTtlHours: 0, ttlHours: 0 } });
    expect(await ttlOf('otel_logs')).not.toContain(' TTL ');
  });
});
