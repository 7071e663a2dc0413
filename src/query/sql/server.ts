/**
 * The read-only ClickHouse HTTP interface on the embedded store: `GET /ping`, queries by
 * `GET /?query=` and `POST /`, ClickHouse's headers, errors and compression, so Grafana's
 * ClickHouse data source, `@clickhouse/client`, DBeaver and `curl` work unchanged.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createGunzip, createInflate, gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import type { Readable } from 'node:stream';
import type { ClickHouseClient } from '../../storage/clickhouse/client.ts';
import { authenticate, type SqlUser } from './auth.ts';
import type { SqlLimits } from './config.ts';
import { SqlError, fromEngine } from './errors.ts';
import { contentType } from './formats.ts';
import { createGate } from './gate.ts';
import { createQueryGuard } from './guard.ts';
import { readRequest } from './request.ts';
import { createRunner, type Runner } from './run.ts';

export interface SqlServerOptions {
  /** The gateway's client (the embedded engine's one session, shared with ingest). */
  client: ClickHouseClient;
  /** The database readers see; unqualified table names resolve to it. */
  database: string;
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  users: SqlUser[];
  /**
   * Tenants' readers: each realm's users see its database only, through a client of its own (an
   * embedded engine's session has one current database, which unqualified names resolve to).
   */
  realms?: { client: ClickHouseClient; database: string; users: SqlUser[] }[];
  limits: SqlLimits;
  logger?: { info(obj: object, msg?: string): void; warn(obj: object, msg?: string): void };
}

export interface SqlServer {
  url: string;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);

export async function startSqlServer(options: SqlServerOptions): Promise<SqlServer> {
  const { client, database, users, limits, logger } = options;
  if (users.length === 0 && !LOOPBACK.has(options.host)) {
    throw new Error(`sql.host = ${JSON.stringify(options.host)}: with no sql.users (OTELHOUSE_SQL_USERS=name:password) the SQL endpoint binds loopback only (127.0.0.1, ::1, localhost), as user default has no password`);
  }
  const gate = createGate(limits.maxConcurrentQueries, limits.maxQueuedQueries);
  const runnerOf = async (realm: { client: ClickHouseClient; database: string }, scoped: boolean) => {
    await useDatabase(realm.client, realm.database);
    const guard = await createQueryGuard(realm.client, realm.database, limits, scoped);
    // One gate for every realm: they share the engine.
    return createRunner({ client: realm.client, database: realm.database, guard, gate, limits });
  };
  const runner = await runnerOf({ client, database }, false);
  const realms = options.realms ?? [];
  const runners = new Map<string, Runner>();
  for (const realm of realms) {
    const own = await runnerOf(realm, true);
    for (const user of realm.users) runners.set(user.name, own);
  }
  const everyone = realms.length ? [...users, ...realms.flatMap((r) => r.users)] : users;
  const route = (name: string) => runners.get(name) ?? runner;
  const timezone = 'UTC';
  const server = createServer((req, res) => {
    handle(req, res, route, everyone, limits, timezone).catch((err: unknown) => {
      logger?.warn({ err: (err as Error).message }, 'sql endpoint request failed');
      if (!res.headersSent) sendError(res, fromEngine(err), undefined);
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const url = `http://${host}:${port}`;
  logger?.info({ url, users: everyone.length === 0 ? ['default'] : everyone.map((u) => u.name) }, 'SQL endpoint (ClickHouse HTTP, read-only) listening');
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      })),
  };
}

/** Unqualified names resolve to the session's current database; the gateway itself always qualifies its tables. */
async function useDatabase(client: ClickHouseClient, database: string): Promise<void> {
  const rows = await (await client.query({ query: 'SELECT currentDatabase() AS db', format: 'JSONEachRow' })).json<{ db: string }>();
  if (rows[0]?.db !== database) await client.command({ query: `USE \`${database}\`` });
}

async function handle(req: IncomingMessage, res: ServerResponse, route: (user: string) => Runner, users: SqlUser[], limits: SqlLimits, timezone: string): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/ping' || url.pathname === '/replicas_status' || (url.pathname === '/' && req.method === 'GET' && !url.searchParams.has('query'))) {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=UTF-8' }).end('Ok.\n');
    return;
  }
  const queryId = url.searchParams.get('query_id') ?? undefined;
  if (url.pathname !== '/') return sendError(res, new SqlError(0, 'HTTP_NOT_FOUND', `There is no handle ${url.pathname}`), queryId, 404);
  try {
    const runner = route(authenticate(req.headers, url.searchParams, users));
    const request = readRequest(url.searchParams, limits);
    const body = req.method === 'POST' ? await readBody(req, limits.maxQueryBytes) : '';
    const text = request.query && body ? `${request.query}\n${body}` : request.query || body;
    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const result = await runner.run(text, request, abort.signal);
    const encoding = request.compress ? pickEncoding(req.headers['accept-encoding']) : undefined;
    const payload = encoding ? compress(result.body, encoding) : result.body;
    res.writeHead(200, {
      'Content-Type': contentType(result.format),
      'X-ClickHouse-Format': result.format,
      'X-ClickHouse-Query-Id': result.queryId,
      'X-ClickHouse-Timezone': timezone,
      'X-ClickHouse-Summary': JSON.stringify(result.summary),
      'X-ClickHouse-Server-Display-Name': 'otelhouse',
      ...(encoding ? { 'Content-Encoding': encoding, Vary: 'Accept-Encoding' } : {}),
      'Content-Length': payload.length,
    });
    res.end(payload);
  } catch (err) {
    sendError(res, fromEngine(err), queryId);
  }
}

function sendError(res: ServerResponse, err: SqlError, queryId: string | undefined, status = err.status): void {
  const body = err.body;
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=UTF-8',
    'X-ClickHouse-Exception-Code': String(err.code),
    ...(queryId ? { 'X-ClickHouse-Query-Id': queryId } : {}),
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

/** The body as text, gunzipped or inflated as `Content-Encoding` says, refused past `max` bytes. */
async function readBody(req: IncomingMessage, max: number): Promise<string> {
  const encoding = String(req.headers['content-encoding'] ?? '').toLowerCase();
  let stream: Readable = req;
  if (encoding === 'gzip') stream = req.pipe(createGunzip());
  else if (encoding === 'deflate') stream = req.pipe(createInflate());
  else if (encoding && encoding !== 'identity') throw SqlError.of('BAD_ARGUMENTS', `Unknown HTTP request compression ${encoding}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    size += (chunk as Buffer).length;
    if (size > max) {
      req.resume();
      throw SqlError.of('SYNTAX_ERROR', `Syntax error: Max query size exceeded (${max} bytes)`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function pickEncoding(accept: string | undefined): 'gzip' | 'deflate' | 'br' | undefined {
  const offered = (accept ?? '').toLowerCase().split(',').map((s) => s.trim().split(';')[0]);
  return offered.includes('gzip') ? 'gzip' : offered.includes('deflate') ? 'deflate' : offered.includes('br') ? 'br' : undefined;
}

function compress(body: Buffer, encoding: 'gzip' | 'deflate' | 'br'): Buffer {
  return encoding === 'gzip' ? gzipSync(body) : encoding === 'deflate' ? deflateSync(body) : brotliCompressSync(body);
}
