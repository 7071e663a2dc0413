import type {
  Attributes, Exemplar, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricBatch, MetricKind, NumberDataPoint,
  ResourceGroup, ScopeGroup, SummaryDataPoint,
} from '../../../batch/types.ts';
import { assemble, columnHeader, inOrder, type ColumnHeader, type NativeBlock } from './block.ts';
import { encodeMap, LcColumn, MapColumn, Offsets, writeUInt64, type EncodedMap } from './columns.ts';
import { serviceName } from './spans.ts';
import { ByteWriter } from './writer.ts';

/**
 * The five metrics tables of the Collector's `clickhouseexporter`, one per OTLP point kind, and
 * their columns in its insert order (`internal/metrics/*_metrics.go`). Values are mapped as it maps
 * them:
 * - every attribute map (resource, scope, point, exemplar) sorted by key, values by AsString, as
 *   its `orderedmap.CollectN` does: the same labels in another order are the same series;
 * - `ServiceName` is the resource's `service.name` (AsString), `''` without one;
 * - an int value is its nearest double; an absent `Sum`/`Min`/`Max` is written 0; points flagged
 *   "no recorded value" are kept (`Flags` bit 0 says so); NaN and ±Inf are written bit for bit
 *   (Native is binary: nothing turns them into 0 as a JSON path would);
 * - an exemplar's absent trace or span ID is all zeros (`hex.EncodeToString` of an empty ID);
 * - the exponential histogram's `ZeroThreshold` and the metric's metadata have no column.
 *
 * Times are sent as `DateTime64(9)`: the current layout's `DateTime` columns keep the whole second
 * (the Collector's driver writes `t.Unix()`), an older layout's `DateTime64(9)` keeps the
 * nanoseconds. Times are clamped to what `DateTime` holds (1970 to 2106), as the driver refuses
 * others.
 */
export type MetricTableRole = 'metricsGauge' | 'metricsSum' | 'metricsHistogram' | 'metricsExponentialHistogram' | 'metricsSummary';

const MAP = 'Map(LowCardinality(String), String)';
const TIME = 'DateTime64(9)';

const common = {
  resourceAttributes: columnHeader('ResourceAttributes', MAP),
  resourceSchemaUrl: columnHeader('ResourceSchemaUrl', 'String'),
  scopeName: columnHeader('ScopeName', 'String'),
  scopeVersion: columnHeader('ScopeVersion', 'String'),
  scopeAttributes: columnHeader('ScopeAttributes', MAP),
  scopeDroppedAttrCount: columnHeader('ScopeDroppedAttrCount', 'UInt32'),
  scopeSchemaUrl: columnHeader('ScopeSchemaUrl', 'String'),
  serviceName: columnHeader('ServiceName', 'LowCardinality(String)'),
  metricName: columnHeader('MetricName', 'LowCardinality(String)'),
  metricDescription: columnHeader('MetricDescription', 'String'),
  metricUnit: columnHeader('MetricUnit', 'String'),
  attributes: columnHeader('Attributes', MAP),
  startTimeUnix: columnHeader('StartTimeUnix', TIME),
  timeUnix: columnHeader('TimeUnix', TIME),
};

const exemplarHeaders = {
  exemplarAttributes: columnHeader('Exemplars.FilteredAttributes', `Array(${MAP})`),
  exemplarTimes: columnHeader('Exemplars.TimeUnix', `Array(${TIME})`),
  exemplarValues: columnHeader('Exemplars.Value', 'Array(Float64)'),
  exemplarSpanIds: columnHeader('Exemplars.SpanId', 'Array(String)'),
  exemplarTraceIds: columnHeader('Exemplars.TraceId', 'Array(String)'),
};

const c = (name: string, type: string) => columnHeader(name, type);

/** Per table, the columns after the common ones, in insert order. */
const tails = {
  metricsGauge: { value: c('Value', 'Float64'), flags: c('Flags', 'UInt32'), ...exemplarHeaders },
  metricsSum: { value: c('Value', 'Float64'), flags: c('Flags', 'UInt32'), ...exemplarHeaders, temporality: c('AggregationTemporality', 'Int32'), monotonic: c('IsMonotonic', 'Bool') },
  metricsHistogram: {
    count: c('Count', 'UInt64'), sum: c('Sum', 'Float64'), bucketCounts: c('BucketCounts', 'Array(UInt64)'), explicitBounds: c('ExplicitBounds', 'Array(Float64)'),
    ...exemplarHeaders, flags: c('Flags', 'UInt32'), min: c('Min', 'Float64'), max: c('Max', 'Float64'), temporality: c('AggregationTemporality', 'Int32'),
  },
  metricsExponentialHistogram: {
    count: c('Count', 'UInt64'), sum: c('Sum', 'Float64'), scale: c('Scale', 'Int32'), zeroCount: c('ZeroCount', 'UInt64'),
    positiveOffset: c('PositiveOffset', 'Int32'), positiveBucketCounts: c('PositiveBucketCounts', 'Array(UInt64)'),
    negativeOffset: c('NegativeOffset', 'Int32'), negativeBucketCounts: c('NegativeBucketCounts', 'Array(UInt64)'),
    ...exemplarHeaders, flags: c('Flags', 'UInt32'), min: c('Min', 'Float64'), max: c('Max', 'Float64'), temporality: c('AggregationTemporality', 'Int32'),
  },
  metricsSummary: {
    count: c('Count', 'UInt64'), sum: c('Sum', 'Float64'), quantiles: c('ValueAtQuantiles.Quantile', 'Array(Float64)'),
    quantileValues: c('ValueAtQuantiles.Value', 'Array(Float64)'), flags: c('Flags', 'UInt32'),
  },
} satisfies Record<MetricTableRole, Record<string, ColumnHeader>>;

/** Each metrics table's columns in block (and insert) order. */
export const metricColumns: Record<MetricTableRole, readonly string[]> = Object.freeze(
  Object.fromEntries(Object.entries(tails).map(([role, tail]) => [role, Object.freeze([...Object.values(common), ...Object.values(tail)].map((h) => h.name))])) as Record<MetricTableRole, readonly string[]>,
);

/** Largest `DateTime` second (2106-02-07), as nanoseconds. */
const maxDateTimeNanos = 4_294_967_295n * 1_000_000_000n;
const ZERO_TRACE_ID = '0'.repeat(32);
const ZERO_SPAN_ID = '0'.repeat(16);

function writeTime(w: ByteWriter, t: bigint): void {
  w.i64(t < 0n ? 0n : t > maxDateTimeNanos ? maxDateTimeNanos : t);
}

/** A map's entries sorted by key, as the Collector inserts them (bytewise key order). */
export function sortedByKey(attributes: Attributes): Attributes {
  if (attributes.size < 2) return attributes;
  let sorted = true;
  let last = '';
  for (const key of attributes.keys()) {
    if (compareKeys(last, key) > 0) {
      sorted = false;
      break;
    }
    last = key;
  }
  return sorted ? attributes : new Map([...attributes].sort(([a], [b]) => compareKeys(a, b)));
}

/** Go's `cmp.Compare` on strings: by UTF-8 bytes (UTF-16 code unit order differs only past the surrogates). */
function compareKeys(a: string, b: string): number {
  if (a === b) return 0;
  const simple = (s: string) => !/[\ud800-\uffff]/.test(s);
  if (simple(a) && simple(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** The columns shared by every table, filled a row at a time. */
class CommonColumns {
  readonly resourceAttributes: MapColumn;
  readonly scopeAttributes: MapColumn;
  readonly attributes: MapColumn;
  readonly serviceName: LcColumn;
  readonly metricName: LcColumn;
  readonly resourceSchemaUrl: ByteWriter;
  readonly scopeName: ByteWriter;
  readonly scopeVersion: ByteWriter;
  readonly scopeDroppedAttrCount: ByteWriter;
  readonly scopeSchemaUrl: ByteWriter;
  readonly metricDescription: ByteWriter;
  readonly metricUnit: ByteWriter;
  readonly startTimeUnix: ByteWriter;
  readonly timeUnix: ByteWriter;

  constructor(rows: number) {
    this.resourceAttributes = new MapColumn(rows, 8);
    this.scopeAttributes = new MapColumn(rows, 0);
    this.attributes = new MapColumn(rows, 4);
    this.serviceName = new LcColumn(rows);
    this.metricName = new LcColumn(rows);
    const s = (bytesPerRow: number) => new ByteWriter(rows * bytesPerRow);
    this.resourceSchemaUrl = s(1);
    this.scopeName = s(16);
    this.scopeVersion = s(8);
    this.scopeDroppedAttrCount = s(4);
    this.scopeSchemaUrl = s(1);
    this.metricDescription = s(16);
    this.metricUnit = s(4);
    this.startTimeUnix = s(8);
    this.timeUnix = s(8);
  }

  add(row: RowContext, point: { attributes: Attributes; startTimeUnixNano: bigint; timeUnixNano: bigint }): void {
    this.resourceAttributes.addEncoded(row.resource);
    this.resourceSchemaUrl.string(row.group.schemaUrl);
    this.scopeName.string(row.scope.scope.name);
    this.scopeVersion.string(row.scope.scope.version);
    this.scopeAttributes.addEncoded(row.scopeAttributes);
    this.scopeDroppedAttrCount.u32(row.scope.scope.droppedAttributesCount >>> 0);
    this.scopeSchemaUrl.string(row.scope.schemaUrl);
    this.serviceName.add(row.service);
    this.metricName.add(row.metric.name);
    this.metricDescription.string(row.metric.description);
    this.metricUnit.string(row.metric.unit);
    this.attributes.add(sortedByKey(point.attributes));
    writeTime(this.startTimeUnix, point.startTimeUnixNano);
    writeTime(this.timeUnix, point.timeUnixNano);
  }

  data(): Record<keyof typeof common, ByteWriter[]> {
    return {
      resourceAttributes: this.resourceAttributes.parts(), resourceSchemaUrl: [this.resourceSchemaUrl], scopeName: [this.scopeName],
      scopeVersion: [this.scopeVersion], scopeAttributes: this.scopeAttributes.parts(), scopeDroppedAttrCount: [this.scopeDroppedAttrCount],
      scopeSchemaUrl: [this.scopeSchemaUrl], serviceName: this.serviceName.parts(), metricName: this.metricName.parts(),
      metricDescription: [this.metricDescription], metricUnit: [this.metricUnit], attributes: this.attributes.parts(),
      startTimeUnix: [this.startTimeUnix], timeUnix: [this.timeUnix],
    };
  }
}

/** The Nested `Exemplars` columns: five arrays of one length per row. */
class ExemplarColumns {
  private readonly offsets: Offsets;
  private readonly attributes: MapColumn;
  private readonly times = new ByteWriter(256);
  private readonly values = new ByteWriter(256);
  private readonly spanIds = new ByteWriter(256);
  private readonly traceIds = new ByteWriter(512);

  constructor(rows: number) {
    this.offsets = new Offsets(rows);
    this.attributes = new MapColumn(rows, 0);
  }

  add(exemplars: readonly Exemplar[]): void {
    for (const e of exemplars) {
      this.attributes.add(sortedByKey(e.filteredAttributes));
      writeTime(this.times, e.timeUnixNano);
      this.values.f64(e.value);
      this.spanIds.string(e.spanId || ZERO_SPAN_ID);
      this.traceIds.string(e.traceId || ZERO_TRACE_ID);
    }
    this.offsets.add(exemplars.length);
  }

  data(): Record<keyof typeof exemplarHeaders, ByteWriter[]> {
    const o = this.offsets.data;
    return {
      exemplarAttributes: this.attributes.parts(this.offsets), exemplarTimes: [o, this.times], exemplarValues: [o, this.values],
      exemplarSpanIds: [o, this.spanIds], exemplarTraceIds: [o, this.traceIds],
    };
  }
}

/** An `Array(UInt64)` or `Array(Float64)` column. */
class ArrayColumn {
  readonly offsets: Offsets;
  readonly values = new ByteWriter(256);

  constructor(rows: number) {
    this.offsets = new Offsets(rows);
  }

  addUInt64(xs: readonly bigint[]): void {
    for (const x of xs) writeUInt64(this.values, x);
    this.offsets.add(xs.length);
  }

  addFloat64(xs: readonly number[]): void {
    for (const x of xs) this.values.f64(x);
    this.offsets.add(xs.length);
  }

  parts(): ByteWriter[] {
    return [this.offsets.data, this.values];
  }
}

/** What a row takes from its resource, scope and metric. */
interface RowContext {
  group: ResourceGroup<Metric>;
  scope: ScopeGroup<Metric>;
  metric: Metric;
  resource: EncodedMap;
  scopeAttributes: EncodedMap;
  service: string;
}

/** Rows of one kind, in batch order. */
type Rows<P> = Array<[RowContext, P, Metric['data']]>;

/**
 * Encodes a batch of metrics as one Native block per table that gets rows (tables without rows
 * are left out).
 */
export function encodeMetricsNative(batch: MetricBatch): Partial<Record<MetricTableRole, NativeBlock>> {
  const rows = { gauge: [] as Rows<NumberDataPoint>, sum: [] as Rows<NumberDataPoint>, histogram: [] as Rows<HistogramDataPoint>, exponentialHistogram: [] as Rows<ExponentialHistogramDataPoint>, summary: [] as Rows<SummaryDataPoint> };
  for (const group of batch.resources) {
    const resource = encodeMap(sortedByKey(group.resource.attributes));
    const service = serviceName(group.resource.attributes);
    for (const scope of group.scopes) {
      const scopeAttributes = encodeMap(sortedByKey(scope.scope.attributes));
      for (const metric of scope.records) {
        const row: RowContext = { group, scope, metric, resource, scopeAttributes, service };
        const list = rows[metric.data.kind] as Rows<unknown>;
        for (const point of metric.data.points) list.push([row, point, metric.data]);
      }
    }
  }
  const out: Partial<Record<MetricTableRole, NativeBlock>> = {};
  if (rows.gauge.length) out.metricsGauge = numberBlock('metricsGauge', rows.gauge);
  if (rows.sum.length) out.metricsSum = numberBlock('metricsSum', rows.sum);
  if (rows.histogram.length) out.metricsHistogram = histogramBlock(rows.histogram);
  if (rows.exponentialHistogram.length) out.metricsExponentialHistogram = exponentialBlock(rows.exponentialHistogram);
  if (rows.summary.length) out.metricsSummary = summaryBlock(rows.summary);
  return out;
}

function numberBlock(role: 'metricsGauge' | 'metricsSum', rows: Rows<NumberDataPoint>): NativeBlock {
  const n = rows.length;
  const base = new CommonColumns(n);
  const exemplars = new ExemplarColumns(n);
  const value = new ByteWriter(n * 8);
  const flags = new ByteWriter(n * 4);
  const temporality = new ByteWriter(n * 4);
  const monotonic = new ByteWriter(n);
  for (const [row, p, data] of rows) {
    base.add(row, p);
    value.f64(p.value);
    flags.u32(p.flags >>> 0);
    exemplars.add(p.exemplars);
    if (data.kind === 'sum') {
      temporality.i32(data.temporality | 0);
      monotonic.u8(data.monotonic ? 1 : 0);
    }
  }
  const gauge = { ...base.data(), value: [value], flags: [flags], ...exemplars.data() };
  if (role === 'metricsGauge') return assemble(inOrder(headersOf('metricsGauge'), gauge), n);
  return assemble(inOrder(headersOf('metricsSum'), { ...gauge, temporality: [temporality], monotonic: [monotonic] }), n);
}

function histogramBlock(rows: Rows<HistogramDataPoint>): NativeBlock {
  const n = rows.length;
  const base = new CommonColumns(n);
  const exemplars = new ExemplarColumns(n);
  const [count, sum, flags, min, max, temporality] = [8, 8, 4, 8, 8, 4].map((b) => new ByteWriter(n * b));
  const bucketCounts = new ArrayColumn(n);
  const explicitBounds = new ArrayColumn(n);
  for (const [row, p, data] of rows) {
    base.add(row, p);
    writeUInt64(count!, p.count);
    sum!.f64(p.sum ?? 0);
    bucketCounts.addUInt64(p.bucketCounts);
    explicitBounds.addFloat64(p.explicitBounds);
    exemplars.add(p.exemplars);
    flags!.u32(p.flags >>> 0);
    min!.f64(p.min ?? 0);
    max!.f64(p.max ?? 0);
    temporality!.i32(data.kind === 'histogram' ? data.temporality | 0 : 0);
  }
  return assemble(inOrder(headersOf('metricsHistogram'), {
    ...base.data(), count: [count!], sum: [sum!], bucketCounts: bucketCounts.parts(), explicitBounds: explicitBounds.parts(),
    ...exemplars.data(), flags: [flags!], min: [min!], max: [max!], temporality: [temporality!],
  }), n);
}

function exponentialBlock(rows: Rows<ExponentialHistogramDataPoint>): NativeBlock {
  const n = rows.length;
  const base = new CommonColumns(n);
  const exemplars = new ExemplarColumns(n);
  const [count, sum, scale, zeroCount, positiveOffset, negativeOffset, flags, min, max, temporality] = [8, 8, 4, 8, 4, 4, 4, 8, 8, 4].map((b) => new ByteWriter(n * b));
  const positive = new ArrayColumn(n);
  const negative = new ArrayColumn(n);
  for (const [row, p, data] of rows) {
    base.add(row, p);
    writeUInt64(count!, p.count);
    sum!.f64(p.sum ?? 0);
    scale!.i32(p.scale | 0);
    writeUInt64(zeroCount!, p.zeroCount);
    positiveOffset!.i32(p.positive.offset | 0);
    positive.addUInt64(p.positive.bucketCounts);
    negativeOffset!.i32(p.negative.offset | 0);
    negative.addUInt64(p.negative.bucketCounts);
    exemplars.add(p.exemplars);
    flags!.u32(p.flags >>> 0);
    min!.f64(p.min ?? 0);
    max!.f64(p.max ?? 0);
    temporality!.i32(data.kind === 'exponentialHistogram' ? data.temporality | 0 : 0);
  }
  return assemble(inOrder(headersOf('metricsExponentialHistogram'), {
    ...base.data(), count: [count!], sum: [sum!], scale: [scale!], zeroCount: [zeroCount!], positiveOffset: [positiveOffset!],
    positiveBucketCounts: positive.parts(), negativeOffset: [negativeOffset!], negativeBucketCounts: negative.parts(),
    ...exemplars.data(), flags: [flags!], min: [min!], max: [max!], temporality: [temporality!],
  }), n);
}

function summaryBlock(rows: Rows<SummaryDataPoint>): NativeBlock {
  const n = rows.length;
  const base = new CommonColumns(n);
  const [count, sum, flags] = [8, 8, 4].map((b) => new ByteWriter(n * b));
  const quantiles = new ArrayColumn(n);
  const values = new ArrayColumn(n);
  for (const [row, p] of rows) {
    base.add(row, p);
    writeUInt64(count!, p.count);
    sum!.f64(p.sum);
    quantiles.addFloat64(p.quantileValues.map((q) => q.quantile));
    values.addFloat64(p.quantileValues.map((q) => q.value));
    flags!.u32(p.flags >>> 0);
  }
  return assemble(inOrder(headersOf('metricsSummary'), {
    ...base.data(), count: [count!], sum: [sum!], quantiles: quantiles.parts(), quantileValues: values.parts(), flags: [flags!],
  }), n);
}

function headersOf<R extends MetricTableRole>(role: R): typeof common & (typeof tails)[R] {
  return { ...common, ...tails[role] };
}
