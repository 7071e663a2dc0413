/**
 * Reads traces from `otel_traces` and its trace-ID lookup table `<traces>_trace_id_ts`: a trace by
 * id (no time range needed: the lookup gives its first and last second), trace search for a
 * TraceQL condition, and the summaries search results show.
 */
import type { ClickHouseClient } from '@clickhouse/client';

import { Params, spansets, traceHavingSql } from './conditions.ts';
import { SPAN_COLUMNS, keyValues, type KeyValue, type SpanRow } from './otlp.ts';
import type { TraceCondition } from './traceql.ts';

export interface TraceTables {
  client: ClickHouseClient;
  database: string;
  /** Spans table; default `otel_traces`. The lookup table is `<tracesTable>_trace_id_ts`. */
  tracesTable?: string;
}

/** A time window in ns since the epoch; either end open. */
export interface Window { startNs?: bigint; endNs?: bigint }

export interface SearchOptions extends Window {
  limit: number;
  /** Matching spans returned per trace (Tempo's `spss`). */
  spansPerSpanSet: number;
  /** Trace duration bounds, ns (Tempo's `minDuration` / `maxDuration`). */
  minDurationNs?: bigint;
  maxDurationNs?: bigint;
  /** Attribute keys named in the query, returned on matched spans. */
  attributeKeys?: string[];
}

export interface MatchedSpan { spanID: string; name: string; startTimeUnixNano: string; durationNanos: string; attributes: KeyValue[] }

/** A search hit in Tempo's `TraceSearchMetadata` shape. */
export interface TraceSummary {
  traceID: string;
  rootServiceName: string;
  rootTraceName: string;
  startTimeUnixNano: string;
  durationMs: number;
  spanSets: { spans: MatchedSpan[]; matched: number }[];
  spanSet: { spans: MatchedSpan[]; matched: number };
}

const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
/** Tempo's placeholder when the root span is missing. */
export const NO_ROOT = '<root span not yet received>';

export class TraceReader {
  private readonly client: ClickHouseClient;
  private readonly traces: string;
  private readonly lookup: string;

  constructor(tables: TraceTables) {
    this.client = tables.client;
    const table = tables.tracesTable ?? 'otel_traces';
    this.traces = `${quote(tables.database)}.${quote(table)}`;
    this.lookup = `${quote(tables.database)}.${quote(`${table}_trace_id_ts`)}`;
  }

  private async rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const result = await this.client.query({ query, format: 'JSONEachRow', query_params: params });
    return result.json<T>();
  }

  /** The spans of a trace (lowercase hex id), oldest first; empty when it is not stored. */
  async spans(traceId: string, window: Window = {}): Promise<SpanRow[]> {
    const params = new Params();
    const id = params.bind(traceId, 'String');
    const where = [`TraceId = ${id}`, ...windowSql(window, params),
      // The lookup's seconds bound the scan, so the partitions and the primary key's time part prune.
      `toDateTime(Timestamp) >= (SELECT min(Start) FROM ${this.lookup} WHERE TraceId = ${id})`,
      `toDateTime(Timestamp) <= (SELECT max(End) FROM ${this.lookup} WHERE TraceId = ${id})`];
    return this.rows<SpanRow>(`SELECT ${SPAN_COLUMNS} FROM ${this.traces} WHERE ${where.join(' AND ')} ORDER BY Timestamp, SpanId`, params.values);
  }

  /** Traces matching `condition`, newest first, with their matching spans and summaries. */
  async search(condition: TraceCondition, options: SearchOptions): Promise<TraceSummary[]> {
    const params = new Params();
    const sets = spansets(condition, params);
    const having = traceHavingSql(condition, sets);
    const keys = params.bind(options.attributeKeys ?? [], 'Array(String)');
    const spss = params.bind(options.spansPerSpanSet, 'UInt32');
    const limit = params.bind(options.limit, 'UInt32');
    const where = [`(${sets.join(' OR ')})`, ...windowSql(options, params)];
    const matches = await this.rows<MatchRow>(`SELECT TraceId, count() AS matched,
        groupArray(${spss})((SpanId, SpanName, toString(toUnixTimestamp64Nano(Timestamp)), toString(Duration), ServiceName,
          mapFilter((k, v) -> has(${keys}, k), mapUpdate(ResourceAttributes, SpanAttributes)))) AS spans
      FROM ${this.traces} WHERE ${where.join(' AND ')}
      GROUP BY TraceId HAVING ${having}
      ORDER BY max(Timestamp) DESC LIMIT ${limit}`, params.values);
    if (!matches.length) return [];
    const summaries = await this.summaries(matches.map((m) => m.TraceId));
    const out: TraceSummary[] = [];
    for (const match of matches) {
      const summary = summaries.get(match.TraceId);
      if (!summary) continue;
      const durationNs = BigInt(summary.endNs) - BigInt(summary.startNs);
      if (options.minDurationNs !== undefined && durationNs < options.minDurationNs) continue;
      if (options.maxDurationNs !== undefined && durationNs > options.maxDurationNs) continue;
      const spans = match.spans.map(([spanID, name, start, duration, service, attributes]) => ({
        spanID, name, startTimeUnixNano: start, durationNanos: duration,
        attributes: keyValues({ 'service.name': service, ...attributes }),
      }));
      const spanSet = { spans, matched: Number(match.matched) };
      out.push({
        traceID: match.TraceId,
        rootServiceName: summary.hasRoot ? summary.rootService : NO_ROOT,
        rootTraceName: summary.hasRoot ? summary.rootName : '',
        startTimeUnixNano: summary.startNs,
        durationMs: Math.round(Number(durationNs) / 1e6),
        spanSets: [spanSet],
        spanSet,
      });
    }
    return out;
  }

  /** Summaries (root, start, duration; no matched spans) of the given traces that are stored, in the given order. */
  async summarize(traceIds: string[]): Promise<TraceSummary[]> {
    if (!traceIds.length) return [];
    const found = await this.summaries(traceIds);
    return traceIds.flatMap((id) => {
      const s = found.get(id);
      if (!s) return [];
      const durationNs = BigInt(s.endNs) - BigInt(s.startNs);
      const spanSet = { spans: [], matched: 0 };
      return [{
        traceID: id, rootServiceName: s.hasRoot ? s.rootService : NO_ROOT, rootTraceName: s.hasRoot ? s.rootName : '',
        startTimeUnixNano: s.startNs, durationMs: Math.round(Number(durationNs) / 1e6), spanSets: [], spanSet,
      }];
    });
  }

  /** Root span and bounds of each trace, over all its spans (found through the lookup table). */
  private async summaries(traceIds: string[]): Promise<Map<string, SummaryRow>> {
    const params = new Params();
    const ids = params.bind(traceIds, 'Array(String)');
    const rows = await this.rows<SummaryRow>(`SELECT TraceId,
        toString(toUnixTimestamp64Nano(min(Timestamp))) AS startNs,
        toString(max(toUnixTimestamp64Nano(Timestamp) + Duration)) AS endNs,
        countIf(ParentSpanId = '') > 0 AS hasRoot,
        argMinIf(ServiceName, Timestamp, ParentSpanId = '') AS rootService,
        argMinIf(SpanName, Timestamp, ParentSpanId = '') AS rootName
      FROM ${this.traces}
      WHERE TraceId IN ${ids}
        AND toDateTime(Timestamp) >= (SELECT min(Start) FROM ${this.lookup} WHERE TraceId IN ${ids})
        AND toDateTime(Timestamp) <= (SELECT max(End) FROM ${this.lookup} WHERE TraceId IN ${ids})
      GROUP BY TraceId`, params.values);
    return new Map(rows.map((r) => [r.TraceId, { ...r, hasRoot: Boolean(r.hasRoot) }]));
  }
}

interface MatchRow {
  TraceId: string;
  matched: string | number;
  spans: [string, string, string, string, string, Record<string, string>][];
}
interface SummaryRow { TraceId: string; startNs: string; endNs: string; hasRoot: boolean; rootService: string; rootName: string }

/** Conditions on `Timestamp` for a window. */
export function windowSql(window: Window, params: Params): string[] {
  const out: string[] = [];
  if (window.startNs !== undefined) out.push(`Timestamp >= fromUnixTimestamp64Nano(${params.bind(window.startNs.toString(), 'Int64')})`);
  if (window.endNs !== undefined) out.push(`Timestamp <= fromUnixTimestamp64Nano(${params.bind(window.endNs.toString(), 'Int64')})`);
  return out;
}
