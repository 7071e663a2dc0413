/** A gateway with a little telemetry and the SQL endpoint started on its client, for the SQL endpoint tests. */
import type { Gateway } from '../../src/gateway.ts';
import { sqlConfigSchema, startSqlServer, type SqlServer } from '../../src/query/sql/index.ts';
import { startGateway } from './gateway.ts';
import { logsRequest, post, traceRequest } from './payloads.ts';

export const traceA = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1';
export const reader = { name: 'reader', password: 'r3ad:only' };
const ns = (secondsAfter: number, nanos = 0) => (1_700_000_000n * 1_000_000_000n + BigInt(secondsAfter) * 1_000_000_000n + BigInt(nanos)).toString();

export interface SqlFixture {
  gateway: Gateway;
  /** With the user `reader`. */
  server: SqlServer;
  close(): Promise<void>;
}

/** Two spans and two logs of trace A, flushed; the endpoint with `limits` over the defaults. */
export async function startSqlFixture(limits: Record<string, number> = {}): Promise<SqlFixture> {
  const gateway = await startGateway({ processors: [{ type: 'redaction' }, { type: 'sampling' }] });
  const sent = await Promise.all([
    post(gateway.url, '/v1/traces', traceRequest('frontend', [
      { traceId: traceA, spanId: 'a000000000000001', name: 'GET /checkout', start: ns(10), end: ns(10, 50_000_000), attributes: { 'http.route': '/checkout' } },
      { traceId: traceA, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'POST /pay', kind: 3, start: ns(10, 5_000_000), end: ns(10, 45_000_000), status: { code: 2, message: 'card declined' } },
    ])),
    post(gateway.url, '/v1/logs', logsRequest('frontend', [
      { time: ns(10, 1_000), severityNumber: 9, severityText: 'INFO', body: 'checkout started', traceId: traceA, spanId: 'a000000000000001' },
      { time: ns(10, 44_000_000), severityNumber: 17, severityText: 'ERROR', body: 'payment failed', traceId: traceA, spanId: 'a000000000000002' },
    ])),
  ]);
  if (sent.some((r) => r.status !== 200) || !(await gateway.flush())) throw new Error('fixture telemetry was not stored');
  const server = await startSqlServer({
    client: gateway.client,
    database: gateway.config.clickhouse.database,
    host: '127.0.0.1',
    port: 0,
    users: [reader],
    limits: { ...sqlConfigSchema.parse({}), ...limits },
  });
  return { gateway, server, close: async () => { await server.close(); await gateway.shutdown(); } };
}

/** Basic auth for `reader`. */
export const readerAuth = { Authorization: `Basic ${Buffer.from(`${reader.name}:${reader.password}`).toString('base64')}` };

/** POSTs `sql` to the endpoint as `reader`; `params` go in the URL. */
export function sql(server: SqlServer, text: string, params: Record<string, string> = {}, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${server.url}/?${new URLSearchParams(params)}`, { method: 'POST', body: text, headers: { ...readerAuth, ...headers } });
}
