import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import * as sdk from '../src/sdk/node/index.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { logsRequest, post, traceRequest } from './support/payloads.ts';

// The bundled dashboards' SQL, run on the real engine over data sent through the gateway, with the
// ClickHouse datasource's macros expanded as the plugin expands them (reference/clickhouse-otel-schema.md §3.3).

const dir = join(import.meta.dirname, '..', 'dashboards', 'grafana', 'dashboards');
const dashboards = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((file) => ({ file, json: JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard }));

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: Array<{ rawSql: string; datasource: { uid: string } }>;
}
interface Dashboard {
  uid: string;
  panels: Panel[];
  templating: { list: Array<{ name: string; query: string }> };
}

const nowS = Math.floor(Date.now() / 1000);
const range = { from: nowS - 6 * 3600, to: nowS + 60, intervalS: 60 };

/** Expands the macros and `$service` the way Grafana and the plugin would, for `services` selected ([] = All). */
function expand(sql: string, services: string[]): string {
  const all = services.length === 0;
  return sql
    .replace(/\$__conditionalAll\(((?:[^()]|\([^()]*\))*),\s*\$service\)/g, (_m, cond: string) => (all ? '1=1' : cond))
    .replace(/\$\{service:singlequote\}/g, services.length ? services.map((s) => `'${s}'`).join(',') : "''")
    // Other variables (the metrics dashboard's metric names): none chosen, the query still runs.
    .replace(/\$\{\w+:singlequote\}/g, "''")
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, c: string) => `${c} >= toDateTime(${range.from}) AND ${c} <= toDateTime(${range.to})`)
    .replace(/\$__timeInterval\(([^)]+)\)/g, (_m, c: string) => `toStartOfInterval(toDateTime(${c}), INTERVAL ${range.intervalS} second)`)
    .replace(/\$__interval_s/g, String(range.intervalS))
    .replace(/\$__fromTime/g, `toDateTime(${range.from})`)
    .replace(/\$__toTime/g, `toDateTime(${range.to})`);
}

let gateway: Gateway;
const ns = (secondsAgo: number) => String(BigInt(nowS - secondsAgo) * 1_000_000_000n);

beforeAll(async () => {
  gateway = await startGateway({
    // The catalog hashes an attribute: redaction needs its secret.
    processors: [{ type: 'redaction', hashSecret: 'dashboard-test-hash-secret-of-32-chars' }, { type: 'sampling', rules: [{ service: 'sampled', percentage: 50 }] }],
    catalog: { files: ['test/fixtures/catalog/shop.yaml'] },
  });
  const spans = Array.from({ length: 40 }, (_, i) => ({
    traceId: createHash('sha256').update(`trace-${i}`).digest('hex').slice(0, 32), // random-looking, as sampling needs
    spanId: (i + 1).toString(16).padStart(16, '0'),
    name: 'GET /items',
    start: ns(120 - i),
    end: ns(119 - i),
    status: i % 10 === 0 ? { code: 2, message: 'failed' } : undefined,
    attributes: { 'client.address': `203.0.113.${i}` },
  }));
  const json = { 'content-type': 'application/json' };
  expect((await post(gateway.url, '/v1/traces', traceRequest('shop', spans), json)).status).toBe(200);
  expect((await post(gateway.url, '/v1/traces', traceRequest('sampled', spans), json)).status).toBe(200);
  const logs = logsRequest('shop', [
    { time: ns(30), severityNumber: 9, severityText: 'INFO', body: 'ok' },
    { time: ns(20), severityNumber: 17, severityText: 'ERROR', body: 'payment failed for order 42' },
  ]);
  expect((await post(gateway.url, '/v1/logs', logs, json)).status).toBe(200);
  // A catalogued event missing its required attributes (kept and tagged: the catalog observes).
  const checkout = { resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] },
    scopeLogs: [{ logRecords: [{ timeUnixNano: ns(25), severityNumber: 9, eventName: 'shop.cart.checkout', body: { stringValue: 'checkout' } }] }] }] };
  expect((await post(gateway.url, '/v1/logs', JSON.stringify(checkout), json)).status).toBe(200);
  // A counter of each metrics table's kind the Service metrics dashboard lists services from.
  const metric = (name: string, data: Record<string, unknown>) => ({ name, ...data });
  const dp = (extra: Record<string, unknown>) => ({ timeUnixNano: ns(60), startTimeUnixNano: ns(600), ...extra });
  const metrics = { resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] }, scopeMetrics: [{ metrics: [
    metric('orders', { sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [dp({ asInt: '5' })] } }),
    metric('queue.depth', { gauge: { dataPoints: [dp({ asDouble: 3 })] } }),
    metric('latency', { histogram: { aggregationTemporality: 2, dataPoints: [dp({ count: '1', bucketCounts: ['1', '0'], explicitBounds: [1] })] } }),
  ] }] }] };
  expect((await post(gateway.url, '/v1/metrics', JSON.stringify(metrics), json)).status).toBe(200);
  await gateway.client.command({
    query: `INSERT INTO otelhouse_debug_sessions (Id, InstallationId, Level, CreatedBy, StartsAt, EndsAt, Version)
            VALUES ('ds_test', 'inst-1', 'debug', 'token:abcd1234', now64(3) - INTERVAL 10 MINUTE, now64(3) + INTERVAL 50 MINUTE, 1)`,
  });
  // The issue tracker runs after the data is durable: wait for its state row.
  for (let i = 0; i < 100 && (await rows(gateway, 'SELECT 1 FROM otelhouse_issue_state')).length === 0; i++) await new Promise((r) => setTimeout(r, 50));
});
const sdkDir = tempDataDir('otelhouse-dashboard-sdk-');
afterAll(async () => {
  await sdk.shutdown(1000);
  await gateway?.shutdown();
  sdkDir.remove();
});

describe.each(dashboards)('the bundled dashboard $file', ({ json }) => {
  it('uses the provisioned datasource everywhere', () => {
    for (const panel of json.panels) {
      expect(panel.datasource.uid).toBe('otelhouse-clickhouse');
      for (const t of panel.targets) expect(t.datasource.uid).toBe('otelhouse-clickhouse');
    }
  });

  it.each([[[]], [['shop']]])('runs every variable and panel query on the stored data (service filter %j)', async (services: string[]) => {
    for (const variable of json.templating.list) {
      const values = rows(gateway, expand(variable.query, services));
      // The service list is never empty; a variable that depends on a chosen service (the metrics dashboard's) need only run.
      if (variable.name === 'service') expect((await values).length, variable.name).toBeGreaterThan(0);
      else await expect(values, variable.name).resolves.toBeDefined();
    }
    for (const panel of json.panels) {
      for (const target of panel.targets) {
        const sql = expand(target.rawSql, services);
        expect(sql, panel.title).not.toMatch(/\$/);
        const got = await rows(gateway, sql);
        // A panel that needs no choice but the time range shows something of the stored data for all services (an empty one would hide a broken query).
        const choices = [...target.rawSql.matchAll(/\$\{(\w+)/g)].map((m) => m[1]).filter((v) => v !== 'service');
        // The SDK panels read the SDK's own reports, sent by the test below and checked there with their values.
        if (services.length === 0 && choices.length === 0 && !panel.title.startsWith('SDK ')) expect(got.length, panel.title).toBeGreaterThan(0);
      }
    }
  });
});

describe('the overview dashboard’s figures', () => {
  const overview = dashboards.find((d) => d.json.uid === 'otelhouse-overview')!.json;
  const panel = (title: string) => expand(overview.panels.find((p) => p.title.startsWith(title))!.targets[0]!.rawSql, []);

  it('counts sampled spans by their adjusted count, so both services show their 40 spans', async () => {
    const perService = await rows<{ ServiceName: string; total: number }>(
      gateway,
      `SELECT ServiceName, round(sum(spans) * ${range.intervalS}) AS total FROM (${panel('Spans per second')}) GROUP BY ServiceName ORDER BY ServiceName`,
    );
    const stored = await rows<{ n: number }>(gateway, "SELECT count() AS n FROM otel_traces WHERE ServiceName = 'sampled'");
    const kept = Number(stored[0].n);
    expect(kept).toBeLessThan(40); // really sampled
    // The 4 errors are kept at weight 1; every other span kept stands for 2 (sampled at 50 %).
    expect(perService.map((r) => [r.ServiceName, Number(r.total)])).toEqual([
      ['sampled', 2 * (kept - 4) + 4],
      ['shop', 40],
    ]);
  });

  it('shows the event schema violations the catalog observed, per event and violation', async () => {
    const violations = await rows<{ event: string; violation: string; records: string }>(gateway, panel('Event schema violations'));
    expect(violations.map((v) => [v.event, v.violation, Number(v.records)]).sort()).toEqual([
      ['shop.cart.checkout', 'missing_required:shop.cart.id', 1],
      ['shop.cart.checkout', 'missing_required:shop.cart.total', 1],
    ]);
  });

  it('shows redactions per rule, the issue with its status, and the active debug session', async () => {
    const redactions = await rows<{ rule: string; records: number }>(gateway, `SELECT rule, sum(records) * ${range.intervalS} AS n FROM (${panel('Redactions')}) GROUP BY rule`);
    expect(redactions.map((r) => r.rule)).toEqual(['ip']);
    const issues = await rows<{ title: string; service: string; events: number; status: string }>(gateway, panel('Issues'));
    expect(issues).toEqual([expect.objectContaining({ title: 'payment failed for order <int>', service: 'shop', status: 'new' })]);
    expect(Number(issues[0].events)).toBe(1);
    const sessions = await rows<{ id: string; installation_id: string }>(gateway, panel('Debug sessions'));
    expect(sessions).toEqual([expect.objectContaining({ id: 'ds_test', installation_id: 'inst-1' })]);
  });
});

describe('the overview dashboard\'s SDK panels', () => {
  const overview = dashboards.find((d) => d.json.uid === 'otelhouse-overview')!.json;
  const panel = (title: string) => expand(overview.panels.find((p) => p.title.startsWith(title))!.targets[0]!.rawSql, []);

  it('show the clients reporting, their queue depth and what they dropped, from the SDK\'s own reports', async () => {
    // A client whose queue is too small for what it makes: it drops the oldest, and says so.
    const client = await sdk.init({ endpoint: gateway.url, service: 'shop-web', dataDir: sdkDir.dir, maxQueueBytes: 20_000, batchDelayMs: 60_000, healthReportIntervalMs: 0, handleProcessEvents: false });
    for (let i = 0; i < 500; i++) sdk.log('info', 'browsing', { i, filler: 'x'.repeat(200) });
    client.reportHealth();
    const dropped = sdk.health().dropped.overflow;
    expect(dropped).toBeGreaterThan(0);
    expect(await sdk.flush(20_000)).toBe(true);
    const clients = await rows<{ clients: string }>(gateway, `SELECT sum(clients) AS clients FROM (${panel('SDK clients reporting')})`);
    expect(Number(clients[0]!.clients)).toBe(1);
    const depth = await rows<{ worst: number }>(gateway, `SELECT max(worst) AS worst FROM (${panel('SDK queue depth')})`);
    expect(Number(depth[0]!.worst)).toBeGreaterThan(10);
    const drops = await rows<{ reason: string; records: string }>(gateway, `SELECT reason, sum(records) AS records FROM (${panel('SDK records dropped')}) GROUP BY reason`);
    expect(drops.map((d) => [d.reason, Number(d.records)])).toEqual([['overflow', dropped]]);
  });
});
