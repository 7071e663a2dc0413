/** Batch builders shared by the tests of both row encoders (JSONEachRow in rows.ts, Native in native/). */
import { asString } from '../../batch/asString.ts';
import type { AnyValue, Attributes, LogBatch, LogRecord, ResourceGroup, Span, TraceBatch } from '../../batch/types.ts';

export const attrs = (...entries: Array<[string, AnyValue]>): Attributes => new Map(entries);
export const id = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function makeSpan(n: number, overrides: Partial<Span> = {}): Span {
  return {
    traceId: id(0xabc000 + n, 32),
    spanId: id(0x5a000 + n, 16),
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name: `span ${n}`,
    kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(n),
    endTimeUnixNano: 1_700_000_000_001_500_000n + BigInt(n),
    attributes: attrs(['http.request.method', 'GET']),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    ...overrides,
  };
}

export function makeLog(n: number, overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1_700_000_000_000_000_000n + BigInt(n),
    observedTimeUnixNano: 1_700_000_000_000_000_999n,
    severityNumber: 9,
    severityText: 'INFO',
    body: `log ${n}`,
    attributes: attrs(['order.id', '42']),
    droppedAttributesCount: 0,
    flags: 1,
    traceId: id(0xdef000 + n, 32),
    spanId: id(0x10a000 + n, 16),
    eventName: '',
    ...overrides,
  };
}

export function group<R>(records: R[], resource: Attributes, scopeName = 'io.test', scopeVersion = '1.0.0', scopeAttributes = attrs()): ResourceGroup<R> {
  return {
    resource: { attributes: resource, droppedAttributesCount: 0 },
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    scopes: [{ scope: { name: scopeName, version: scopeVersion, attributes: scopeAttributes, droppedAttributesCount: 0 }, schemaUrl: '', records }],
  };
}

export const traces = (...resources: ResourceGroup<Span>[]): TraceBatch => ({ signal: 'traces', resources });
export const logs = (...resources: ResourceGroup<LogRecord>[]): LogBatch => ({ signal: 'logs', resources });
export const checkout = attrs(['service.name', 'checkout']);

/** Largest instant a `DateTime64(9)` holds (2262-04-11). */
export const maxNanos = (1n << 63n) - 1n;

// --- reading rows back, every string as the hex of its bytes ------------------------------------

/** A string as the uppercase hex of its UTF-8 bytes, as ClickHouse's `hex()` prints it. */
export const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();
export const mapHex = (m: Attributes) => [...m].map(([k, v]) => [hex(k), hex(asString(v))]);
export const sqlMapHex = (col: string) => `arrayMap((k, v) -> [hex(k), hex(v)], mapKeys(${col}), mapValues(${col}))`;
/** A DateTime64(9) value as stored: clamped to [0, 2^63 - 1] ns. */
export const clamp = (t: bigint) => (t < 0n ? 0n : t > maxNanos ? maxNanos : t).toString();

/** `otel_traces` columns read back for {@link expectedSpanRow}, every string as the hex of its bytes. */
export const spanReadBack = `
  SpanId AS spanId, toString(toUnixTimestamp64Nano(Timestamp)) AS timestamp, TraceId AS traceId,
  ParentSpanId AS parentSpanId, hex(TraceState) AS traceState, hex(SpanName) AS name, SpanKind AS kind,
  hex(ServiceName) AS service, ${sqlMapHex('ResourceAttributes')} AS resource, hex(ScopeName) AS scopeName,
  hex(ScopeVersion) AS scopeVersion, ${sqlMapHex('SpanAttributes')} AS attributes, toString(Duration) AS duration,
  StatusCode AS statusCode, hex(StatusMessage) AS statusMessage,
  arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes,
  arrayMap(n -> hex(n), Events.Name) AS eventNames, arrayMap(m -> ${sqlMapHex('m')}, Events.Attributes) AS eventAttributes,
  Links.TraceId AS linkTraceIds, Links.SpanId AS linkSpanIds, arrayMap(s -> hex(s), Links.TraceState) AS linkTraceStates,
  arrayMap(m -> ${sqlMapHex('m')}, Links.Attributes) AS linkAttributes`;

/** The row the contrib exporter writes for `span` (reference §1.1, §2), every string as the hex of its UTF-8 bytes. */
export function expectedSpanRow(span: Span, g: ResourceGroup<Span>) {
  const service = g.resource.attributes.get('service.name');
  const scope = g.scopes.find((s) => s.records.includes(span))!.scope;
  return {
    spanId: span.spanId,
    timestamp: clamp(span.startTimeUnixNano),
    traceId: span.traceId,
    parentSpanId: span.parentSpanId,
    traceState: hex(span.traceState),
    name: hex(span.name),
    kind: ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'][span.kind] ?? '',
    service: hex(service === undefined ? '' : asString(service)),
    resource: mapHex(g.resource.attributes),
    scopeName: hex(scope.name),
    scopeVersion: hex(scope.version),
    attributes: mapHex(span.attributes),
    duration: (span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n).toString(),
    statusCode: ['Unset', 'Ok', 'Error'][span.status.code] ?? '',
    statusMessage: hex(span.status.message),
    eventTimes: span.events.map((e) => clamp(e.timeUnixNano)),
    eventNames: span.events.map((e) => hex(e.name)),
    eventAttributes: span.events.map((e) => mapHex(e.attributes)),
    linkTraceIds: span.links.map((l) => l.traceId),
    linkSpanIds: span.links.map((l) => l.spanId),
    linkTraceStates: span.links.map((l) => hex(l.traceState)),
    linkAttributes: span.links.map((l) => mapHex(l.attributes)),
  };
}

/** `otel_logs` columns read back for {@link expectedLogRow}, every string as the hex of its bytes. */
export const logReadBack = `
  SpanId AS spanId, toString(toUnixTimestamp64Nano(Timestamp)) AS timestamp, TraceId AS traceId, TraceFlags AS flags,
  hex(SeverityText) AS severityText, SeverityNumber AS severityNumber, hex(ServiceName) AS service,
  hex(Body) AS body, hex(ResourceSchemaUrl) AS resourceSchemaUrl, ${sqlMapHex('ResourceAttributes')} AS resource,
  hex(ScopeSchemaUrl) AS scopeSchemaUrl, hex(ScopeName) AS scopeName, hex(ScopeVersion) AS scopeVersion,
  ${sqlMapHex('ScopeAttributes')} AS scopeAttributes, ${sqlMapHex('LogAttributes')} AS attributes, hex(EventName) AS eventName`;

/** The row the contrib exporter writes for `log` (reference §1.3, §2), every string as the hex of its UTF-8 bytes. */
export function expectedLogRow(log: LogRecord, g: ResourceGroup<LogRecord>) {
  const service = g.resource.attributes.get('service.name');
  const scope = g.scopes.find((s) => s.records.includes(log))!;
  return {
    spanId: log.spanId,
    timestamp: clamp(log.timeUnixNano || log.observedTimeUnixNano),
    traceId: log.traceId,
    flags: log.flags & 0xff,
    severityText: hex(log.severityText),
    severityNumber: log.severityNumber & 0xff,
    service: hex(service === undefined ? '' : asString(service)),
    body: hex(asString(log.body)),
    resourceSchemaUrl: hex(g.schemaUrl),
    resource: mapHex(g.resource.attributes),
    scopeSchemaUrl: hex(scope.schemaUrl),
    scopeName: hex(scope.scope.name),
    scopeVersion: hex(scope.scope.version),
    scopeAttributes: mapHex(scope.scope.attributes),
    attributes: mapHex(log.attributes),
    eventName: hex(log.eventName),
  };
}
