import type { IncomingMessage } from 'node:http';
import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { bearerIdentifier, setAdmin, tokenName, type NamedToken } from '../http/auth.ts';
import { DEFAULT_TENANT, TenantRouter } from './tenants.ts';
import { RouteMethods } from '../http/methods.ts';
import { sendProblem } from '../http/problem.ts';
import { ingestAuth, registerCors } from './browser.ts';
import type { AuthConfig, ReceiverConfig } from './config.ts';
import { formatOf, isOtlpPath, sendStatus } from './otlpRoutes.ts';

/**
 * The HTTP server shell: raw-body parsing for every content type (the OTLP routes decode bodies
 * themselves, after decompression), CORS and token checks on `/v1/*` (ingest and client tokens,
 * `browser.ts`) and `/api/*` (admin),
 * and readable errors for anything fastify itself refuses (a body over the limit, an unknown route,
 * a wrong method, a malformed URL): a `google.rpc.Status` in the request's encoding on the OTLP
 * paths, an RFC 9457 problem body everywhere else.
 */
export function createServer(
  config: { receiver: ReceiverConfig; auth: AuthConfig; tenants?: readonly { name: string; auth: AuthConfig }[] },
  logger: FastifyServerOptions['loggerInstance'],
): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    // A compressed body can never usefully exceed the decompressed limit (gzip of incompressible data adds ~0.1%).
    bodyLimit: config.receiver.maxRequestBytes + 64 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    frameworkErrors: (err, _request, reply) => sendProblem(reply, err.statusCode ?? 400, err.message),
  }) as unknown as FastifyInstance;
  const methods = RouteMethods.of(app);

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const tenants = config.tenants ?? [];
  // Every tenant's client tokens' origins are answered: the token then decides the tenant.
  registerCors(app, { receiver: config.receiver, auth: { ...config.auth, clientTokens: [...config.auth.clientTokens, ...tenants.flatMap((t) => t.auth.clientTokens)] } });
  const router = tenants.length ? new TenantRouter(config.auth, tenants) : undefined;
  if (router) app.addConstraintStrategy(tenantConstraint(router));
  const globalAdmins = config.auth.adminTokens.map(tokenName);
  const checks = new Map([
    [DEFAULT_TENANT, tokenChecks(config.auth, [], false)],
    // A tenant's API always needs an admin token, its own or a global one: its ingest tokens open only /v1/*.
    ...tenants.map((t) => [t.name, tokenChecks(t.auth, globalAdmins, true)] as const),
  ]);
  app.addHook('onRequest', async (request, reply) => {
    // The route that matched, not the raw URL: the router decodes `%61pi` to `api` and ignores
    // what raw-prefix checks would miss. Unmatched requests (404s) fall back to the decoded path.
    const path = request.routeOptions.url ?? decodedPath(request.url);
    const refuse = (status: number, message: string) => {
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      return isOtlpPath(path) ? sendStatus(reply, formatOf(request.headers['content-type']), status, message) : sendProblem(reply, status, message);
    };
    const { tenant, refusal: misdirected } = router ? router.of(request.raw) : { tenant: DEFAULT_TENANT, refusal: undefined };
    if (misdirected) return refuse(misdirected.status, misdirected.message);
    // A route of another tenant (one this tenant lacks, matched as the default's) is not there for it.
    const owner = (request.routeOptions.config as { tenant?: string } | undefined)?.tenant;
    if (owner !== undefined && owner !== tenant) return refuse(404, `no route ${request.method} ${path}`);
    const check = checks.get(tenant)!;
    const refusal = path.startsWith('/v1/') ? check.ingest(request, path) : undefined;
    if (refusal !== undefined) return refuse(refusal.status, refusal.message);
    if (path.startsWith('/api/') && check.adminRequired) {
      const admin = check.admin(request.headers.authorization);
      if (admin === undefined) return refuse(401, 'missing or invalid admin token');
      setAdmin(request, admin);
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    const message = status === 413 ? `request body exceeds ${config.receiver.maxRequestBytes} bytes` : status >= 500 ? 'internal error' : err.message;
    if (isOtlpPath(request.routeOptions.url ?? decodedPath(request.url))) return sendStatus(reply, formatOf(request.headers['content-type']), status, message);
    return sendProblem(reply, status, message);
  });

  app.setNotFoundHandler((request, reply) => {
    const path = decodedPath(request.url);
    const shown = path.length > 200 ? `${path.slice(0, 200)}…` : path;
    const allowed = methods.allowed(path);
    if (allowed.length) {
      return sendProblem(reply.header('allow', allowed.join(', ')), 405, `${request.method} is not allowed on ${shown}; it takes ${allowed.join(', ')}`);
    }
    // An OTLP sender at a wrong path reads the answer as a Status.
    const format = formatOf(request.headers['content-type']);
    if (request.method === 'POST' && path.startsWith('/v1/') && format) return sendStatus(reply, format, 404, `no OTLP endpoint at ${shown}`);
    return sendProblem(reply, 404, `no route ${request.method} ${shown}`);
  });

  return app;
}

/** A tenant's token checks: ingest on `/v1/*`, admin on `/api/*` (its own admin tokens and `extraAdmins`). */
function tokenChecks(auth: AuthConfig, extraAdmins: readonly NamedToken[], adminAlways: boolean) {
  const admins = [...auth.adminTokens.map(tokenName), ...extraAdmins];
  return { ingest: ingestAuth(auth), admin: bearerIdentifier(admins), adminRequired: adminAlways || admins.length > 0 };
}

type Strategy = Parameters<FastifyInstance['addConstraintStrategy']>[0];
type RouteHandler = NonNullable<ReturnType<ReturnType<Strategy['storage']>['get']>>;

/**
 * The router's `tenant` constraint: routes registered for a tenant ({@link scopeToTenant}) match
 * only its requests; a request matching none of a path's tenant routes falls to the unconstrained
 * (default tenant's or shared) route, which the auth hook refuses when it belongs to the default.
 */
function tenantConstraint(router: TenantRouter): Strategy {
  return {
    name: 'tenant',
    storage() {
      const handlers = new Map<string, RouteHandler>();
      return { get: (tenant: string) => handlers.get(tenant) ?? null, set: (tenant: string, handler: RouteHandler) => void handlers.set(tenant, handler) };
    },
    deriveConstraint: (req: IncomingMessage) => router.of(req).tenant,
    mustMatchWhenDerived: false,
  };
}

/**
 * Makes every route registered in `scope` (an encapsulated plugin) a route of `tenant`: the auth
 * hook refuses it to any other tenant's request, and (`constrained`, for all but the default
 * tenant, whose routes stay the unconstrained ones) the router matches it only for the tenant's
 * requests. The copies are left out of the OpenAPI document, which shows the default's.
 */
export function scopeToTenant(scope: FastifyInstance, tenant: string, constrained: boolean): void {
  scope.addHook('onRoute', (route) => {
    route.config = { ...(route.config as object | undefined), tenant } as typeof route.config;
    if (constrained) {
      route.constraints = { ...route.constraints, tenant };
      route.schema = { ...route.schema, hide: true } as typeof route.schema;
    }
  });
}

/** The request path, percent-decoded; an undecodable path is returned raw (the router 404s it). */
function decodedPath(url: string): string {
  const path = url.split('?', 1)[0]!;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
