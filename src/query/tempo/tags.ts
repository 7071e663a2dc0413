/**
 * Autocomplete for Grafana's Tempo data source: attribute names by scope and the values of one
 * attribute or intrinsic, read from `otel_traces` within a time window and kept briefly in a
 * bounded cache (Grafana asks for the same values several times as a trace view opens).
 */
import type { ClickHouseClient } from '@clickhouse/client';

import { Params, spanConditionSql } from './conditions.ts';
import type { SpanCondition } from './traceql.ts';
import { windowSql, type Window } from './reader.ts';

/** Intrinsics Tempo lists under the `intrinsic` scope. */
export const INTRINSIC_TAGS = ['duration', 'kind', 'name', 'status', 'statusMessage'];
const MAX_NAMES = 1000;
const MAX_VALUES = 1000;

export type TagScope = 'span' | 'resource';
export interface TagValue { type: 'string' | 'int' | 'float' | 'bool' | 'keyword'; value: string }

/** What a value stored as text most likely was (attributes were stringified by AsString). */
export function inferType(value: string): TagValue['type'] {
  if (/^-?\d{1,19}$/.test(value)) return 'int';
  if (/^-?\d+\.\d+([eE][+-]?\d+)?$/.test(value)) return 'float';
  if (value === 'true' || value === 'false') return 'bool';
  return 'string';
}

const MAPS: Record<TagScope, string> = { span: 'SpanAttributes', resource: 'ResourceAttributes' };

/** A small TTL cache of promises, bounded by entry count (oldest evicted first). */
export class TtlCache<V> {
  private readonly entries = new Map<string, { at: number; value: Promise<V> }>();
  constructor(private readonly ttlMs = 30_000, private readonly maxEntries = 500, private readonly now: () => number = Date.now) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.value;
    const value = load();
    // A failed load is not kept: the next request tries again.
    value.catch(() => this.entries.delete(key));
    this.entries.delete(key);
    this.entries.set(key, { at: this.now(), value });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
    return value;
  }
}

export class TagReader {
  private readonly cache: TtlCache<unknown>;
  constructor(
    private readonly client: ClickHouseClient,
    private readonly table: string,
    options: { cacheTtlMs?: number; cacheEntries?: number } = {},
  ) {
    this.cache = new TtlCache(options.cacheTtlMs, options.cacheEntries);
  }

  private async column(query: string, params: Params): Promise<string[]> {
    const result = await this.client.query({ query, format: 'JSONEachRow', query_params: params.values });
    return (await result.json<{ v: string }>()).map((r) => r.v);
  }

  /** Attribute names seen in a scope within the window, sorted. */
  names(scope: TagScope, window: Window): Promise<string[]> {
    return this.cache.get(`names:${scope}:${window.startNs}:${window.endNs}`, () => {
      const params = new Params();
      const where = windowSql(window, params);
      return this.column(`SELECT DISTINCT arrayJoin(mapKeys(${MAPS[scope]})) AS v FROM ${this.table}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY v LIMIT ${MAX_NAMES}`, params);
    }) as Promise<string[]>;
  }

  /**
   * Values of an attribute in a scope (`any`: either map), or of an intrinsic column, within the
   * window, on spans matching `filter` (Grafana narrows a picker by the other filters it holds).
   */
  values(target: { scope: TagScope | 'any'; key: string } | { column: string }, window: Window, filter?: { query: string; condition: SpanCondition }): Promise<string[]> {
    return this.cache.get(`values:${JSON.stringify(target)}:${window.startNs}:${window.endNs}:${filter?.query ?? ''}`, () => {
      const params = new Params();
      const where = windowSql(window, params);
      if (filter && filter.condition.kind !== 'all') where.push(spanConditionSql(filter.condition, params));
      let expr: string;
      if ('column' in target) expr = target.column;
      else {
        const key = params.bind(target.key, 'String');
        const scopes: TagScope[] = target.scope === 'any' ? ['span', 'resource'] : [target.scope];
        expr = scopes.length === 2 ? `if(mapContains(SpanAttributes, ${key}), SpanAttributes[${key}], ResourceAttributes[${key}])` : `${MAPS[scopes[0]!]}[${key}]`;
        where.push(`(${scopes.map((s) => `mapContains(${MAPS[s]}, ${key})`).join(' OR ')})`);
      }
      return this.column(`SELECT DISTINCT ${expr} AS v FROM ${this.table}
        ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY v LIMIT ${MAX_VALUES}`, params);
    }) as Promise<string[]>;
  }
}
