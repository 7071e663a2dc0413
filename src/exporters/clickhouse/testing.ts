/** Batch builders shared by the tests of both row encoders (JSONEachRow in rows.ts, Native in native/). */
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
