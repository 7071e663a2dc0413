/**
 * Query-string pieces shared by the API's list routes: instants, page sizes and cursors.
 * Everything here rejects with a 400 naming the field. (The actor a change is recorded under is
 * `actorOf` in `src/http/auth.ts`.)
 */

import { z } from 'zod';

import { ApiError } from '../http/problem.ts';

/** The latest instant the stores hold (`DateTime64(9)` ends in April 2262). */
const MAX_MS = Date.UTC(2262, 0, 1);

/**
 * `status=a,b` over a fixed set of statuses, with aliases that stand for several (`unresolved`);
 * parsed to the distinct statuses, or `undefined` (no filter) when the list is empty.
 */
export function statusList<S extends string>(statuses: readonly S[], aliases: Readonly<Record<string, readonly S[]>> = {}) {
  const known = [...statuses, ...Object.keys(aliases)];
  return z
    .string()
    .max(200)
    .describe(`comma-separated, any of: ${known.join(', ')}`)
    .transform((text, ctx) => {
      const out = new Set<S>();
      for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
        const expanded = aliases[part] ?? ((statuses as readonly string[]).includes(part) ? [part as S] : undefined);
        if (expanded === undefined) {
          ctx.addIssue({ code: 'custom', message: `unknown status ${JSON.stringify(part.slice(0, 40))}; expected ${known.join(', ')}` });
          return z.NEVER;
        }
        expanded.forEach((status) => out.add(status));
      }
      return out.size ? [...out] : undefined;
    });
}

/** An instant as ISO 8601 (with a zone or `Z`) or as integer milliseconds since the epoch; parsed to ms. */
export const instant = z
  .string()
  .max(40)
  .describe('an ISO 8601 time with a zone (`2024-05-01T12:00:00Z`) or milliseconds since the epoch')
  .transform((text, ctx) => {
    const ms = /^\d{1,16}$/.test(text) ? Number(text) : /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2}))?$/.test(text) ? Date.parse(text) : NaN;
    if (!Number.isFinite(ms) || ms < 0 || ms > MAX_MS) {
      ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time or milliseconds since the epoch, between 1970 and 2262' });
      return z.NEVER;
    }
    return ms;
  });

/** A page size: 1–`max`, default `fallback`. */
export const pageLimit = (fallback = 50, max = 500) => z.coerce.number().int().min(1).max(max).default(fallback);

/** An opaque cursor from a previous page. */
export const pageCursor = z.string().min(1).max(2048).describe("the previous page's `nextCursor`");

/** Refuses `from` after `to`. */
export function checkRange(fromMs: number | undefined, toMs: number | undefined, from = 'from', to = 'to'): void {
  if (fromMs !== undefined && toMs !== undefined && fromMs > toMs) throw new ApiError(400, `${from} is after ${to}`, from);
}
