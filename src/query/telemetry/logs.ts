/**
 * Log search over `otel_logs`, newest first, keyset-paged with opaque cursors (time in ns and a
 * row hash as tie-breaker). Every value is a bound parameter.
 */
import type { ClickHouseClient } from '@clickhouse/client';

import { CursorError, decodeCursor, encodeCursor } from '../../storage/clickhouse/cursor.ts';
import { Params } from '../tempo/conditions.ts';

export interface LogFilter {
  service?: string;
  /** Lowest `SeverityNumber` (1–24) returned. */
  minSeverity?: number;
  /** Case-insensitive substring of the body. */
  text?: string;
  /** Log or resource attribute equal to the value, every pair must hold. */
  attributes?: [string, string][];
  /** Resource attribute pairs (e.g. the debug session id). */
  resourceAttributes?: [string, string][];
  fromMs?: number;
  toMs?: number;
  traceIds?: string[];
  spanId?: string;
  limit: number;
  cursor?: string;
}

export interface LogView {
  timeUnixNano: string;
  timestamp: string;
  traceId: string;
  spanId: string;
  severityText: string;
  severityNumber: number;
  serviceName: string;
  body: string;
  resourceAttributes: Record<string, string>;
  scopeName: string;
  attributes: Record<string, string>;
  eventName: string;
}

const quote = (name: string): string => `\`${name.replace(/`/g, '``')}\``;
const ROW_HASH = 'cityHash64(TraceId, SpanId, ServiceName, SeverityNumber, Body, LogAttributes)';

export class LogReader {
  private readonly table: string;
  constructor(private readonly client: ClickHouseClient, database: string, logsTable = 'otel_logs') {
    this.table = `${quote(database)}.${quote(logsTable)}`;
  }

  async search(filter: LogFilter): Promise<{ logs: LogView[]; nextCursor: string | null }> {
    const p = new Params();
    const where: string[] = [];
    if (filter.service !== undefined) where.push(`ServiceName = ${p.bind(filter.service, 'String')}`);
    if (filter.minSeverity !== undefined) where.push(`SeverityNumber >= ${p.bind(filter.minSeverity, 'UInt8')}`);
    if (filter.text !== undefined) where.push(`positionCaseInsensitiveUTF8(Body, ${p.bind(filter.text, 'String')}) > 0`);
    for (const [key, value] of filter.attributes ?? []) {
      const k = p.bind(key, 'String');
      const v = p.bind(value, 'String');
      where.push(`((mapContains(LogAttributes, ${k}) AND LogAttributes[${k}] = ${v}) OR (mapContains(ResourceAttributes, ${k}) AND ResourceAttributes[${k}] = ${v}))`);
    }
    for (const [key, value] of filter.resourceAttributes ?? []) where.push(`ResourceAttributes[${p.bind(key, 'String')}] = ${p.bind(value, 'String')}`);
    if (filter.fromMs !== undefined) where.push(`Timestamp >= fromUnixTimestamp64Milli(${p.bind(filter.fromMs, 'Int64')})`);
    if (filter.toMs !== undefined) where.push(`Timestamp <= fromUnixTimestamp64Milli(${p.bind(filter.toMs, 'Int64')})`);
    if (filter.traceIds !== undefined) where.push(`TraceId IN ${p.bind(filter.traceIds, 'Array(String)')}`);
    if (filter.spanId !== undefined) where.push(`SpanId = ${p.bind(filter.spanId, 'String')}`);
    if (filter.cursor !== undefined) {
      const { key, id } = decodeCursor(filter.cursor);
      if (!/^\d{1,20}$/.test(id)) throw new CursorError('cursor is not one this API returned');
      const ns = p.bind(key, 'Int64');
      // The first condition lets partitions and the time part of the key prune; the tuple breaks ties.
      where.push(`Timestamp <= fromUnixTimestamp64Nano(${ns})`);
      where.push(`(toUnixTimestamp64Nano(Timestamp), ${ROW_HASH}) < (${ns}, ${p.bind(id, 'UInt64')})`);
    }
    const query = `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS timeUnixNano, TraceId, SpanId, SeverityText, SeverityNumber,
        ServiceName, Body, ResourceAttributes, ScopeName, LogAttributes, EventName, toString(${ROW_HASH}) AS rowHash
      FROM ${this.table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY Timestamp DESC, ${ROW_HASH} DESC LIMIT ${p.bind(filter.limit + 1, 'UInt32')}`;
    const result = await this.client.query({ query, format: 'JSONEachRow', query_params: p.values });
    const rows = await result.json<Row>();
    const page = rows.slice(0, filter.limit);
    const last = page.at(-1);
    return {
      logs: page.map(view),
      nextCursor: rows.length > filter.limit && last ? encodeCursor(last.timeUnixNano, last.rowHash) : null,
    };
  }
}

interface Row {
  timeUnixNano: string; TraceId: string; SpanId: string; SeverityText: string; SeverityNumber: number; ServiceName: string; Body: string;
  ResourceAttributes: Record<string, string>; ScopeName: string; LogAttributes: Record<string, string>; EventName: string; rowHash: string;
}

function view(r: Row): LogView {
  const ns = BigInt(r.timeUnixNano);
  const iso = new Date(Number(ns / 1_000_000n)).toISOString().replace(/\.\d{3}Z$/, `.${(ns % 1_000_000_000n).toString().padStart(9, '0')}Z`);
  return {
    timeUnixNano: r.timeUnixNano, timestamp: iso, traceId: r.TraceId, spanId: r.SpanId, severityText: r.SeverityText,
    severityNumber: Number(r.SeverityNumber), serviceName: r.ServiceName, body: r.Body, resourceAttributes: r.ResourceAttributes,
    scopeName: r.ScopeName, attributes: r.LogAttributes, eventName: r.EventName,
  };
}
