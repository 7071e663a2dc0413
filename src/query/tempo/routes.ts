/**
 * The Tempo-compatible HTTP API at the gateway's root, so Grafana's stock Tempo data source works
 * with its URL set to the gateway: echo, build info, trace by id (protobuf when asked with
 * `Accept: application/protobuf`, OTLP JSON otherwise), TraceQL search, and tag autocomplete.
 * Under `/api/`, these routes take the admin token when admin tokens are configured.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { docs } from '../../http/openapi.ts';
import { ApiError, sendApiError } from '../../http/problem.ts';
import type { SpanCondition, TraceCondition } from './traceql.ts';
import { parseTraceQL, TraceQLError } from './traceql.ts';
import { toResourceSpans } from './otlp.ts';
import { encodeTrace, encodeTraceByIdResponse } from './protobuf.ts';
import {
  durationParam, intParam, searchQuery, tagParams, tagsCondition, tagsQuery, tagValuesQuery, traceIdParam, traceParams, traceQuery, windowParam,
} from './params.ts';
import { TraceReader, type TraceTables } from './reader.ts';
import { INTRINSIC_TAGS, inferType, TagReader, type TagScope, type TagValue } from './tags.ts';

export interface TempoRouteOptions extends TraceTables {
  /** Reported by `/api/status/buildinfo`; Grafana gates features on it (≥ 2.7 turns on what we serve). */
  version?: string;
  /** How long tag names and values are cached, ms; default 30 000. */
  tagCacheTtlMs?: number;
  /** Most cached tag answers; default 500. */
  tagCacheEntries?: number;
}

/** The Tempo version we answer as: the API shapes here follow Tempo 2.7. */
export const TEMPO_COMPAT_VERSION = '2.7.0';
const PROTOBUF = 'application/protobuf';

const wantsProtobuf = (request: FastifyRequest): boolean =>
  (request.headers.accept ?? '').split(',').some((part) => part.split(';')[0]!.trim().toLowerCase() === PROTOBUF);

function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof TraceQLError) return sendApiError(reply, new ApiError(400, `TraceQL: ${err.message}`, 'q'));
  return sendApiError(reply, err);
}

/** The attribute keys a condition names, to return on matched spans as Tempo does. */
function attributeKeys(c: TraceCondition | SpanCondition, out = new Set<string>()): string[] {
  if (c.kind === 'spanset') attributeKeys(c.condition, out);
  else if (c.kind === 'and' || c.kind === 'or') {
    attributeKeys(c.left, out);
    attributeKeys(c.right, out);
  } else if (c.kind === 'compare' && c.field.kind === 'attribute') out.add(c.field.key);
  return [...out];
}

type ValuesFilter = { query: string; condition: SpanCondition };

/**
 * The `q` of a tag-values request (`{resource.service.name="api" && …}`) as a filter when it is one
 * spanset of the supported subset; anything else (Grafana sends partial queries while typing) is
 * ignored, as an autocomplete should.
 */
function valuesFilter(q: unknown): ValuesFilter | undefined {
  if (typeof q !== 'string' || q.length > 4000) return undefined;
  try {
    const tree = parseTraceQL(q);
    return tree.kind === 'spanset' ? { query: q, condition: tree.condition } : undefined;
  } catch {
    return undefined;
  }
}

/** Grafana encodes tag names twice in the path; the router decoded once. */
function tagParam(raw: string): string {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

const tag = 'tempo';
const routeDocs = {
  echo: docs({ summary: 'Tempo echo: the data source checks the URL with it', tag, answers: { 200: '`echo`' }, text: 'text/plain' }),
  buildinfo: docs({ summary: 'Tempo build info: the Tempo version whose API shapes are served', tag, answers: { 200: '`{ version, revision, … }`' } }),
  trace: (v2: boolean) => docs({
    summary: v2 ? 'A trace by id (Tempo v2): `{ trace: { resourceSpans }, status }`' : 'A trace by id (Tempo v1): `{ batches }`', tag,
    params: traceParams, query: traceQuery,
    description: 'OTLP JSON, or protobuf with `Accept: application/protobuf`.',
    answers: { 200: 'the trace' }, problems: { 404: 'no such trace in the time range' },
  }),
  search: docs({
    summary: 'Search traces with TraceQL (or the old `tags=`)', tag, query: searchQuery,
    answers: { 200: '`{ traces, metrics }`' },
  }),
  tags: (v2: boolean) => docs({
    summary: v2 ? 'Tag names by scope (v2): `{ scopes }`' : 'Tag names (v1): `{ tagNames }`', tag, query: tagsQuery, answers: { 200: 'the tag names' },
  }),
  values: (v2: boolean) => docs({
    summary: v2 ? 'Values of a tag (v2): `{ tagValues: [{ type, value }] }`' : 'Values of a tag (v1): `{ tagValues: [value] }`', tag,
    params: tagParams, query: v2 ? tagValuesQuery : traceQuery, answers: { 200: 'the values seen' },
  }),
};

/** Registers the Tempo routes on `app`. */
export function registerTempoRoutes(app: FastifyInstance, options: TempoRouteOptions): void {
  const reader = new TraceReader(options);
  const table = `\`${options.database.replace(/`/g, '``')}\`.\`${(options.tracesTable ?? 'otel_traces').replace(/`/g, '``')}\``;
  const tags = new TagReader(options.client, table, { cacheTtlMs: options.tagCacheTtlMs, cacheEntries: options.tagCacheEntries });
  const version = options.version ?? TEMPO_COMPAT_VERSION;

  app.get('/api/echo', routeDocs.echo, async (_request, reply) => reply.type('text/plain; charset=utf-8').send('echo'));

  app.get('/api/status/buildinfo', routeDocs.buildinfo, async () => ({
    version, revision: 'otelhouse', branch: 'otelhouse', buildUser: 'otelhouse', buildDate: '', goVersion: '',
  }));

  const traceById = (v2: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const id = traceIdParam((request.params as { id: string }).id);
      const rows = await reader.spans(id, windowParam(request.query as Record<string, unknown>));
      if (!rows.length) throw new ApiError(404, `trace ${id} not found`, 'traceID');
      const batches = toResourceSpans(rows);
      if (wantsProtobuf(request)) {
        return reply.type(PROTOBUF).send(Buffer.from(v2 ? encodeTraceByIdResponse(batches) : encodeTrace(batches)));
      }
      return v2 ? { trace: { resourceSpans: batches }, status: 'COMPLETE' } : { batches };
    } catch (err) {
      return fail(reply, err);
    }
  };
  app.get('/api/v2/traces/:id', routeDocs.trace(true), traceById(true));
  app.get('/api/traces/:id', routeDocs.trace(false), traceById(false));

  app.get('/api/search', routeDocs.search, async (request, reply) => {
    try {
      const query = request.query as Record<string, unknown>;
      const q = typeof query.q === 'string' ? query.q : undefined;
      const tagText = typeof query.tags === 'string' ? query.tags : undefined;
      const condition: TraceCondition = q !== undefined && q.trim() !== ''
        ? parseTraceQL(q)
        : { kind: 'spanset', condition: tagText ? tagsCondition(tagText) : { kind: 'all' } };
      const traces = await reader.search(condition, {
        ...windowParam(query),
        limit: intParam(query, 'limit', 20, 1000),
        spansPerSpanSet: intParam(query, 'spss', 3, 1000),
        minDurationNs: durationParam(query, 'minDuration'),
        maxDurationNs: durationParam(query, 'maxDuration'),
        attributeKeys: attributeKeys(condition),
      });
      return { traces, metrics: { inspectedTraces: traces.length, completedJobs: 1, totalJobs: 1 } };
    } catch (err) {
      return fail(reply, err);
    }
  });

  /** `{scopes:[…]}` (v2) or `{tagNames:[…]}` (v1). */
  const tagNames = (v2: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    try {
      const query = request.query as Record<string, unknown>;
      const window = windowParam(query);
      const scope = typeof query.scope === 'string' && query.scope !== '' && query.scope !== 'all' ? query.scope : undefined;
      if (scope !== undefined && !['span', 'resource', 'intrinsic'].includes(scope)) {
        throw new ApiError(400, 'scope must be span, resource, intrinsic or all', 'scope');
      }
      const wanted = (s: string) => scope === undefined || scope === s;
      const [span, resource] = await Promise.all([
        wanted('span') ? tags.names('span', window) : [],
        wanted('resource') ? tags.names('resource', window) : [],
      ]);
      if (!v2) return { tagNames: [...new Set([...resource, ...span])].sort() };
      const scopes = [
        ...(wanted('resource') ? [{ name: 'resource', tags: resource }] : []),
        ...(wanted('span') ? [{ name: 'span', tags: span }] : []),
        ...(wanted('intrinsic') ? [{ name: 'intrinsic', tags: INTRINSIC_TAGS }] : []),
      ];
      return { scopes };
    } catch (err) {
      return fail(reply, err);
    }
  };
  app.get('/api/v2/search/tags', routeDocs.tags(true), tagNames(true));
  app.get('/api/search/tags', routeDocs.tags(false), tagNames(false));

  app.get('/api/v2/search/tag/:tag/values', routeDocs.values(true), async (request, reply) => {
    try {
      const tag = tagParam((request.params as { tag: string }).tag);
      const query = request.query as Record<string, unknown>;
      return { tagValues: await tagValues(tag, windowParam(query), valuesFilter(query.q)) };
    } catch (err) {
      return fail(reply, err);
    }
  });
  app.get('/api/search/tag/:tag/values', routeDocs.values(false), async (request, reply) => {
    try {
      const tag = tagParam((request.params as { tag: string }).tag);
      const window = windowParam(request.query as Record<string, unknown>);
      // v1 tags are unscoped names: an attribute of the span or the resource.
      const values = await tagValues(tag.includes(':') || INTRINSIC_TAGS.includes(tag) ? tag : `.${tag}`, window);
      return { tagValues: values.map((v) => v.value) };
    } catch (err) {
      return fail(reply, err);
    }
  });

  async function tagValues(tag: string, window: ReturnType<typeof windowParam>, filter?: ValuesFilter): Promise<TagValue[]> {
    const keyword = (values: string[]): TagValue[] => values.map((value) => ({ type: 'keyword', value }));
    switch (tag) {
      case 'status': case 'span:status': return keyword(['error', 'ok', 'unset']);
      case 'kind': case 'span:kind': return keyword(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);
      case 'duration': case 'span:duration': return [];
      case 'name': case 'span:name': return (await tags.values({ column: 'SpanName' }, window, filter)).map((value) => ({ type: 'string', value }));
      case 'statusMessage': case 'span:statusMessage': return (await tags.values({ column: 'StatusMessage' }, window, filter)).map((value) => ({ type: 'string', value }));
      case 'resource.service.name': return (await tags.values({ column: 'ServiceName' }, window, filter)).map((value) => ({ type: 'string', value }));
    }
    const scoped = /^(span|resource|)\.(.+)$/.exec(tag);
    if (!scoped) throw new ApiError(400, `unsupported tag ${JSON.stringify(tag)}: use span.<key>, resource.<key>, .<key> or an intrinsic`, 'tag');
    const scope: TagScope | 'any' = scoped[1] === '' ? 'any' : (scoped[1] as TagScope);
    const values = await tags.values({ scope, key: scoped[2]! }, window, filter);
    return values.map((value) => ({ type: inferType(value), value }));
  }
}
