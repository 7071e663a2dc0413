import { afterAll, describe, expect, it } from 'vitest';
import { reconcileRetention, type RetentionRule } from '../src/storage/clickhouse/schema/ttl.ts';
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

describe('retention by rule', () => {
  const rules: RetentionRule[] = [
    { tables: ['logs'], maxLevel: 'debug', hours: 72 },
    { service: 'noisy', hours: 24 },
    { errors: true, hours: 90 * 24 },
  ];
  // One embedded ClickHouse per process: the data dir of the tests above, their gateway stopped first.
  let g: Gateway | undefined;
  afterAll(() => g?.shutdown());

  it('keeps each row as long as the first rule it matches says, the rest as ttlHours says, moving time through the TTL', async () => {
    await gateway?.shutdown();
    gateway = undefined;
    g = await startGateway({ dataDir: data.dir, clickhouse: { ttlHours: 30 * 24 }, retention: rules.map((r) => ({ ...r, tables: r.tables && [...r.tables] })) });
    await g.client.command({
      query: `INSERT INTO otel_logs (Timestamp, ServiceName, SeverityNumber, Body) VALUES
        (now() - INTERVAL 5 DAY, 'shop', 5, 'debug 5 days'), (now() - INTERVAL 2 DAY, 'shop', 5, 'debug 2 days'),
        (now() - INTERVAL 5 DAY, 'shop', 9, 'info 5 days'), (now() - INTERVAL 40 DAY, 'shop', 9, 'info 40 days'),
        (now() - INTERVAL 40 DAY, 'shop', 17, 'error 40 days'), (now() - INTERVAL 100 DAY, 'shop', 17, 'error 100 days'),
        (now() - INTERVAL 2 DAY, 'noisy', 9, 'noisy 2 days'), (now() - INTERVAL 2 DAY, 'noisy', 17, 'noisy error 2 days')`,
    });
    await g.client.command({
      query: `INSERT INTO otel_traces (Timestamp, ServiceName, SpanName, StatusCode) VALUES
        (now() - INTERVAL 40 DAY, 'shop', 'failed 40 days', 'Error'), (now() - INTERVAL 40 DAY, 'shop', 'ok 40 days', 'Ok'), (now() - INTERVAL 10 DAY, 'shop', 'ok 10 days', 'Ok')`,
    });
    for (const table of ['otel_logs', 'otel_traces']) await g.client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
    // The noisy service's error goes at 24 hours: its rule comes before the errors' one.
    expect((await rows<{ Body: string }>(g, "SELECT Body FROM otel_logs WHERE ServiceName IN ('shop', 'noisy') ORDER BY Body")).map((r) => r.Body)).toEqual(['debug 2 days', 'error 40 days', 'info 5 days']);
    expect((await rows<{ SpanName: string }>(g, 'SELECT SpanName FROM otel_traces ORDER BY SpanName')).map((r) => r.SpanName)).toEqual(['failed 40 days', 'ok 10 days']);
  });

  it('shows each table\'s rules in /api/status, and leaves them alone at a restart with the same config', async () => {
    const status = await (await fetch(`${g!.url}/api/status`)).json();
    expect(status.retention.otel_logs).toContain('WHERE SeverityNumber <= 8');
    // The change at start is audited with the rules before and after.
    const { entries } = await (await fetch(`${g!.url}/api/audit?entityType=retention&entityId=otel_logs`)).json();
    expect(entries[0]).toMatchObject({ actor: 'system', action: 'retention.change' });
    expect(entries[0].after).toContain('SeverityNumber <= 8');
    expect(entries[0].before ?? '').not.toContain('SeverityNumber');
    expect(status.retention.otel_traces).not.toContain('SeverityNumber'); // a logs-only rule
    expect(status.retention.otel_metrics_sum).toContain("ServiceName = 'noisy'");
    expect(status.retention.otel_metrics_sum).not.toContain("StatusCode"); // metrics have no errors
    const again = await reconcileRetention(g!.client, schemaOptions(g!.config), { ttlSeconds: 30 * 24 * 3600, debugTtlSeconds: 7 * 24 * 3600, rules });
    expect(again).toEqual([]);
    await g!.shutdown();
    g = await startGateway({ dataDir: data.dir, clickhouse: { ttlHours: 30 * 24 } });
    // Rules removed from the config are removed from the tables; the general rule stays.
    const status2 = await (await fetch(`${g.url}/api/status`)).json();
    expect(status2.retention.otel_logs).not.toContain('SeverityNumber');
    expect(status2.retention.otel_logs).toContain('toIntervalDay(30)');
  });

  it('refuses a malformed rule at start, naming it', async () => {
    await expect(startGateway({ dataDir: data.dir, retention: [{ maxLevel: 'loud', hours: 1 }] } as never)).rejects.toThrow(/retention\.0\.maxLevel/);
    await expect(startGateway({ dataDir: data.dir, retention: [{ errors: true }] } as never)).rejects.toThrow(/retention\.0\.hours/);
  });
});
