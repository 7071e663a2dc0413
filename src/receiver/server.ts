import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { bearerIdentifier, setAdmin, tokenName } from '../http/auth.ts';
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
export function createServer(config: { receiver: ReceiverConfig; auth: AuthConfig }, logger: FastifyServerOptions['loggerInstance']): FastifyInstance {
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

  registerCors(app, config);
  const checkIngest = ingestAuth(config.auth);
  const adminTokens = config.auth.adminTokens.map(tokenName);
  const identifyAdmin = bearerIdentifier(adminTokens);
  app.addHook('onRequest', async (request, reply) => {
    // The route that matched, not the raw URL: the router decodes `%61pi` to `api` and ignores
    // what raw-prefix checks would miss. Unmatched requests (404s) fall back to the decoded path.
    const path = request.routeOptions.url ?? decodedPath(request.url);
    const refusal = path.startsWith('/v1/') ? checkIngest(request, path) : undefined;
    if (refusal !== undefined) {
      if (refusal.status === 401) reply.header('www-authenticate', 'Bearer');
      return isOtlpPath(path)
        ? sendStatus(reply, formatOf(request.headers['content-type']), refusal.status, refusal.message)
        : sendProblem(reply, refusal.status, refusal.message);
    }
    if (path.startsWith('/api/') && adminTokens.length > 0) {
      const admin = identifyAdmin(request.headers.authorization);
      if (admin === undefined) return sendProblem(reply.header('www-authenticate', 'Bearer'), 401, 'missing or invalid admin token');
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

/** The request path, percent-decoded; an undecodable path is returned raw (the router 404s it). */
function decodedPath(url: string): string {
  const path = url.split('?', 1)[0]!;
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
