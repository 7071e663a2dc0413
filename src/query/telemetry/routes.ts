/**
 * otelhouse's own read API under `/api/` (admin token): log search, trace search by plain
 * parameters (for scripts that do not speak TraceQL; the same engine as `/api/search`), and the
 * records behind an issue or a debug session. A trace by id is the Tempo endpoint
 * (`/api/v2/traces/:id`, OTLP JSON), so the two never disagree.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';

import { validate } from '../../http/body.ts';
import { docs } from '../../http/openapi.ts';
import { ApiError, sendApiError } from '../../http/problem.ts';
import { controlTableNames } from '../../storage/clickhouse/schema/options.ts';
import { DEBUG_SESSION_ATTRIBUTE } from '../../storage/clickhouse/schema/ttl.ts';
import { CursorError } from '../../storage/clickhouse/cursor.ts';
import { checkRange, instant, pageCursor, pageLimit } from '../params.ts';
import { Params } from '../tempo/conditions.ts';
import { durationParam } from '../tempo/params.ts';
import { TraceReader } from '../tempo/reader.ts';
import type { SpanCondition } from '../tempo/traceql.ts';
import { LogReader } from './logs.ts';

export interface TelemetryRouteOptions {
  client: ClickHouseClient;
  database: string;
  /** Default `otel_traces`. */
  tracesTable?: string;
  /** Default `otel_logs`. */
  logsTable?: string;
}


const SEVERITIES: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, warning: 13, error: 17, fatal: 21 };
const severity = z.string().max(10).describe('this severity and above: 1–24 or trace, debug, info, warn, error, fatal').transform((text, ctx) => {
  const n = /^\d{1,2}$/.test(text) ? Number(text) : SEVERITIES[text.toLowerCase()];
  if (n === undefined || n < 1 || n > 24) {
    ctx.addIssue({ code: 'custom', message: 'must be 1–24 or one of trace, debug, info, warn, error, fatal' });
    return z.NEVER;
  }
  return n;
});
const text = z.string().min(1).max(1000);
const hexId = (n: number) => z.string().regex(new RegExp(`^[0-9a-fA-F]{${n}}$`), `must be ${n} hexadecimal digits`).transform((s) => s.toLowerCase());

const logsQuery = z.strictObject({
  service: text.optional(), severity: severity.optional(), text: text.optional(),
  from: instant.optional(), to: instant.optional(), traceId: hexId(32).optional(), spanId: hexId(16).optional(),
  limit: pageLimit(100, 1000), cursor: pageCursor.optional(),
});
const tracesQuery = z.strictObject({
  service: text.optional(), name: text.optional(), status: z.enum(['error', 'ok', 'unset']).optional(),
  minDuration: z.string().max(40).optional(), maxDuration: z.string().max(40).optional(),
  from: instant.optional(), to: instant.optional(), limit: pageLimit(20, 500),
});

const fingerprintParam = z.strictObject({ fingerprint: z.string().min(1).max(512) });
const issueRecordsQuery = z.strictObject({ limit: pageLimit(20, 200) });
const sessionParam = z.strictObject({ id: z.string().min(1).max(128) });
const sessionRecordsQuery = z.strictObject({
  from: instant.optional(), to: instant.optional(), limit: pageLimit(100, 1000), cursor: pageCursor.optional(),
  traces: pageLimit(20, 500).describe('most traces to return (first page only)'),
});

const MAX_ATTRIBUTE_FILTERS = 20;
const ATTRIBUTE_FILTERS = `Also \`attr.<key>=<value>\` (up to ${MAX_ATTRIBUTE_FILTERS}): records with that attribute, of the record or its resource, equal to the value.`;

/** Splits `attr.<key>=value` parameters from the rest; each key once. */
function attributeParams(query: Record<string, unknown>): { rest: Record<string, unknown>; attributes: [string, string][] } {
  const rest: Record<string, unknown> = {};
  const attributes: [string, string][] = [];
  for (const [name, value] of Object.entries(query)) {
    if (!name.startsWith('attr.')) {
      rest[name] = value;
      continue;
    }
    const key = name.slice(5);
    if (!key || key.length > 256) throw new ApiError(400, 'attribute filters are attr.<key>=<value>', name);
    if (typeof value !== 'string') throw new ApiError(400, `${name} must be given once`, name);
    attributes.push([key, value]);
  }
  if (attributes.length > MAX_ATTRIBUTE_FILTERS) throw new ApiError(400, `at most ${MAX_ATTRIBUTE_FILTERS} attribute filters`, 'attr');
  return { rest, attributes };
}

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof CursorError) return sendApiError(reply, new ApiError(400, err.message, 'cursor'));
  return sendApiError(reply, err);
}

const and = (conditions: SpanCondition[]): SpanCondition =>
  conditions.reduce<SpanCondition>((left, right) => (left.kind === 'all' ? right : { kind: 'and', left, right }), { kind: 'all' });

/** Registers `/api/logs`, `/api/traces`, `/api/issues/:fingerprint/records` and `/api/debug-sessions/:id/records`. */
export function registerTelemetryRoutes(app: FastifyInstance, options: TelemetryRouteOptions): void {
  const traces = new TraceReader(options);
  const logs = new LogReader(options.client, options.database, options.logsTable);
  const errorEvents = `\`${options.database.replace(/`/g, '``')}\`.\`${controlTableNames.errorEvents}\``;

  app.get('/api/logs', docs({
    summary: 'Search logs, newest first', tag: 'read', query: logsQuery, description: ATTRIBUTE_FILTERS,
    answers: { 200: '`{ logs, nextCursor }`' },
  }), async (request, reply) => {
    try {
      const { rest, attributes } = attributeParams(request.query as Record<string, unknown>);
      const q = validate(logsQuery, rest);
      checkRange(q.from, q.to);
      return await logs.search({
        service: q.service, minSeverity: q.severity, text: q.text, attributes, fromMs: q.from, toMs: q.to,
        traceIds: q.traceId ? [q.traceId] : undefined, spanId: q.spanId, limit: q.limit, cursor: q.cursor,
      });
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/traces', docs({
    summary: 'Search traces by plain parameters (the engine behind the TraceQL search)', tag: 'read', query: tracesQuery,
    description: `\`minDuration\`/\`maxDuration\`: a duration such as \`100ms\`, \`1.5s\` or nanoseconds. ${ATTRIBUTE_FILTERS}`,
    answers: { 200: '`{ traces }`, as the Tempo search shapes them' },
  }), async (request, reply) => {
    try {
      const { rest, attributes } = attributeParams(request.query as Record<string, unknown>);
      const q = validate(tracesQuery, rest);
      checkRange(q.from, q.to);
      const conditions: SpanCondition[] = [];
      if (q.service) conditions.push({ kind: 'compare', field: { kind: 'intrinsic', name: 'service' }, op: '=', value: { kind: 'string', value: q.service } });
      if (q.name) conditions.push({ kind: 'compare', field: { kind: 'intrinsic', name: 'name' }, op: '=', value: { kind: 'string', value: q.name } });
      if (q.status) conditions.push({ kind: 'compare', field: { kind: 'intrinsic', name: 'status' }, op: '=', value: { kind: 'status', value: q.status } });
      for (const [key, value] of attributes) {
        conditions.push({ kind: 'compare', field: { kind: 'attribute', scope: 'any', key }, op: '=', value: { kind: 'string', value } });
      }
      const found = await traces.search({ kind: 'spanset', condition: and(conditions) }, {
        startNs: q.from === undefined ? undefined : BigInt(q.from) * 1_000_000n,
        endNs: q.to === undefined ? undefined : BigInt(q.to) * 1_000_000n,
        limit: q.limit, spansPerSpanSet: 3,
        minDurationNs: durationParam(rest, 'minDuration'), maxDurationNs: durationParam(rest, 'maxDuration'),
        attributeKeys: attributes.map(([key]) => key),
      });
      return { traces: found };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/issues/:fingerprint/records', docs({
    summary: "An issue's latest events with their traces and the logs of those traces", tag: 'read', params: fingerprintParam, query: issueRecordsQuery,
    answers: { 200: '`{ events, traces, logs }`' }, problems: { 404: 'no stored events for this issue' },
  }), async (request, reply) => {
    try {
      const { fingerprint } = validate(fingerprintParam, request.params);
      const q = validate(issueRecordsQuery, request.query);
      const p = new Params();
      const result = await options.client.query({
        query: `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano, EventId AS eventId, TraceId AS traceId, SpanId AS spanId
          FROM ${errorEvents} WHERE Fingerprint = ${p.bind(fingerprint, 'String')} ORDER BY Timestamp DESC LIMIT ${p.bind(q.limit, 'UInt32')}`,
        format: 'JSONEachRow', query_params: p.values,
      });
      const events = await result.json<{ timeUnixNano: string; eventId: string; traceId: string; spanId: string }>();
      if (!events.length) throw new ApiError(404, 'no stored events for this issue', 'fingerprint');
      const traceIds = [...new Set(events.map((e) => e.traceId).filter(Boolean))];
      const [summaries, related] = await Promise.all([
        traces.summarize(traceIds),
        traceIds.length ? logs.search({ traceIds, limit: 200 }) : Promise.resolve({ logs: [], nextCursor: null }),
      ]);
      return { events, traces: summaries, logs: related.logs };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/debug-sessions/:id/records', docs({
    summary: 'The traces and logs a debug session captured', tag: 'read', params: sessionParam, query: sessionRecordsQuery,
    answers: { 200: '`{ traces, logs, nextCursor }` (traces on the first page only)' },
  }), async (request, reply) => {
    try {
      const { id } = validate(sessionParam, request.params);
      const q = validate(sessionRecordsQuery, request.query);
      checkRange(q.from, q.to);
      const session: SpanCondition = { kind: 'compare', field: { kind: 'attribute', scope: 'resource', key: DEBUG_SESSION_ATTRIBUTE }, op: '=', value: { kind: 'string', value: id } };
      const [found, page] = await Promise.all([
        q.cursor ? Promise.resolve([]) : traces.search({ kind: 'spanset', condition: session }, {
          startNs: q.from === undefined ? undefined : BigInt(q.from) * 1_000_000n, endNs: q.to === undefined ? undefined : BigInt(q.to) * 1_000_000n,
          limit: q.traces, spansPerSpanSet: 3,
        }),
        logs.search({ resourceAttributes: [[DEBUG_SESSION_ATTRIBUTE, id]], fromMs: q.from, toMs: q.to, limit: q.limit, cursor: q.cursor }),
      ]);
      return { traces: found, logs: page.logs, nextCursor: page.nextCursor };
    } catch (err) {
      return fail(reply, err);
    }
  });
}
