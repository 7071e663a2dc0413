import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { docs } from '../http/openapi.ts';
import { sendProblem } from '../http/problem.ts';
import type { GatewayMetrics } from './metrics.ts';

interface ProbeDeps {
  metrics: GatewayMetrics;
  /** False once shutdown began. */
  accepting(): boolean;
  /** Why the store (ClickHouse, connected and migrated) is not ready; undefined when it is. */
  storeNotReady(): string | undefined;
  /** The backlog: acknowledged rows not yet in ClickHouse. */
  backlog(): { rows: number; bytes: number };
}

interface StatusDeps {
  /** What `/api/status` reports (schema, drift, the write-ahead log's backlog). */
  status(): Record<string, unknown>;
  /** The backlog: acknowledged rows not yet in ClickHouse. */
  backlog(): { rows: number; bytes: number };
  /** Resolves true once everything acknowledged before the call is in ClickHouse, false after `timeoutMs`. */
  flush(timeoutMs: number): Promise<boolean>;
}

/** Longest `POST /api/flush` waits by default, ms. */
const defaultFlushTimeoutMs = 30_000;

const flushQuery = z.object({
  timeoutMs: z.coerce.number().int().min(1).max(600_000).default(defaultFlushTimeoutMs).describe('how long to wait at most, ms'),
});

const routeDocs = {
  healthz: docs({
    summary: "Liveness: 200 while the gateway accepts data, with the write-ahead log's backlog", tag: 'operations',
    answers: { 200: '`{ status: "ok", backlog: { rows, bytes } }`', 503: '`{ status: "shutting down" }`' },
  }),
  readyz: docs({
    summary: 'Readiness: 200 once the store is connected and migrated', tag: 'operations',
    answers: { 200: '`{ status: "ready", backlog: { rows, bytes } }`' },
    problems: { 503: 'ClickHouse not ready (the reason, the backlog; `Retry-After`) or shutting down' },
  }),
  metrics: docs({ summary: 'Prometheus metrics', tag: 'operations', answers: { 200: 'the Prometheus text format' }, text: 'text/plain' }),
  status: docs({
    summary: "Schema version, drift report and the write-ahead log's backlog per table", tag: 'operations',
    answers: { 200: '`{ schemaVersion, checksumMismatches, drift, retention, wal }`' },
  }),
  flush: docs({
    summary: 'Wait until everything acknowledged before the call is in ClickHouse', tag: 'operations', query: flushQuery,
    answers: { 200: '`{ flushed: true, tookMs, backlog }`' },
    problems: { 503: 'not flushed within `timeoutMs`: the problem carries the `backlog`; `Retry-After`' },
  }),
};

/**
 * The operator's routes: `GET /healthz` (live: 200 while accepting data, into the write-ahead log
 * even while ClickHouse is unreachable), `GET /readyz` (ready: 200 only when the store is connected
 * and migrated, else 503 with a problem body saying why), `GET /metrics` (Prometheus),
 * `GET /api/status` and `POST /api/flush` (admin: returns once everything acknowledged before the
 * call is in ClickHouse; `?timeoutMs=` bounds the wait, 503 with the backlog when it runs out).
 */
export function registerOpsRoutes(app: FastifyInstance, deps: ProbeDeps): void {
  app.get('/healthz', routeDocs.healthz, async (_request, reply) =>
    deps.accepting() ? reply.send({ status: 'ok', backlog: deps.backlog() }) : reply.code(503).send({ status: 'shutting down' }),
  );
  app.get('/readyz', routeDocs.readyz, async (_request, reply) => {
    if (!deps.accepting()) return sendProblem(reply, 503, 'shutting down');
    const notReady = deps.storeNotReady();
    if (notReady !== undefined) return sendProblem(reply.header('retry-after', '5'), 503, `ClickHouse is not ready: ${notReady}`, { backlog: deps.backlog() });
    return reply.send({ status: 'ready', backlog: deps.backlog() });
  });
  app.get('/metrics', routeDocs.metrics, async (_request, reply) => reply.type(deps.metrics.registry.contentType).send(await deps.metrics.text()));
}

/** `GET /api/status` and `POST /api/flush`: one tenant's store (see {@link registerOpsRoutes}). */
export function registerStatusRoutes(app: FastifyInstance, deps: StatusDeps): void {
  app.get('/api/status', routeDocs.status, async () => deps.status());
  app.post('/api/flush', routeDocs.flush, async (request, reply) => {
    const query = flushQuery.safeParse(request.query);
    if (!query.success) {
      return sendProblem(reply, 400, 'timeoutMs must be an integer number of milliseconds between 1 and 600000', { field: 'timeoutMs' });
    }
    const { timeoutMs } = query.data;
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
