/**
 * Query parameters as Grafana's Tempo data source sends them: trace ids in hex (shorter ones are
 * left-padded, as Tempo does), `start`/`end` in unix seconds, Go durations (`100ms`, `1.5s`), and
 * the old `tags=` logfmt search. Bad input becomes an {@link ApiError} 400 naming the parameter.
 */
import { z } from 'zod';

import { ApiError } from '../../http/problem.ts';
import type { SpanCondition } from './traceql.ts';
import { tokenize, TraceQLError } from './tokens.ts';
import type { Window } from './reader.ts';

/** A trace id as stored: 32 lowercase hex digits. */
export function traceIdParam(raw: string): string {
  if (!/^[0-9a-fA-F]{1,32}$/.test(raw)) throw new ApiError(400, 'trace id must be 1–32 hexadecimal digits', 'traceID');
  return raw.toLowerCase().padStart(32, '0');
}

type Query = Record<string, unknown>;

function single(query: Query, name: string): string | undefined {
  const value = query[name];
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string') throw new ApiError(400, `${name} must be given once`, name);
  return value;
}

/** `start`/`end` (unix seconds) → a window in ns. */
export function windowParam(query: Query): Window {
  const seconds = (name: string): bigint | undefined => {
    const value = single(query, name);
    if (value === undefined) return undefined;
    if (!/^\d{1,11}$/.test(value)) throw new ApiError(400, `${name} must be unix seconds`, name);
    return BigInt(value) * 1_000_000_000n;
  };
  const startNs = seconds('start');
  // `end` is a whole second: include all of it.
  const end = seconds('end');
  const endNs = end === undefined ? undefined : end + 999_999_999n;
  if (startNs !== undefined && endNs !== undefined && startNs > endNs) throw new ApiError(400, 'start is after end', 'start');
  return { startNs, endNs };
}

/** A positive integer parameter within bounds, or `fallback`. */
export function intParam(query: Query, name: string, fallback: number, max: number): number {
  const value = single(query, name);
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!/^\d{1,9}$/.test(value) || n < 1) throw new ApiError(400, `${name} must be a positive integer`, name);
  return Math.min(n, max);
}

/** A Go duration (`100ms`, `1m30s`) or plain nanoseconds → ns. */
export function durationParam(query: Query, name: string): bigint | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  if (/^\d{1,19}$/.test(value)) return BigInt(value);
  try {
    const tokens = tokenize(value);
    if (tokens.length === 2 && tokens[0]!.kind === 'duration') return tokens[0]!.ns!;
  } catch {
    // reported below
  }
  throw new ApiError(400, `${name} must be a duration such as 100ms, 1.5s or 2m`, name);
}

const LOGFMT = /\s*([^\s=]+)=("(?:[^"\\]|\\.)*"|\S*)/y;

/**
 * The old search's `tags=` (logfmt, e.g. `service.name="api" http.status_code=500 error=true`) as a
 * span condition: `service.name` is the service, `name` the span name, `status.code=error` the
 * status, anything else an attribute of the span or resource, compared as text.
 */
export function tagsCondition(logfmt: string): SpanCondition {
  let condition: SpanCondition = { kind: 'all' };
  LOGFMT.lastIndex = 0;
  let rest = logfmt.trim();
  while (rest) {
    LOGFMT.lastIndex = 0;
    const m = LOGFMT.exec(rest);
    if (!m) throw new ApiError(400, 'tags must be logfmt: key=value pairs separated by spaces', 'tags');
    const key = m[1]!;
    let value = m[2]!;
    if (value.startsWith('"')) {
      try {
        value = JSON.parse(value) as string;
      } catch {
        throw new ApiError(400, `tags: bad quoted value for ${key}`, 'tags');
      }
    }
    const next: SpanCondition = key === 'service.name'
      ? { kind: 'compare', field: { kind: 'intrinsic', name: 'service' }, op: '=', value: { kind: 'string', value } }
      : key === 'name'
        ? { kind: 'compare', field: { kind: 'intrinsic', name: 'name' }, op: '=', value: { kind: 'string', value } }
        : key === 'status.code' && ['error', 'ok', 'unset'].includes(value)
          ? { kind: 'compare', field: { kind: 'intrinsic', name: 'status' }, op: '=', value: { kind: 'status', value: value as 'error' } }
          : { kind: 'compare', field: { kind: 'attribute', scope: 'any', key }, op: '=', value: { kind: 'string', value } };
    condition = condition.kind === 'all' ? next : { kind: 'and', left: condition, right: next };
    rest = rest.slice(m[0].length).trim();
  }
  return condition;
}

/*
 * The same parameters as zod schemas, for the OpenAPI document: the parsers above read them, and
 * like Tempo the routes ignore parameters they do not know (Grafana sends more than these).
 */
const seconds = z.string().regex(/^\d{1,11}$/);
const window = {
  start: seconds.optional().describe('start of the time range, unix seconds'),
  end: seconds.optional().describe('end of the time range, unix seconds (the whole second included)'),
};
const duration = z.string().max(40);

/** `:id` of a trace by id. */
export const traceParams = z.object({ id: z.string().regex(/^[0-9a-fA-F]{1,32}$/).describe('the trace id in hex; shorter ids are left-padded with zeros') });
/** The query of a trace by id. */
export const traceQuery = z.object(window);
/** The query of `/api/search`. */
export const searchQuery = z.object({
  q: z.string().optional().describe('a TraceQL query (the supported subset)'),
  tags: z.string().optional().describe('the old search: logfmt `key=value` pairs, e.g. `service.name="api" status.code=error`'),
  ...window,
  limit: z.string().regex(/^\d{1,9}$/).optional().describe('most traces, default 20, at most 1000'),
  spss: z.string().regex(/^\d{1,9}$/).optional().describe('most spans per span set, default 3, at most 1000'),
  minDuration: duration.optional().describe('a Go duration (`100ms`, `1.5s`) or nanoseconds'),
  maxDuration: duration.optional().describe('a Go duration (`100ms`, `1.5s`) or nanoseconds'),
});
/** The query of the tag-name routes. */
export const tagsQuery = z.object({ scope: z.enum(['span', 'resource', 'intrinsic', 'all']).optional(), ...window });
/** `:tag` of the tag-value routes. */
export const tagParams = z.object({ tag: z.string().describe('`span.<key>`, `resource.<key>`, `.<key>` or an intrinsic (`name`, `status`, `kind`…); v1 takes plain keys') });
/** The query of the tag-value routes (`q` only on v2). */
export const tagValuesQuery = z.object({ q: z.string().optional().describe('v2: a TraceQL span set the values are taken from (ignored when it does not parse)'), ...window });

export { TraceQLError };
