import { gunzipSync } from 'node:zlib';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createClient as createWebClient } from '@clickhouse/client-web';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSqlServer } from '../src/query/sql/index.ts';
import { sqlConfigSchema } from '../src/query/sql/config.ts';
import { reader, readerAuth, sql, startSqlFixture, traceA, type SqlFixture } from './support/sql.ts';

let fx: SqlFixture;
let client: ClickHouseClient;
beforeAll(async () => {
  fx = await startSqlFixture();
  client = createClient({ url: fx.server.url, username: reader.name, password: reader.password });
});
afterAll(async () => {
  await client?.close();
  await fx?.close();
});

describe('the ClickHouse HTTP protocol', () => {
  it('answers GET /ping with Ok. and needs no credentials for it', async () => {
    const res = await fetch(`${fx.server.url}/ping`);
    expect([res.status, await res.text()]).toEqual([200, 'Ok.\n']);
  });

  it('runs GET /?query= in TabSeparated by default, with ClickHouse headers', async () => {
    const res = await fetch(`${fx.server.url}/?query=${encodeURIComponent('SELECT SpanName, Duration FROM otel_traces ORDER BY SpanName')}&query_id=q-1`, { headers: readerAuth });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('GET /checkout\t50000000\nPOST /pay\t40000000\n');
    expect(res.headers.get('content-type')).toBe('text/tab-separated-values; charset=UTF-8');
    expect(res.headers.get('x-clickhouse-format')).toBe('TabSeparated');
    expect(res.headers.get('x-clickhouse-query-id')).toBe('q-1');
    expect(res.headers.get('x-clickhouse-timezone')).toBe('UTC');
    expect(JSON.parse(res.headers.get('x-clickhouse-summary')!)).toMatchObject({ read_rows: expect.any(String), written_rows: '0' });
  });

  it('joins the query parameter and the POST body with a newline, as ClickHouse does', async () => {
    const res = await sql(fx.server, 'FROM otel_logs WHERE SeverityText = {level:String}', { query: 'SELECT Body', param_level: 'ERROR', default_format: 'CSV' });
    expect([res.status, await res.text(), res.headers.get('x-clickhouse-format')]).toEqual([200, '"payment failed"\n', 'CSV']);
  });

  it('gzips the response when enable_http_compression=1 and the client accepts gzip, not otherwise', async () => {
    const query = { query: 'SELECT count() FROM otel_traces' };
    const plain = await fetch(`${fx.server.url}/?${new URLSearchParams(query)}`, { headers: { ...readerAuth, 'Accept-Encoding': 'gzip' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    const raw = await rawGet(`${fx.server.url}/?${new URLSearchParams({ ...query, enable_http_compression: '1' })}`, { ...readerAuth, 'Accept-Encoding': 'gzip' });
    expect(raw.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(raw.body).toString()).toBe('2\n');
  });

  it.each([
    ['SELEC 1', 400, 62, 'SYNTAX_ERROR'],
    ['SELECT * FROM no_such_table', 404, 60, 'UNKNOWN_TABLE'],
    ['SELECT no_such_function(1)', 404, 46, 'UNKNOWN_FUNCTION'],
    ['SELECT throwIf(1)', 500, 395, 'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO'],
  ])('answers %s with HTTP %i and code %i as ClickHouse does', async (query, status, code, name) => {
    const res = await sql(fx.server, query);
    expect(res.status).toBe(status);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe(String(code));
    expect(await res.text()).toMatch(new RegExp(`^Code: ${code}\\. DB::Exception: .*\\(${name}\\)\\n$`, 's'));
  });

  it('refuses a full queue with 503 TOO_MANY_SIMULTANEOUS_QUERIES', async () => {
    const tight = await startSqlServer({ client: fx.gateway.client, database: 'default', host: '127.0.0.1', port: 0, users: [], limits: { ...sqlConfigSchema.parse({}), maxConcurrentQueries: 1, maxQueuedQueries: 0 } });
    try {
      const slow = 'SELECT count() FROM numbers(200000000) SETTINGS max_threads = 1';
      const answers = await Promise.all([fetch(`${tight.url}/?query=${encodeURIComponent(slow)}`), fetch(`${tight.url}/?query=${encodeURIComponent(slow)}`)]);
      expect(answers.map((r) => r.status).sort()).toEqual([200, 503]);
      const refused = answers.find((r) => r.status === 503)!;
      expect(refused.headers.get('x-clickhouse-exception-code')).toBe('202');
    } finally {
      await tight.close();
    }
  });

  it('stops a query past its limits (max_result_rows, max_execution_time lowered by the reader)', async () => {
    const rows = await sql(fx.server, 'SELECT number FROM numbers(10)', { max_result_rows: '5' });
    expect([rows.status, rows.headers.get('x-clickhouse-exception-code')]).toEqual([500, '396']);
    const time = await sql(fx.server, 'SELECT count() FROM numbers(10000000000)', { max_execution_time: '1' });
    expect(time.headers.get('x-clickhouse-exception-code')).toMatch(/^(159|158)$/);
  });
});

describe('authentication', () => {
  const q = `${'/?query='}${encodeURIComponent('SELECT 1')}`;
  it.each([
    ['basic auth', { Authorization: readerAuth.Authorization }, '', 200],
    ['X-ClickHouse-User / -Key', { 'X-ClickHouse-User': reader.name, 'X-ClickHouse-Key': reader.password }, '', 200],
    ['user / password URL parameters', {}, `&user=${reader.name}&password=${encodeURIComponent(reader.password)}`, 200],
    ['a wrong password', { 'X-ClickHouse-User': reader.name, 'X-ClickHouse-Key': 'nope' }, '', 403],
    ['an unknown user', { Authorization: `Basic ${Buffer.from('admin:r3ad:only').toString('base64')}` }, '', 403],
    ['no credentials (user default) when users are configured', {}, '', 403],
  ])('%s → HTTP %#', async (_, headers, params, status) => {
    const res = await fetch(`${fx.server.url}${q}${params}`, { headers });
    expect(res.status).toBe(status);
    if (status === 403) expect([res.headers.get('x-clickhouse-exception-code'), await res.text()]).toEqual(['516', expect.stringContaining('Authentication failed')]);
  });

  it('with no users configured, lets default in without a password and nobody else', async () => {
    const open = await startSqlServer({ client: fx.gateway.client, database: 'default', host: '127.0.0.1', port: 0, users: [], limits: sqlConfigSchema.parse({}) });
    try {
      expect(await (await fetch(`${open.url}${q}`)).text()).toBe('1\n');
      expect((await fetch(`${open.url}${q}&user=default&password=x`)).status).toBe(403);
    } finally {
      await open.close();
    }
  });

  it('with no users configured, refuses to bind anything but loopback', async () => {
    await expect(startSqlServer({ client: fx.gateway.client, database: 'default', host: '0.0.0.0', port: 0, users: [], limits: sqlConfigSchema.parse({}) })).rejects.toThrow(/loopback only.*OTELHOUSE_SQL_USERS|OTELHOUSE_SQL_USERS.*loopback only/);
  });
});

describe('official clients', () => {
  it('@clickhouse/client reads spans as JSONEachRow, with query parameters', async () => {
    const result = await client.query({ query: 'SELECT SpanName, SpanKind FROM otel_traces WHERE TraceId = {t:String} ORDER BY SpanName', query_params: { t: traceA }, format: 'JSONEachRow' });
    expect(await result.json()).toEqual([{ SpanName: 'GET /checkout', SpanKind: 'Server' }, { SpanName: 'POST /pay', SpanKind: 'Client' }]);
  });

  it('@clickhouse/client reads JSON with meta, CSV and TabSeparatedWithNames', async () => {
    const json = await (await client.query({ query: 'SELECT count() AS n FROM otel_logs', format: 'JSON' })).json<{ meta: unknown[]; data: Array<{ n: string }> }>();
    expect([json.meta, json.data]).toEqual([[{ name: 'n', type: 'UInt64' }], [{ n: '2' }]]);
    expect(await (await client.query({ query: 'SELECT Body FROM otel_logs ORDER BY Timestamp', format: 'CSV' })).text()).toBe('"checkout started"\n"payment failed"\n');
    expect(await (await client.query({ query: 'SELECT SeverityNumber FROM otel_logs ORDER BY 1', format: 'TabSeparatedWithNames' })).text()).toBe('SeverityNumber\n9\n17\n');
  });

  it('@clickhouse/client gets Parquet and Arrow files back', async () => {
    const parquet = await (await client.exec({ query: 'SELECT SpanName, Duration FROM otel_traces FORMAT Parquet' })).stream.toArray();
    const bytes = Buffer.concat(parquet);
    expect([bytes.subarray(0, 4).toString(), bytes.subarray(-4).toString()]).toEqual(['PAR1', 'PAR1']);
    expect(bytes.includes(Buffer.from('GET /checkout'))).toBe(true);
    const arrow = Buffer.concat(await (await client.exec({ query: 'SELECT SpanName FROM otel_traces FORMAT Arrow' })).stream.toArray());
    expect(arrow.subarray(0, 6).toString()).toBe('ARROW1');
  });

  it('@clickhouse/client gets READONLY for a write, and the table is unchanged', async () => {
    await expect(client.command({ query: 'TRUNCATE TABLE otel_logs' })).rejects.toMatchObject({ code: '164', type: 'READONLY' });
    await expect(client.insert({ table: 'otel_logs', values: [{ Body: 'x' }], format: 'JSONEachRow' })).rejects.toMatchObject({ code: '164' });
    expect(await (await client.query({ query: 'SELECT count() AS n FROM otel_logs', format: 'JSONEachRow' })).json()).toEqual([{ n: '2' }]);
  });

  it('@clickhouse/client pings and gzips both ways when asked', async () => {
    const gz = createClient({ url: fx.server.url, username: reader.name, password: reader.password, compression: { request: true, response: true } });
    try {
      expect((await gz.ping()).success).toBe(true);
      expect(await (await gz.query({ query: 'SELECT count() AS n FROM otel_traces', format: 'JSONEachRow' })).json()).toEqual([{ n: '2' }]);
    } finally {
      await gz.close();
    }
  });

  it('@clickhouse/client-web reads JSONEachRow and gets errors with their code', async () => {
    const web = createWebClient({ url: fx.server.url, username: reader.name, password: reader.password });
    try {
      expect(await (await web.query({ query: 'SELECT Body FROM otel_logs ORDER BY Timestamp', format: 'JSONEachRow' })).json()).toEqual([{ Body: 'checkout started' }, { Body: 'payment failed' }]);
      await expect(web.command({ query: 'DROP TABLE otel_logs' })).rejects.toMatchObject({ code: '164' });
    } finally {
      await web.close();
    }
  });
});

/** A GET whose body is read undecoded (fetch would gunzip it). */
async function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  const { get } = await import('node:http');
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c)).on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) })).on('error', reject);
    }).on('error', reject);
  });
}
