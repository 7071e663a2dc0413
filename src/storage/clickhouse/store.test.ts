import { createServer } from 'node:http';
import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { clickhouseRowStore } from './store.ts';

// A stand-in for ClickHouse's HTTP interface that records what it is sent; the embedded engine's
// side of the same store is covered by rows.test.ts.
const seen: Array<{ query: string | null; body: Buffer }> = [];
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => {
    seen.push({ query: new URL(req.url ?? '', 'http://x').searchParams.get('query'), body: Buffer.concat(chunks) });
    res.writeHead(200, { 'content-type': 'text/plain' }).end();
  });
});
let url = '';
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the row store over HTTP', () => {
  it('sends the rows as the UTF-8 bytes of the body, with the deduplication token in the query', async () => {
    const client = createClient({ url });
    const body = '{"Body":"héllo \\"😀\\" \u2028 中文 \\u0000"}\n'.repeat(3);
    await clickhouseRowStore(client, 'otel').insert('otel_logs', body, 'token-1');
    await client.close();
    expect(seen).toHaveLength(1);
    expect(seen[0].body.equals(Buffer.from(body, 'utf8'))).toBe(true);
    expect(seen[0].query).toBe("INSERT INTO `otel`.`otel_logs` SETTINGS insert_deduplication_token = 'token-1' FORMAT JSONEachRow");
  });
});
