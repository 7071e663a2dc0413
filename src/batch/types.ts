/**
 * The one internal batch type that flows from the receiver through every processor to the
 * exporters. It mirrors OTLP's shape (records grouped by resource, then by scope) with three
 * normalisations made once, at decode time:
 * - IDs are lowercase hex strings, `''` for an empty or all-zero ID;
 * - timestamps are `bigint` nanoseconds since the Unix epoch (exact; never a float);
 * - attribute values stay typed (see {@link AnyValue}); only exporters stringify them.
 */

/**
 * A typed OTLP `AnyValue`:
 * - `string` — string_value
 * - `boolean` — bool_value
 * - `bigint` — int_value (int64, exact)
 * - `number` — double_value
 * - `Uint8Array` — bytes_value
 * - `AnyValue[]` — array_value
 * - `Attributes` (a `Map`) — kvlist_value
 * - `null` — an empty AnyValue (no value set)
 */
export type AnyValue = string | boolean | bigint | number | Uint8Array | AnyValue[] | Attributes | null;

/** Attributes in arrival order; a later duplicate key replaces the earlier value. */
export type Attributes = Map<string, AnyValue>;

/** OTLP Resource. */
export interface Resource {
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** OTLP InstrumentationScope. */
export interface Scope {
  name: string;
  version: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

/** OTLP Span.SpanKind numbers: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
export type SpanKind = number;

/** OTLP Status.StatusCode numbers: 0 unset, 1 ok, 2 error. */
export interface SpanStatus {
  code: number;
  message: string;
}

export interface SpanEvent {
  timeUnixNano: bigint;
  name: string;
  attributes: Attributes;
  droppedAttributesCount: number;
}

export interface SpanLink {
  traceId: string;
  spanId: string;
  traceState: string;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
}

export interface Span {
  traceId: string;
  spanId: string;
  traceState: string;
  parentSpanId: string;
  /** W3C trace flags and OTLP span flags (fixed32). */
  flags: number;
  name: string;
  kind: SpanKind;
  startTimeUnixNano: bigint;
  endTimeUnixNano: bigint;
  attributes: Attributes;
  droppedAttributesCount: number;
  events: SpanEvent[];
  droppedEventsCount: number;
  links: SpanLink[];
  droppedLinksCount: number;
  status: SpanStatus;
}

export interface LogRecord {
  /** 0n when the sender did not set it; exporters fall back to `observedTimeUnixNano`. */
  timeUnixNano: bigint;
  observedTimeUnixNano: bigint;
  /** OTLP SeverityNumber, 0..24. */
  severityNumber: number;
  severityText: string;
  body: AnyValue;
  attributes: Attributes;
  droppedAttributesCount: number;
  flags: number;
  traceId: string;
  spanId: string;
  eventName: string;
}

export interface ScopeGroup<R> {
  scope: Scope;
  schemaUrl: string;
  records: R[];
}

export interface ResourceGroup<R> {
  resource: Resource;
  schemaUrl: string;
  scopes: ScopeGroup<R>[];
}

/** The signals the pipeline carries. Metrics join in a later issue. */
export type Signal = 'traces' | 'logs';

export interface TraceBatch {
  signal: 'traces';
  resources: ResourceGroup<Span>[];
}

export interface LogBatch {
  signal: 'logs';
  resources: ResourceGroup<LogRecord>[];
}

export type Batch = TraceBatch | LogBatch;
