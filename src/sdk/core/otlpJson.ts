import type { Attributes, AttributeValue, HrTime, SpanContext } from '@opentelemetry/api';
import type { AnyValue, LogAttributes } from '@opentelemetry/api-logs';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';

/**
 * OTLP/JSON (the protobuf JSON mapping, as OTLP/HTTP takes it) of one log record or span, made
 * when the record is made, so the queue persists exactly what will be sent. Hand-written rather
 * than the OTLP transformer's serializers, which encode whole requests and weigh more than this in
 * a browser bundle.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * One record for the queue: its signal, its scope, and its OTLP/JSON, either as an object (spans,
 * redacted in place before they are queued) or as text made directly (log records, redacted before
 * they are encoded: a third of the work of building the object and serializing it).
 */
export type EncodedRecord = EncodedObject | EncodedText;
export type EncodedObject = EncodedHead & { record: { [key: string]: Json }; json?: undefined };
export type EncodedText = EncodedHead & { json: string; record?: undefined };
interface EncodedHead {
  signal: 'logs' | 'traces';
  scope: { name: string; version?: string };
  /** OTLP severity number (spans: 9, or 17 when their status is an error): what eviction spares longest. */
  severity: number;
}

function nanos(time: HrTime): string {
  return (BigInt(time[0]) * 1_000_000_000n + BigInt(time[1])).toString();
}

function anyValue(value: AnyValue | AttributeValue | undefined): Json {
  if (value === null || value === undefined) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value };
  if (value instanceof Uint8Array) return { bytesValue: base64(value) };
  if (Array.isArray(value)) return { arrayValue: { values: value.map((v) => anyValue(v as AnyValue)) } };
  if (typeof value === 'object') return { kvlistValue: { values: keyValues(value as Record<string, AnyValue>) } };
  return { stringValue: String(value) };
}

function keyValues(attributes: Attributes | LogAttributes | undefined): Json[] {
  if (!attributes) return [];
  return Object.entries(attributes).flatMap(([key, value]) => (value === undefined ? [] : [{ key, value: anyValue(value as AnyValue) }]));
}

function base64(bytes: Uint8Array): string {
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text);
}

const scopeOf = (scope: { name: string; version?: string }) => (scope.version ? { name: scope.name, version: scope.version } : { name: scope.name });

/** A log record as the SDK makes it (what the OpenTelemetry log SDK would, without its objects): times in ms since the epoch. */
export interface LogFields {
  timeMs: number;
  observedMs: number;
  severityNumber: number;
  severityText?: string;
  body?: AnyValue;
  eventName?: string;
  /** Already checked ({@link validAttributes}). */
  attributes: Record<string, AnyValue>;
  spanContext?: SpanContext;
  scope: { name: string; version?: string };
}

/** ms since the epoch (a fraction too) as OTLP's decimal nanoseconds, to the µs (a double holds µs since the epoch exactly). */
function msNanos(ms: number): string {
  const micros = Math.round(ms * 1000);
  return micros === 0 ? '0' : `${micros}000`;
}

/**
 * A log record's OTLP/JSON text, written directly: the same text as `JSON.stringify` of the object
 * {@link anyValue} and {@link keyValues} build (the fields in the same order), without the objects.
 */
export function encodeLogRecord(log: LogFields): EncodedText {
  let json = `{"timeUnixNano":"${msNanos(log.timeMs)}","observedTimeUnixNano":"${msNanos(log.observedMs)}","severityNumber":${jsonNumber(log.severityNumber)},"attributes":${keyValuesText(log.attributes)}`;
  if (log.severityText) json += `,"severityText":${JSON.stringify(log.severityText)}`;
  if (log.body !== undefined) json += `,"body":${anyValueText(log.body)}`;
  if (log.eventName) json += `,"eventName":${JSON.stringify(log.eventName)}`;
  if (log.spanContext) json += `,"traceId":${JSON.stringify(log.spanContext.traceId)},"spanId":${JSON.stringify(log.spanContext.spanId)},"flags":${jsonNumber(log.spanContext.traceFlags)}`;
  return { signal: 'logs', scope: scopeOf(log.scope), json: `${json}}`, severity: log.severityNumber };
}

/** A number as `JSON.stringify` writes it (a non-finite one as null). */
const jsonNumber = (n: number): string => (Number.isFinite(n) ? String(n) : 'null');

/** {@link anyValue}'s JSON text. */
function anyValueText(value: AnyValue | AttributeValue | undefined): string {
  if (value === null || value === undefined) return '{}';
  switch (typeof value) {
    case 'string':
      return `{"stringValue":${JSON.stringify(value)}}`;
    case 'boolean':
      return value ? '{"boolValue":true}' : '{"boolValue":false}';
    case 'number':
      return Number.isInteger(value) ? `{"intValue":"${value}"}` : `{"doubleValue":${jsonNumber(value)}}`;
    case 'object':
      if (value instanceof Uint8Array) return `{"bytesValue":"${base64(value)}"}`;
      if (Array.isArray(value)) {
        let out = '';
        for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${anyValueText(value[i] as AnyValue)}`;
        return `{"arrayValue":{"values":[${out}]}}`;
      }
      return `{"kvlistValue":{"values":${keyValuesText(value as Record<string, AnyValue>)}}}`;
    default:
      return `{"stringValue":${JSON.stringify(String(value))}}`;
  }
}

/** {@link keyValues}'s JSON text (own enumerable keys in order, `undefined` values left out). */
function keyValuesText(attributes: Record<string, AnyValue | undefined>): string {
  let out = '';
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    if (value === undefined) continue;
    out += `${out ? ',' : ''}{"key":${JSON.stringify(key)},"value":${anyValueText(value)}}`;
  }
  return `[${out}]`;
}

/** Attributes a log record keeps at most (the OpenTelemetry log SDK's default limit). */
export const MAX_LOG_ATTRIBUTES = 128;

/**
 * What the OpenTelemetry log SDK keeps of a record's attributes: values that are OTLP AnyValues
 * (strings, numbers, booleans, bytes, and arrays and plain objects of them, without cycles), under
 * non-empty keys, the first {@link MAX_LOG_ATTRIBUTES}; `null` and `undefined` values are left out.
 */
export function validAttributes(attributes: Record<string, unknown> | undefined): Record<string, AnyValue> {
  const kept: Record<string, AnyValue> = {};
  let n = 0;
  for (const key in attributes) {
    if (!Object.prototype.hasOwnProperty.call(attributes, key)) continue;
    const value = attributes[key];
    if (key === '' || value == null || !isAnyValue(value, undefined)) continue;
    if (n++ >= MAX_LOG_ATTRIBUTES) break;
    kept[key] = value as AnyValue;
  }
  return kept;
}

function isAnyValue(value: unknown, seen: Set<object> | undefined): boolean {
  if (value == null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return true;
  if (typeof value !== 'object') return false;
  if (value instanceof Uint8Array) return true;
  const visited = seen ?? new Set<object>();
  if (visited.has(value)) return false;
  visited.add(value);
  if (Array.isArray(value)) return value.every((item) => isAnyValue(item, visited));
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return false;
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key) && !isAnyValue((value as Record<string, unknown>)[key], visited)) return false;
  return true;
}

export function encodeSpan(span: ReadableSpan): EncodedObject {
  const context = span.spanContext();
  const record: { [key: string]: Json } = {
    traceId: context.traceId,
    spanId: context.spanId,
    name: span.name,
    // OTLP's SpanKind counts from UNSPECIFIED = 0; the API's from INTERNAL = 0.
    kind: span.kind + 1,
    startTimeUnixNano: nanos(span.startTime),
    endTimeUnixNano: nanos(span.endTime),
    attributes: keyValues(span.attributes),
    events: span.events.map((e) => ({ timeUnixNano: nanos(e.time), name: e.name, attributes: keyValues(e.attributes) })),
    links: span.links.map((l) => ({ traceId: l.context.traceId, spanId: l.context.spanId, attributes: keyValues(l.attributes) })),
    status: span.status.message ? { code: span.status.code, message: span.status.message } : { code: span.status.code },
    flags: context.traceFlags,
  };
  if (span.parentSpanContext?.spanId) record.parentSpanId = span.parentSpanContext.spanId;
  // A span of a sampled-out trace (kept for its error) leaves without the threshold it did not meet.
  const traceState = ((context.traceFlags & 1) === 1 ? context.traceState : context.traceState?.unset('ot'))?.serialize();
  if (traceState) record.traceState = traceState;
  // SpanStatusCode.ERROR is 2.
  return { signal: 'traces', scope: scopeOf(span.instrumentationScope), record, severity: span.status.code === 2 ? 17 : 9 };
}

/** A record as the queue keeps it: its OTLP/JSON text, made once (its size, the store and every send use it as it is). */
export interface RecordText {
  scope: EncodedRecord['scope'];
  json: string;
}

/**
 * An Export{Logs,Trace}ServiceRequest of `records` (one signal), under one resource, grouped by
 * scope in order: the records' texts joined, not parsed and serialized again.
 */
export function exportRequest(signal: 'logs' | 'traces', resource: Attributes, records: readonly RecordText[]): string {
  const scopes: Array<{ scope: EncodedRecord['scope']; records: string[] }> = [];
  const byKey = new Map<string, { scope: EncodedRecord['scope']; records: string[] }>();
  for (const r of records) {
    const key = `${r.scope.name}\0${r.scope.version ?? ''}`;
    let group = byKey.get(key);
    if (!group) {
      group = { scope: r.scope, records: [] };
      byKey.set(key, group);
      scopes.push(group);
    }
    group.records.push(r.json);
  }
  const [outer, inner, list] = signal === 'logs' ? ['resourceLogs', 'scopeLogs', 'logRecords'] : ['resourceSpans', 'scopeSpans', 'spans'];
  const groups = scopes.map((s) => `{"scope":${JSON.stringify(s.scope)},"${list}":[${s.records.join(',')}]}`);
  return `{"${outer}":[{"resource":${JSON.stringify({ attributes: keyValues(resource) })},"${inner}":[${groups.join(',')}]}]}`;
}

/** The text the queue keeps of a record. */
export function recordText(record: EncodedObject): RecordText {
  return { scope: record.scope, json: JSON.stringify(record.record) };
}

/** The log record telling the gateway how many records the client dropped, and why (`otelhouse.sdk.dropped`). */
export function dropReport(atMs: number, dropped: Record<string, number>): EncodedObject {
  const time = (BigInt(atMs) * 1_000_000n).toString();
  const record: { [key: string]: Json } = {
    timeUnixNano: time,
    observedTimeUnixNano: time,
    severityNumber: 13,
    severityText: 'WARN',
    eventName: 'otelhouse.sdk.dropped',
    body: { stringValue: 'records dropped on the client' },
    // `sampling.priority` 1: kept by the gateway's sampling, like the health report.
    attributes: keyValues({ 'sampling.priority': 1, ...Object.fromEntries(Object.entries(dropped).map(([reason, n]) => [`otelhouse.dropped.${reason}`, n])) }),
  };
  return { signal: 'logs', scope: { name: 'otelhouse' }, record, severity: 13 };
}
