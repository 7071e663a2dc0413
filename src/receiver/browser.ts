import type { FastifyInstance, FastifyRequest } from 'fastify';

import { bearerToken, tokenIdentifier } from '../http/auth.ts';
import { sendProblem } from '../http/problem.ts';
import type { AuthConfig, ReceiverConfig } from './config.ts';
import { RateLimiter } from './protection/rateLimit.ts';

/**
 * What browsers need of the gateway: CORS on `/v1/*` for allowed origins, and browser-safe client
 * tokens (`auth.clientTokens`), which a page's source shows and which therefore open only
 * {@link BROWSER_PATHS}, only from their own origins, rate-limited per installation.
 */

/** What a browser SDK sends to and reads: the only paths a client token opens. */
export const BROWSER_PATHS: readonly string[] = ['/v1/traces', '/v1/logs', '/v1/config'];

/** Response headers a page's script may read: the config's `ETag`, and `Retry-After` of a 429 or 503. */
const EXPOSED_HEADERS = 'ETag, Retry-After';

/**
 * A test for `Origin` values against patterns: an exact origin (`https://shop.example.com`, as
 * browsers send it: scheme, host, port), any subdomain (`https://*.example.com`, not the bare
 * domain), or `*`. Patterns are lower case (the config lower-cases them); so is the origin tested.
 */
export function originMatcher(patterns: readonly string[]): (origin: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.includes('*')));
  const wildcards = patterns
    .filter((p) => p.includes('://*.'))
    .map((p) => {
      const [scheme, rest] = p.split('://*.') as [string, string];
      return { prefix: `${scheme}://`, suffix: `.${rest}` };
    });
  return (origin) => {
    const o = origin.toLowerCase();
    if (exact.has(o)) return true;
    return wildcards.some(({ prefix, suffix }) => {
      if (!o.startsWith(prefix) || !o.endsWith(suffix)) return false;
      const sub = o.slice(prefix.length, o.length - suffix.length);
      return /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(sub);
    });
  };
}

/** A client token as the receiver uses it: its name, its origins, its per-installation limit. */
export interface ClientToken {
  name: string;
  allows: (origin: string) => boolean;
  limiter: RateLimiter;
}

const clients = new WeakMap<object, ClientToken>();

/** The client token a request was admitted with (set by {@link ingestAuth}); undefined for others. */
export function clientOf(request: object): ClientToken | undefined {
  return clients.get(request);
}

/** Why a `/v1/*` request is refused: 401 (no valid token) or 403 (a token not allowed there). */
export interface IngestRefusal {
  status: 401 | 403;
  message: string;
}

/**
 * The origin of the page a browser request comes from: its `Origin`; or, for a request the browser
 * says it sent from the page's own origin (`Sec-Fetch-Site: same-origin`, e.g. a GET of
 * `/v1/config` through a same-origin proxy in front of the gateway), which carries no `Origin`, the
 * origin of its `Referer`. Neither proves anything against a sender that is not a browser: a client
 * token is public, and its origins keep other sites' pages out.
 */
function pageOrigin(headers: FastifyRequest['headers']): string | undefined {
  if (typeof headers.origin === 'string') return headers.origin;
  if (headers['sec-fetch-site'] !== 'same-origin' || typeof headers.referer !== 'string') return undefined;
  try {
    const origin = new URL(headers.referer).origin;
    return origin === 'null' ? undefined : origin;
  } catch {
    return undefined;
  }
}

/**
 * The ingest check of `/v1/*`. A client token (`?token=` or Bearer) is admitted on
 * {@link BROWSER_PATHS} from a matching `Origin`, and remembered for the per-installation limit;
 * any other token must be an ingest token in the `Authorization` header (a secret in a URL ends up
 * in proxy logs). With no ingest or client token configured, everything is admitted.
 */
export function ingestAuth(auth: AuthConfig): (request: FastifyRequest, path: string) => IngestRefusal | undefined {
  const required = auth.ingestTokens.length + auth.clientTokens.length > 0;
  const ingest = tokenIdentifier(auth.ingestTokens.map((token) => ({ token })));
  const client = tokenIdentifier(
    auth.clientTokens.map((t) => ({
      token: t.token,
      client: {
        name: t.name,
        allows: originMatcher(t.origins),
        limiter: new RateLimiter([{ key: 'app.installation.id', recordsPerSecond: t.recordsPerSecondPerInstallation, burst: t.burst }]),
      },
    })),
  );
  return (request, path) => {
    const query = queryToken(request.url);
    const token = query ?? bearerToken(request.headers.authorization);
    if (token === undefined) return required ? { status: 401, message: 'missing ingest token: send Authorization: Bearer <ingest token>, or ?token=<client token> from a browser' } : undefined;
    const found = client(token)?.client;
    if (found !== undefined) {
      if (!BROWSER_PATHS.includes(path)) return { status: 403, message: `client token "${found.name}" may only send spans and logs and read /v1/config` };
      const origin = pageOrigin(request.headers);
      if (origin === undefined) return { status: 403, message: `client token "${found.name}" is for browsers and the request has no Origin (nor, sent from the page's own origin, a Referer); server-side senders use an ingest token` };
      if (!found.allows(origin)) return { status: 403, message: `origin ${shorten(origin)} is not allowed for client token "${found.name}"` };
      clients.set(request, found);
      return undefined;
    }
    if (!required) return undefined;
    if (query !== undefined) return { status: 401, message: 'invalid client token in ?token= (it takes client tokens only; ingest tokens go in Authorization: Bearer)' };
    return ingest(token) ? undefined : { status: 401, message: 'missing or invalid ingest token' };
  };
}

/**
 * CORS on `/v1/*` (`receiver.cors`, plus every client token's origins): a preflight from an allowed
 * origin gets 204 with the methods, headers and `Max-Age`; from another, a 403 problem. Every answer
 * to an allowed origin carries `Access-Control-Allow-Origin` and exposes `ETag` and `Retry-After`.
 * No credentials (cookies) are ever allowed. Registered before the auth hook: a preflight carries no token.
 */
export function registerCors(app: FastifyInstance, config: { receiver: ReceiverConfig; auth: AuthConfig }): void {
  const { cors } = config.receiver;
  const allowed = originMatcher([...cors.allowedOrigins, ...config.auth.clientTokens.flatMap((t) => t.origins)]);
  const allowHeaders = ['Content-Type', 'Content-Encoding', 'Authorization', 'If-None-Match', 'X-Otelhouse-Batch', ...cors.allowedHeaders].join(', ');
  app.addHook('onRequest', async (request, reply) => {
    const origin = request.headers.origin;
    if (typeof origin !== 'string' || !request.url.startsWith('/v1/')) return;
    reply.header('vary', 'Origin');
    const ok = allowed(origin);
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      if (!ok) return sendProblem(reply, 403, `origin ${shorten(origin)} is not allowed: add it to receiver.cors.allowedOrigins or a client token's origins`);
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-methods', 'GET, POST');
      reply.header('access-control-allow-headers', allowHeaders);
      reply.header('access-control-max-age', String(cors.maxAgeSeconds));
      // Chrome's Private Network Access: a public page reaching a gateway on a private address.
      if (request.headers['access-control-request-private-network'] === 'true') reply.header('access-control-allow-private-network', 'true');
      return reply.code(204).send();
    }
    if (ok) reply.header('access-control-allow-origin', origin).header('access-control-expose-headers', EXPOSED_HEADERS);
  });
}

/** The `token` query parameter; '' (never a valid token) when given more than once. */
export function queryToken(url: string): string | undefined {
  const q = url.indexOf('?');
  if (q < 0) return undefined;
  const values = new URLSearchParams(url.slice(q + 1)).getAll('token');
  if (values.length === 0) return undefined;
  return values.length === 1 ? values[0] : '';
}

function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
