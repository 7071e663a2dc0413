import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { bearerChecker, bearerIdentifier, setAdmin, tokenName } from '../http/auth.ts';
import type { AuthConfig, ReceiverConfig } from './config.ts';
import { formatOf, sendStatus } from './otlpRoutes.ts';

/**
 * The HTTP server shell: raw-body parsing for every content type (the OTLP routes decode bodies
 * themselves, after decompression), bearer-token checks on `/v1/*` (ingest) and `/api/*` (admin),
 * and OTLP-shaped errors for anything fastify itself refuses (e.g. a body over the limit).
 */
export function createServer(config: { receiver: ReceiverConfig; auth: AuthConfig }, logger: FastifyServerOptions['loggerInstance']): FastifyInstance {
  const app = Fastify({
    loggerInstance: logger,
    // A compressed body can never usefully exceed the decompressed limit (gzip of incompressible data adds ~0.1%).
    bodyLimit: config.receiver.maxRequestBytes + 64 * 1024,
    logController: new LogController({ disableRequestLogging: true }),
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  }) as unknown as FastifyInstance;

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

  const ingestAllowed = bearerChecker(config.auth.ingestTokens);
  const adminTokens = config.auth.adminTokens.map(tokenName);
  const identifyAdmin = bearerIdentifier(adminTokens);
  app.addHook('onRequest', async (request, reply) => {
    // The route that matched, not the raw URL: the router decodes `%61pi` to `api` and ignores
    // what raw-prefix checks would miss. Unmatched requests (404s) fall back to the decoded path.
    const path = request.routeOptions.url ?? decodedPath(request.url);
    if (path.startsWith('/v1/') && !ingestAllowed(request.headers.authorization)) {
      return sendStatus(reply.header('www-authenticate', 'Bearer'), formatOf(request.headers['content-type']), 401, 'missing or invalid ingest token');
    }
    if (path.startsWith('/api/') && adminTokens.length > 0) {
      const admin = identifyAdmin(request.headers.authorization);
      if (admin !== undefined) setAdmin(request, admin);
      else return reply
        .code(401)
        .header('www-authenticate', 'Bearer')
        .type('application/problem+json')
        .send({ type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'missing or invalid admin token' });
    }
  });

  app.setErrorHandler((err: Error & { statusCode?: number }, request, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 600 ? err.statusCode : 500;
    if (status >= 500) request.log.error({ err }, 'request failed');
    if (request.url.startsWith('/v1/')) {
      const message = status === 413 ? `request body exceeds ${config.receiver.maxRequestBytes} bytes` : status >= 500 ? 'internal error' : err.message;
      return sendStatus(reply, formatOf(request.headers['content-type']), status, message);
    }
    return reply
      .code(status)
      .type('application/problem+json')
      .send({ type: 'about:blank', title: status >= 500 ? 'Internal Server Error' : 'Bad Request', status, detail: status >= 500 ? 'internal error' : err.message });
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
