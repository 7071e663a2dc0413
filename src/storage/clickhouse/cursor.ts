/**
 * Opaque page cursors: the sort key and tie-breaker of the last item of a page, as base64url JSON.
 * They are checked strictly when read back, since they come from clients.
 */

/** A cursor a client sent that this code did not make. */
export class CursorError extends Error {}

/** Encodes the last item's sort key (an integer, as decimal text) and its tie-breaker id. */
export function encodeCursor(key: string, id: string): string {
  return Buffer.from(JSON.stringify([key, id]), 'utf8').toString('base64url');
}

const INT64 = /^-?\d{1,19}$/;

/** Decodes {@link encodeCursor}'s output; throws {@link CursorError} for anything else. */
export function decodeCursor(cursor: string): { key: string; id: string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new CursorError('cursor is not one this API returned');
  }
  if (!Array.isArray(value) || value.length !== 2) throw new CursorError('cursor is not one this API returned');
  const [key, id] = value as unknown[];
  if (typeof key !== 'string' || !INT64.test(key) || typeof id !== 'string' || id.length > 1024) {
    throw new CursorError('cursor is not one this API returned');
  }
  const n = BigInt(key);
  if (n > 2n ** 63n - 1n || n < -(2n ** 63n)) throw new CursorError('cursor is not one this API returned');
  return { key, id };
}
