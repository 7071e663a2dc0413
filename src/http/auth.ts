import { createHash, timingSafeEqual } from 'node:crypto';

import type { FastifyRequest } from 'fastify';

import { ApiError } from './problem.ts';

/** A token and the name it acts under (the audit log's actor). */
export interface NamedToken {
  name: string;
  token: string;
}

/**
 * Which token an `Authorization: Bearer <token>` header presents: its name, or undefined when it
 * holds none of them. Every configured token is compared in constant time ({@link tokenIdentifier}).
 */
export function bearerIdentifier(tokens: readonly NamedToken[]): (authorization: string | undefined) => string | undefined {
  const identify = tokenIdentifier(tokens);
  return (authorization) => {
    const token = bearerToken(authorization);
    return token === undefined ? undefined : identify(token)?.name;
  };
}

/**
 * Which of `tokens` a presented token is (the first configured with that value), or undefined.
 * Both sides are hashed to fixed-length digests first and every configured token is compared, so
 * neither the content nor the length of a configured token leaks through timing.
 */
export function tokenIdentifier<T extends { token: string }>(tokens: readonly T[]): (token: string) => T | undefined {
  const digests = tokens.map((entry) => ({ entry, digest: digest(entry.token) }));
  return (token) => {
    const presented = digest(token);
    let found: T | undefined;
    // No early exit: every configured token is compared.
    for (const d of digests) if (timingSafeEqual(d.digest, presented)) found ??= d.entry;
    return found;
  };
}

/**
 * The name an admin token acts under: its configured `name`, or `token:` and the first 8 hex digits
 * of its SHA-256 (stable and not secret) for a token given without one.
 */
export function tokenName(entry: string | NamedToken): NamedToken {
  if (typeof entry !== 'string') return entry;
  return { name: `token:${digest(entry).toString('hex').slice(0, 8)}`, token: entry };
}

/** The authenticated admin of each request (set by the server's auth hook). */
const admins = new WeakMap<object, string>();

/** Records which admin token `request` authenticated with. */
export function setAdmin(request: object, name: string): void {
  admins.set(request, name);
}

/** The name of the admin token `request` authenticated with; undefined when admin auth is off. */
export function adminOf(request: object): string | undefined {
  return admins.get(request);
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
}

const ACTOR_HEADER = 'x-otelhouse-actor';
const PRINTABLE = /^[\x21-\x7e](?:[\x20-\x7e]{0,126}[\x21-\x7e])?$/;

/**
 * Who is making a change, as the audit log records it: the name of the admin token the request
 * authenticated with (`auth.adminTokens`; `token:<8 hex>` for a token without a name), or
 * `anonymous` when admin auth is off. An `X-Otelhouse-Actor` header (1–128 printable ASCII
 * characters: a tool acting for a person) is recorded after it as `on behalf of`, never instead of
 * it, so the header cannot hide which token made the change.
 */
export function actorOf(request: FastifyRequest): string {
  const who = adminOf(request) ?? 'anonymous';
  const header = request.headers[ACTOR_HEADER];
  if (header === undefined) return who;
  if (typeof header !== 'string' || !PRINTABLE.test(header)) {
    throw new ApiError(400, 'X-Otelhouse-Actor must be 1–128 printable ASCII characters', 'X-Otelhouse-Actor');
  }
  return `${who} on behalf of ${header}`;
}
