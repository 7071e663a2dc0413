import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../http/problem.ts';
import type { GatewayMetrics } from './metrics.ts';

interface Deps {
  metrics: GatewayMetrics;
  /** False once shutdown began. */
  accepting(): boolean;
  /** Why the store (ClickHouse, connected and migrated) is not ready; undefined when it is. */
  storeNotReady(): string | undefined;
  /** What `/api/status` reports (schema, drift, the write-ahead log's backlog). */
  status(): Record<string, unknown>;
  /** The backlog: acknowledged rows not yet in ClickHouse. */
  backlog(): { rows: number; bytes: number };
  /** Resolves true once everything acknowledged before the call is in ClickHouse, false after `timeoutMs`. */
  flush(timeoutMs: number): Promise<boolean>;
}

/** Longest `POST /api/flush` waits by default, ms. */
const defaultFlushTimeoutMs = 30_000;

/**
 * The operator's routes: `GET /healthz` (live: 200 while accepting data, into the write-ahead log
 * even while ClickHouse is unreachable), `GET /readyz` (ready: 200 only when the store is connected
 * and migrated, else 503 with a problem body saying why), `GET /metrics` (Prometheus),
 * `GET /api/status` and `POST /api/flush` (admin: returns once everything acknowledged before the
 * call is in ClickHouse; `?timeoutMs=` bounds the wait, 503 with the backlog when it runs out).
 */
export function registerOpsRoutes(app: FastifyInstance, deps: Deps): void {
  app.get('/healthz', async (_request, reply) =>
    deps.accepting() ? reply.send({ status: 'ok', backlog: deps.backlog() }) : reply.code(503).send({ status: 'shutting down' }),
  );
  app.get('/readyz', async (_request, reply) => {
    if (!deps.accepting()) return sendProblem(reply, 503, 'shutting down');
    const notReady = deps.storeNotReady();
    if (notReady !== undefined) return sendProblem(reply.header('retry-after', '5'), 503, `ClickHouse is not ready: ${notReady}`, { backlog: deps.backlog() });
    return reply.send({ status: 'ready', backlog: deps.backlog() });
  });
  app.get('/metrics', async (_request, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.text()));
  app.get('/api/status', async () => deps.status());
  app.post('/api/flush', async (request, reply) => {
    const raw = (request.query as Record<string, string | undefined>).timeoutMs;
    const timeoutMs = raw === undefined ? defaultFlushTimeoutMs : Number(raw);
    if (!Number.isInteger(timeoutMs) || timeoutMs <= 0 || timeoutMs > 600_000) {
      return sendProblem(reply, 400, 'timeoutMs must be an integer number of milliseconds between 1 and 600000', { field: 'timeoutMs' });
    }
    const started = Date.now();
    if (await deps.flush(timeoutMs)) return reply.send({ flushed: true, tookMs: Date.now() - started, backlog: deps.backlog() });
    return sendProblem(reply.header('retry-after', '5'), 503, `not everything acknowledged before the call reached ClickHouse within ${timeoutMs} ms`, { backlog: deps.backlog() });
  });
}

/** Routes that need no store: the operator's own, and the Tempo data source's connection checks. */
const storeFree = new Set(['/api/status', '/api/flush', '/api/echo', '/api/status/buildinfo', '/api/openapi.json']);

/**
 * Until the store is ready, routes that read or change stored state — the admin and query API under
 * `/api/`, and `/v1/config` (whose policies are not loaded yet: a default answer could miss a kill
 * switch) — answer 503 with `Retry-After` and why, instead of failing one by one. Runs after the
 * server's token checks, so only an authorized caller learns why.
 */
export function requireStore(app: FastifyInstance, notReady: () => string | undefined): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.routeOptions.url;
    if (path === undefined || !(path === '/v1/config' || (path.startsWith('/api/') && !storeFree.has(path)))) return;
    const reason = notReady();
    if (reason !== undefined) return sendProblem(reply.header('retry-after', '5'), 503, `ClickHouse is not ready: ${reason}`);
  });
}
