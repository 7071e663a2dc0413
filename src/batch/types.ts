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

/** OTLP Exemplar: a measurement kept with its context. An int64 value is held as its nearest double (as the Collector's exporter stores it). */
export interface Exemplar {
  filteredAttributes: Attributes;
  timeUnixNano: bigint;
  value: number;
  /** Lowercase hex, `''` when absent. */
  traceId: string;
  spanId: string;
}

/** What every data point carries. `flags` bit 0 is `FLAG_NO_RECORDED_VALUE`. */
interface PointBase {
  attributes: Attributes;
  startTimeUnixNano: bigint;
  timeUnixNano: bigint;
  flags: number;
}

/** A gauge's or a sum's point: an int64 value is held as its nearest double. */
export interface NumberDataPoint extends PointBase {
  value: number;
  exemplars: Exemplar[];
}

/** Absent optional fields (`sum`, `min`, `max`) are `undefined`. */
export interface HistogramDataPoint extends PointBase {
  count: bigint;
  sum: number | undefined;
  bucketCounts: bigint[];
  explicitBounds: number[];
  exemplars: Exemplar[];
  min: number | undefined;
  max: number | undefined;
}

export interface ExponentialBuckets {
  offset: number;
  bucketCounts: bigint[];
}

export interface ExponentialHistogramDataPoint extends PointBase {
  count: bigint;
  sum: number | undefined;
  scale: number;
  zeroCount: bigint;
  positive: ExponentialBuckets;
  negative: ExponentialBuckets;
  exemplars: Exemplar[];
  min: number | undefined;
  max: number | undefined;
  zeroThreshold: number;
}

export interface SummaryDataPoint extends PointBase {
  count: bigint;
  sum: number;
  quantileValues: Array<{ quantile: number; value: number }>;
}

/** OTLP AggregationTemporality: 0 unspecified, 1 delta, 2 cumulative. */
export type Temporality = number;

/** A metric's data, by kind (OTLP's `data` oneof). */
export type MetricData =
  | { kind: 'gauge'; points: NumberDataPoint[] }
  | { kind: 'sum'; points: NumberDataPoint[]; temporality: Temporality; monotonic: boolean }
  | { kind: 'histogram'; points: HistogramDataPoint[]; temporality: Temporality }
  | { kind: 'exponentialHistogram'; points: ExponentialHistogramDataPoint[]; temporality: Temporality }
  | { kind: 'summary'; points: SummaryDataPoint[] };

export type MetricKind = MetricData['kind'];

/** One metric: its points are the records counted (OTLP counts data points). */
export interface Metric {
  name: string;
  description: string;
  unit: string;
  metadata: Attributes;
  data: MetricData;
}

/** The signals the pipeline carries. */
export type Signal = 'traces' | 'logs' | 'metrics';

export interface TraceBatch {
  signal: 'traces';
  resources: ResourceGroup<Span>[];
}

export interface LogBatch {
  signal: 'logs';
  resources: ResourceGroup<LogRecord>[];
}

export interface MetricBatch {
  signal: 'metrics';
  resources: ResourceGroup<Metric>[];
}

export type Batch = TraceBatch | LogBatch | MetricBatch;
