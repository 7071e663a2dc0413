/**
 * Stored `otel_traces` rows → OTLP trace data (the JSON mapping of `TracesData`, IDs as lowercase
 * hex, 64-bit times as decimal strings, enums as numbers). Attribute values were stringified by the
 * collector's AsString on the way in, so they come back as string values. The protobuf encoder
 * ({@link ./protobuf.ts}) writes this same model, so JSON and protobuf never disagree.
 */

/** One span row as {@link SPAN_COLUMNS} selects it. */
export interface SpanRow {
  startNs: string;
  TraceId: string;
  SpanId: string;
  ParentSpanId: string;
  TraceState: string;
  SpanName: string;
  SpanKind: string;
  ServiceName: string;
  ResourceAttributes: Record<string, string>;
  ScopeName: string;
  ScopeVersion: string;
  SpanAttributes: Record<string, string>;
  durationNs: string;
  StatusCode: string;
  StatusMessage: string;
  eventTimes: string[];
  eventNames: string[];
  eventAttributes: Record<string, string>[];
  linkTraceIds: string[];
  linkSpanIds: string[];
  linkTraceStates: string[];
  linkAttributes: Record<string, string>[];
}

/** The columns of a {@link SpanRow}, for `SELECT … FROM otel_traces`. */
export const SPAN_COLUMNS = `toString(toUnixTimestamp64Nano(Timestamp)) AS startNs, TraceId, SpanId, ParentSpanId, TraceState,
  SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes,
  toString(Duration) AS durationNs, StatusCode, StatusMessage,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes, Events.Name AS eventNames,
  Events.Attributes AS eventAttributes, Links.TraceId AS linkTraceIds, Links.SpanId AS linkSpanIds,
  Links.TraceState AS linkTraceStates, Links.Attributes AS linkAttributes`;

export interface KeyValue {
  key: string;
  value: { stringValue: string };
}
export interface OtlpEvent { timeUnixNano: string; name: string; attributes: KeyValue[] }
export interface OtlpLink { traceId: string; spanId: string; traceState: string; attributes: KeyValue[] }
export interface OtlpSpan {
  traceId: string;
  spanId: string;
  traceState: string;
  parentSpanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: KeyValue[];
  events: OtlpEvent[];
  links: OtlpLink[];
  status: { message?: string; code: number };
}
export interface ScopeSpans { scope: { name: string; version: string }; spans: OtlpSpan[] }
export interface ResourceSpans { resource: { attributes: KeyValue[] }; scopeSpans: ScopeSpans[] }

/** OTLP `Span.SpanKind` numbers by the exporter's names. */
export const SPAN_KIND_NUMBERS: Record<string, number> = { Unspecified: 0, Internal: 1, Server: 2, Client: 3, Producer: 4, Consumer: 5 };
/** OTLP `Status.StatusCode` numbers by the exporter's names. */
export const STATUS_NUMBERS: Record<string, number> = { Unset: 0, Ok: 1, Error: 2 };

export const keyValues = (map: Record<string, string>): KeyValue[] =>
  Object.entries(map).map(([key, value]) => ({ key, value: { stringValue: value } }));

/** One row → an OTLP span. */
export function toOtlpSpan(row: SpanRow): OtlpSpan {
  return {
    traceId: row.TraceId,
    spanId: row.SpanId,
    traceState: row.TraceState,
    parentSpanId: row.ParentSpanId,
    name: row.SpanName,
    kind: SPAN_KIND_NUMBERS[row.SpanKind] ?? 0,
    startTimeUnixNano: row.startNs,
    endTimeUnixNano: (BigInt(row.startNs) + BigInt(row.durationNs)).toString(),
    attributes: keyValues(row.SpanAttributes),
    events: row.eventTimes.map((time, i) => ({ timeUnixNano: time, name: row.eventNames[i] ?? '', attributes: keyValues(row.eventAttributes[i] ?? {}) })),
    links: row.linkTraceIds.map((traceId, i) => ({
      traceId, spanId: row.linkSpanIds[i] ?? '', traceState: row.linkTraceStates[i] ?? '', attributes: keyValues(row.linkAttributes[i] ?? {}),
    })),
    status: { ...(row.StatusMessage ? { message: row.StatusMessage } : {}), code: STATUS_NUMBERS[row.StatusCode] ?? 0 },
  };
}

/**
 * Rows → `resourceSpans`, grouped by resource (service name and attributes) and then by scope, in
 * the order first seen. A resource without `service.name` gets it from the ServiceName column.
 */
export function toResourceSpans(rows: SpanRow[]): ResourceSpans[] {
  const resources = new Map<string, { resource: ResourceSpans; scopes: Map<string, ScopeSpans> }>();
  for (const row of rows) {
    const attributes = row.ServiceName && !('service.name' in row.ResourceAttributes)
      ? { 'service.name': row.ServiceName, ...row.ResourceAttributes }
      : row.ResourceAttributes;
    const resourceKey = JSON.stringify([row.ServiceName, Object.entries(attributes)]);
    let entry = resources.get(resourceKey);
    if (!entry) {
      entry = { resource: { resource: { attributes: keyValues(attributes) }, scopeSpans: [] }, scopes: new Map() };
      resources.set(resourceKey, entry);
    }
    const scopeKey = JSON.stringify([row.ScopeName, row.ScopeVersion]);
    let scope = entry.scopes.get(scopeKey);
    if (!scope) {
      scope = { scope: { name: row.ScopeName, version: row.ScopeVersion }, spans: [] };
      entry.scopes.set(scopeKey, scope);
      entry.resource.scopeSpans.push(scope);
    }
    scope.spans.push(toOtlpSpan(row));
  }
  return [...resources.values()].map((e) => e.resource);
}
