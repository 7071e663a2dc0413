import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { grafanaTraceSearch, grafanaTraceView } from './support/grafanaSql.ts';
import { readNativeBlock } from './support/native.ts';
import { reader, startSqlFixture, traceA, type SqlFixture } from './support/sql.ts';

// The requests Grafana's ClickHouse data source sends with protocol "http": clickhouse-go's HTTP
// transport (conn_http.go) POSTs the SQL as the body, credentials in X-ClickHouse-User/-Key,
// database, default_format=Native and client_protocol_version in the URL, Accept-Encoding: gzip
// (the data source picks gzip for HTTP), and reads Native blocks at that protocol revision. On
// connecting it asks for the server's hello, then pings with SELECT 1; the health check and the
// version check run SELECT version().
const PROTOCOL = '54460';
const from = 'toDateTime(1700000000)';
const to = 'toDateTime(1700000600)';

let fx: SqlFixture;
beforeAll(async () => {
  fx = await startSqlFixture();
});
afterAll(() => fx?.close());

function grafana(query: string): Promise<Response> {
  const params = new URLSearchParams({ client_protocol_version: PROTOCOL, database: 'default', default_format: 'Native' });
  return fetch(`${fx.server.url}/?${params}`, {
    method: 'POST',
    body: query,
    headers: {
      'X-ClickHouse-User': reader.name,
      'X-ClickHouse-Key': reader.password,
      'X-ClickHouse-SSL-Certificate-Auth': 'off',
      'User-Agent': 'clickhouse-go/2.40.1 (lv:go/1.24.4; os:linux) grafana-datasource/4.10.2',
      'Accept-Encoding': 'gzip',
    },
  });
}

async function block(query: string) {
  const res = await grafana(query);
  const body = Buffer.from(await res.arrayBuffer());
  expect(res.status, body.toString()).toBe(200);
  expect(res.headers.get('x-clickhouse-format')).toBe('Native');
  return readNativeBlock(body);
}

describe("Grafana's ClickHouse data source over HTTP", () => {
  it('connects: the server hello comes back as Native at the protocol revision it sent', async () => {
    const hello = await block('SELECT displayName(), version(), revision(), timezone()');
    expect(hello.info).toEqual([1, 0, 2, -1, 0]);
    expect(hello.columns.map((c) => [c.type, c.customSerialization])).toEqual([['String', 0], ['String', 0], ['UInt32', 0], ['String', 0]]);
    expect(hello.columns[1].values![0]).toMatch(/^\d+\.\d+\.\d+/);
    expect(hello.columns[2].values![0]).toBeGreaterThanOrEqual(54454);
  });

  it('pings with SELECT 1 and checks the version with SELECT version()', async () => {
    const ping = await block('SELECT 1');
    expect(ping.columns.map((c) => [c.name, c.values])).toEqual([['1', [1]]]);
    const version = await block('SELECT version()');
    expect(version.columns[0].values![0]).toMatch(/^\d+\.\d+/);
  });

  it('runs the OTel trace search', async () => {
    const found = await block(
      grafanaTraceSearch(from, to),
    );
    expect(found.columns.slice(0, 3).map((c) => [c.name, c.values])).toEqual([['traceID', [traceA]], ['serviceName', ['frontend']], ['operationName', ['GET /checkout']]]);
  });

  it('runs the OTel trace view through otel_traces_trace_id_ts, maps and tuples included', async () => {
    const spans = await block(
      `${grafanaTraceView(traceA)} ORDER BY spanID`,
    );
    expect(spans.rows).toBe(2);
    expect(spans.columns.slice(0, 5).map((c) => c.values)).toEqual([[traceA, traceA], ['a000000000000001', 'a000000000000002'], ['', 'a000000000000001'], ['frontend', 'frontend'], ['GET /checkout', 'POST /pay']]);
  });

  it('runs the OTel logs query and the "View logs" data link query', async () => {
    const logs = await block(
      `SELECT Timestamp as "timestamp", Body as "body", SeverityText as "level", TraceId as "traceID", ResourceAttributes, ScopeAttributes, LogAttributes ` +
        `FROM "default"."otel_logs" WHERE ( timestamp >= ${from} AND timestamp <= ${to} ) ORDER BY timestamp DESC LIMIT 1000`,
    );
    expect(logs.columns.map((c) => c.name)).toEqual(['timestamp']);
    expect(logs.rows).toBe(2);
    const linked = await block(
      `SELECT Body as "body", SeverityText as "level" FROM "default"."otel_logs" WHERE ( Timestamp >= ${from} AND Timestamp <= ${to} ) AND ( TraceId = '${traceA}' ) ORDER BY Timestamp ASC LIMIT 1000`,
    );
    expect(linked.columns.map((c) => c.values)).toEqual([['checkout started', 'payment failed'], ['INFO', 'ERROR']]);
  });

  it('gets a write refused with a ClickHouse error text clickhouse-go parses', async () => {
    const res = await grafana('ALTER TABLE otel_logs DELETE WHERE 1');
    expect([res.status, res.headers.get('x-clickhouse-exception-code')]).toEqual([403, '164']);
    expect(await res.text()).toMatch(/^Code: 164\. DB::Exception: .*\(READONLY\)\n$/);
  });
});
