/**
 * `GET /v1/config` (ingest token): the effective configuration of the calling client — collection
 * policies merged, plus its active debug session — for SDKs to poll. Answers carry a strong ETag
 * (the hash of the canonical JSON); a matching `If-None-Match` gets 304 with no body. Resolution is
 * cached per identity and invalidated when policies or sessions change, so a poll costs a map
 * lookup. `Cache-Control: private, no-cache`: an SDK (or a cache in between) may keep the answer but
 * must revalidate on every poll, so a new session or kill switch reaches it at the next poll.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import { docs } from '../http/openapi.ts';
import { sendProblem } from '../http/problem.ts';
import { emptyIdentity, IDENTITY_ALIASES, MAX_IDENTITY_VALUE_LENGTH, IDENTITY_ATTRIBUTES, IDENTITY_FIELDS, normalizeIdentity, type ClientIdentity } from './policies/identity.ts';
import type { ConfigResolver } from './policies/resolve.ts';

/** Longest identity value accepted, characters. */
const MAX_VALUE_LENGTH = MAX_IDENTITY_VALUE_LENGTH;

/** A query parameter that is unknown, repeated or over-long; `field` names it. */
export class IdentityParamError extends Error {
  constructor(
    readonly field: string,
    message = `${field}: must be given once, as text of at most ${MAX_VALUE_LENGTH} characters`,
  ) {
    super(message);
  }
}

const value = z.string().max(MAX_VALUE_LENGTH);

/**
 * The parameters of `GET /v1/config`: the resource attribute names (`service.name`,
 * `service.version`, `app.installation.id`, `device.id`, `user.id`, `session.id`,
 * `telemetry.sdk.language`, `deployment.environment.name`, `otelhouse.release.channel`,
 * `geo.country.iso_code`) and the short aliases `platform`, `environment`, `channel`, `country`
 * (the attribute name wins when both are given), and `token` (a browser's client token, checked by
 * the server's `/v1/` hook). Any other name is refused: a misspelt one (`service_name`) would
 * otherwise get the default config and miss a kill switch.
 */
export const clientConfigQuery = z.strictObject({
  token: z.string().max(256).optional().describe('a client token (`auth.clientTokens`), for browsers that send no Authorization header'),
  ...Object.fromEntries(IDENTITY_FIELDS.map((field) => [IDENTITY_ATTRIBUTES[field], value.optional()])),
  ...Object.fromEntries(Object.entries(IDENTITY_ALIASES).map(([alias, field]) => [alias, value.optional().describe(`the same as \`${IDENTITY_ATTRIBUTES[field]}\``)])),
});

/** Every parameter name {@link clientConfigQuery} takes. */
const PARAMETER_NAMES = Object.keys(clientConfigQuery.shape);

/** The client identity from `/v1/config` query parameters ({@link clientConfigQuery}). Throws {@link IdentityParamError}. */
export function identityFromQuery(query: Record<string, unknown>): ClientIdentity {
  const checked = clientConfigQuery.safeParse(query);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    if (issue.code === 'unrecognized_keys') {
      const names = issue.keys.map((name) => JSON.stringify(name.slice(0, 100))).join(', ');
      throw new IdentityParamError(issue.keys[0]!, `unknown parameter${issue.keys.length > 1 ? 's' : ''} ${names}; /v1/config takes ${PARAMETER_NAMES.join(', ')}`);
    }
    throw new IdentityParamError(String(issue.path[0]));
  }
  const params = checked.data as Record<string, string | undefined>;
  const identity = emptyIdentity();
  for (const [alias, field] of Object.entries(IDENTITY_ALIASES)) {
    const v = params[alias];
    if (v !== undefined) identity[field] = v;
  }
  for (const field of IDENTITY_FIELDS) {
    const v = params[IDENTITY_ATTRIBUTES[field]];
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
  app.get('/v1/config', docs({
    summary: "A client's effective collection config: policies merged, its active debug session", tag: 'client config', query: clientConfigQuery,
    description: 'For SDKs to poll. A strong `ETag`; `If-None-Match` with it gets 304. `Cache-Control: private, no-cache`. An unknown parameter is a 400 naming it.',
    answers: { 200: '`{ telemetryEnabled, minLogLevel, sampling, sdk, sdkFromPolicies, debugSession, policies, redaction }` (`sdkFromPolicies`: the `sdk` settings the matching policies set, the rest being defaults; `redaction`: the rules an SDK applies before queueing, or null)', 304: 'unchanged since the ETag in `If-None-Match`' },
  }), async (request, reply) => {
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
