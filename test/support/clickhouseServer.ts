import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';

/**
 * The real ClickHouse engine (chDB) behind ClickHouse's HTTP interface, for tests of the gateway's
 * server mode (`clickhouse.url`): no ClickHouse server can run here, and a fake would prove nothing.
 * It serves what `@clickhouse/client` sends — the query in the body or the `query` parameter, the
 * data of an insert in the body, settings and `param_*` values as URL parameters — and answers
 * errors as a server does (`Code: N. DB::Exception: …`, non-200), so the client reads them as
 * `ClickHouseError`s. A Native insert body goes through a file, as the embedded block store does.
 */
export interface ClickHouseHttpServer {
  url: string;
  /** A client on the engine itself, to read what arrived. */
  client: ClickHouseClient;
  close(): Promise<void>;
}

/** Parameters of the HTTP interface that are not settings. */
const notSettings = new Set(['query', 'query_id', 'database', 'session_id', 'role', 'user', 'password']);

export async function startClickHouseHttp(dataDir: string, port: number): Promise<ClickHouseHttpServer> {
  const connection = createChdbConnection({ path: join(dataDir, 'clickhouse') });
  const client = createClient({ connection } as never);
  const server: Server = createServer((req, res) => {
    handle(req).then(
      (body) => res.writeHead(200, { 'content-type': 'text/plain; charset=UTF-8' }).end(body),
      (err: { code?: string; type?: string; message?: string }) => {
        const code = Number(err.code) || 1001;
        res
          .writeHead(500, { 'content-type': 'text/plain; charset=UTF-8', 'x-clickhouse-exception-code': String(code) })
          .end(`Code: ${code}. DB::Exception: ${err.message ?? String(err)}. (${err.type ?? 'STD_EXCEPTION'}) (version 25.8.1.1)\n`);
      },
    );
  });

  async function handle(req: IncomingMessage): Promise<Buffer | string> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname === '/ping') return 'Ok.\n';
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const settings: Record<string, string> = {};
    const sets: string[] = [];
    for (const [key, value] of url.searchParams) {
      // Query parameters as the server takes them: their text form, parsed by the parameter's type.
      if (key.startsWith('param_')) sets.push(`SET ${key} = '${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`);
      else if (!notSettings.has(key)) settings[key] = value;
    }
    const prefix = sets.length ? `${sets.join('; ')}; ` : '';
    const query = url.searchParams.get('query');
    if (query === null) {
      const result = await connection.exec({ query: prefix + body.toString('utf8'), clickhouse_settings: settings as never, query_id: 'shim' });
      return readAll(result.stream);
    }
    if (/\bFORMAT\s+Native\s*$/i.test(query)) {
      const file = join(dataDir, `insert-${randomBytes(6).toString('hex')}.native`);
      await writeFile(file, body);
      try {
        const sql = query.replace(/\bFORMAT\s+Native\s*$/i, `SELECT * FROM file('${file}', 'Native')`);
        await connection.command({ query: prefix + sql, clickhouse_settings: settings as never, query_id: 'shim' });
      } finally {
        await rm(file, { force: true });
      }
      return '';
    }
    const result = await connection.exec({ query: prefix + query, values: Readable.from([body]), clickhouse_settings: settings as never, query_id: 'shim' });
    return readAll(result.stream);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    client,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await client.close();
    },
  };
}

async function readAll(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}
