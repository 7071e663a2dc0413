import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * Checks `Authorization: Bearer <token>` against a set of tokens in constant time: both sides are
 * hashed to fixed-length digests first, so neither the content nor the length of a configured
 * token leaks through timing. Returns true when no tokens are configured (auth off).
 */
export function bearerChecker(tokens: readonly string[]): (authorization: string | undefined) => boolean {
  if (tokens.length === 0) return () => true;
  const digests = tokens.map(digest);
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === undefined) return false;
    const presented = digest(token);
    let ok = false;
    // No early exit: every configured token is compared.
    for (const d of digests) ok = timingSafeEqual(d, presented) || ok;
    return ok;
  };
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return authorization ? /^Bearer\s+(\S+)\s*$/i.exec(authorization)?.[1] : undefined;
}
