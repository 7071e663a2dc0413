/**
 * `GET /v1/config` (ingest token): the effective configuration of the calling client — collection
 * policies merged, plus its active debug session — for SDKs to poll. Answers carry a strong ETag
 * (the hash of the canonical JSON); a matching `If-None-Match` gets 304 with no body. Resolution is
 * cached per identity and invalidated when policies or sessions change, so a poll costs a map
 * lookup. `Cache-Control: private, no-cache`: an SDK (or a cache in between) may keep the answer but
 * must revalidate on every poll, so a new session or kill switch reaches it at the next poll.
 */
import type { FastifyInstance } from 'fastify';

import { sendProblem } from '../http/problem.ts';
import { emptyIdentity, IDENTITY_ALIASES, MAX_IDENTITY_VALUE_LENGTH, IDENTITY_ATTRIBUTES, IDENTITY_FIELDS, normalizeIdentity, type ClientIdentity } from './policies/identity.ts';
import type { ConfigResolver } from './policies/resolve.ts';

/** Longest identity value accepted, characters. */
const MAX_VALUE_LENGTH = MAX_IDENTITY_VALUE_LENGTH;

/** A query parameter that is not a single string of at most 256 characters. */
export class IdentityParamError extends Error {
  constructor(readonly field: string) {
    super(`${field}: must be given once, as text of at most ${MAX_VALUE_LENGTH} characters`);
  }
}

/**
 * The client identity from `/v1/config` query parameters: the resource attribute names
 * (`service.name`, `service.version`, `app.installation.id`, `device.id`, `user.id`, `session.id`,
 * `telemetry.sdk.language`, `deployment.environment.name`, `otelhouse.release.channel`,
 * `geo.country.iso_code`) or the short aliases `platform`, `environment`, `channel`, `country`.
 * Other parameters are ignored, so newer SDKs can send more. Throws {@link IdentityParamError}.
 */
export function identityFromQuery(query: Record<string, unknown>): ClientIdentity {
  const identity = emptyIdentity();
  const read = (name: string): string | undefined => {
    const v = query[name];
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || v.length > MAX_VALUE_LENGTH) throw new IdentityParamError(name);
    return v;
  };
  for (const [alias, field] of Object.entries(IDENTITY_ALIASES)) {
    const v = read(alias);
    if (v !== undefined) identity[field] = v;
  }
  for (const field of IDENTITY_FIELDS) {
    const v = read(IDENTITY_ATTRIBUTES[field]);
    if (v !== undefined) identity[field] = v;
  }
  return normalizeIdentity(identity);
}

/** Whether an `If-None-Match` header names `etag` (weak comparison, as RFC 9110 §13.1.2 asks; `*` matches). */
export function ifNoneMatch(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  for (const part of header.split(',')) {
    const tag = part.trim();
    if (tag === '*' || tag === etag || (tag.startsWith('W/') && tag.slice(2) === etag)) return true;
  }
  return false;
}

/** Registers `GET /v1/config` (the server's `/v1/` hook checks the ingest token). */
export function registerClientConfigRoute(app: FastifyInstance, deps: { resolver: Pick<ConfigResolver, 'resolve'> }): void {
  app.get('/v1/config', async (request, reply) => {
    let identity: ClientIdentity;
    try {
      identity = identityFromQuery(request.query as Record<string, unknown>);
    } catch (err) {
      if (err instanceof IdentityParamError) return sendProblem(reply, 400, err.message, { field: err.field });
      throw err;
    }
    const resolved = deps.resolver.resolve(identity);
    reply.header('etag', resolved.etag).header('cache-control', 'private, no-cache');
    if (ifNoneMatch(request.headers['if-none-match'], resolved.etag)) return reply.code(304).send();
    return reply.type('application/json; charset=utf-8').send(resolved.body);
  });
}
