import { createServer, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.ts';
import { createGateway } from '../src/gateway.ts';
import { createLogger } from '../src/ops/logger.ts';
import { tempDataDir } from './support/gateway.ts';

// No ClickHouse server can run here, and we do not fake one. This only shows that with
// OTELHOUSE_CLICKHOUSE_URL set, the same code path talks HTTP to that URL (ClickHouse's HTTP
// interface: the SQL in the body, credentials in headers) instead of starting the embedded engine.
const seen: Array<{ url: string; headers: IncomingMessage['headers']; body: string }> = [];
const server = createServer((req, res) => {
  let body = '';
  req.on('data', (d) => (body += d));
  req.on('end', () => {
    seen.push({ url: req.url ?? '', headers: req.headers, body });
    res.writeHead(503, { 'content-type': 'text/plain' }).end('Code: 999. DB::Exception: not a ClickHouse server');
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('OTELHOUSE_CLICKHOUSE_URL', () => {
  it('sends the start-up queries to the ClickHouse HTTP interface at that URL, with the configured credentials', async () => {
    const data = tempDataDir();
    const config = validateConfig({
      dataDir: data.dir,
      port: 0,
      logLevel: 'silent',
      clickhouse: { url, username: 'otel', password: 'secret', database: 'telemetry' },
    });
    // An answer that is not ClickHouse's (a proxy's 503) is waited out, as an unreachable server is.
    const gateway = await createGateway(config, { logger: createLogger(config) });
    expect(gateway.storeNotReady).toMatch(/not a ClickHouse server/);
    await gateway.shutdown();
    expect(seen.length).toBeGreaterThan(0);
    const first = seen[0];
    expect(first.body + decodeURIComponent(first.url)).toMatch(/version\(\)|CREATE|SELECT/i);
    expect(first.headers.authorization).toBe(`Basic ${Buffer.from('otel:secret').toString('base64')}`);
    data.remove();
  });
});
