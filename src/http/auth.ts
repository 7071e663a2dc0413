import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks `Authorization: Bearer <token>` against a set of tokens in constant time: both sides are
 * hashed to fixed-length digests first, so neither the content nor the length of a configured
 * token leaks through timing. Returns true when no tokens are configured (auth off).
 */
export function bearerChecker(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  if (tokens.length === 0) return () => true;
  const identify = bearerIdentifier(tokens.map((token) => ({ name: '', token })));
  return (authorization) => identify(authorization) !== undefined;
}

/** A token and the name it acts under (the audit log's actor). */
export interface NamedToken {
  name: string;
  token: string;
}

/**
 * Like {@link bearerChecker}, but answers which token was presented: its name, or undefined when
 * the header holds none of them. Every configured token is compared, in constant time.
 */
export function bearerIdentifier(tokens: readonly NamedToken[]): (authorization: string | undefined) => string | undefined {
  const digests = tokens.map((t) => ({ name: t.name, digest: digest(t.token) }));
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return undefined;
    const presented = digest(token);
    let found: string | undefined;
    // No early exit: every configured token is compared.
    for (const d of digests) if (timingSafeEqual(d.digest, presented)) found ??= d.name;
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
