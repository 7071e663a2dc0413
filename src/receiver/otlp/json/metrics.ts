import type {
  Exemplar, ExponentialBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricBatch, MetricData,
  NumberDataPoint, ResourceGroup, ScopeGroup, SummaryDataPoint,
} from '../../../batch/types.ts';
import { asDecodeError } from '../errors.ts';
import { Rejections, type DecodeResult } from '../rejections.ts';
import { asArray, asElement, asObject, field, readAttributes, readResource, readScope } from './common.ts';
import { AGGREGATION_TEMPORALITY_NAMES } from './enums.ts';
import { parseJsonBody, type JsonObject } from './parse.ts';
import { asBool, asDouble, asEnum, asHexId, asInt32, asInt64, asString, asUint32, asUint64 } from './scalars.ts';

/**
 * Decodes an OTLP/JSON `ExportMetricsServiceRequest` (UTF-8 bytes) into a {@link MetricBatch},
 * with the same leniency as {@link decodeTracesJson} and the same values as
 * {@link decodeMetricsProtobuf}: doubles may be `"NaN"`, `"Infinity"` and `"-Infinity"` and stay
 * so; an absent optional `sum`/`min`/`max` is `undefined` (an explicit value, 0 included, is kept);
 * a data point with an exemplar whose trace_id/span_id is present but not hex of the right length
 * is left out and counted in `rejected`. Metrics without data points, and groups left empty, are
 * dropped.
 *
 * @throws OtlpDecodeError for invalid UTF-8/JSON, a non-object root, or a value of the wrong
 *   JSON type. Nothing else.
 */
export function decodeMetricsJson(buf: Uint8Array): DecodeResult<MetricBatch> {
  try {
    const root = parseJsonBody(buf);
    const rej = new Rejections('data point', 'data points');
    const resources: ResourceGroup<Metric>[] = [];
    for (const item of asArray(field(root, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics')) {
      const o = asElement(item, 'resourceMetrics');
      const scopes: ScopeGroup<Metric>[] = [];
      for (const s of asArray(field(o, 'scopeMetrics', 'scope_metrics'), 'scopeMetrics')) {
        const group = readScopeMetrics(asElement(s, 'scopeMetrics'), rej);
        if (group.records.length > 0) scopes.push(group);
      }
      const resource = readResource(o.resource);
      const schemaUrl = asString(field(o, 'schemaUrl', 'schema_url'), 'schemaUrl');
      if (scopes.length > 0) resources.push({ resource, schemaUrl, scopes });
    }
    return rej.result({ signal: 'metrics', resources });
  } catch (err) {
    throw asDecodeError(err);
  }
}

function readScopeMetrics(o: JsonObject, rej: Rejections): ScopeGroup<Metric> {
  const records: Metric[] = [];
  for (const item of asArray(o.metrics, 'metrics')) {
    const metric = readMetric(asElement(item, 'metrics'), rej);
    if (metric !== null) records.push(metric);
  }
  return { scope: readScope(o.scope), schemaUrl: asString(field(o, 'schemaUrl', 'schema_url'), 'schemaUrl'), records };
}

function readMetric(o: JsonObject, rej: Rejections): Metric | null {
  const metadata = new Map();
  readAttributes(o.metadata, metadata, 0, 'metric.metadata');
  const metric: Metric = {
    name: asString(o.name, 'metric.name'),
    description: asString(o.description, 'metric.description'),
    unit: asString(o.unit, 'metric.unit'),
    metadata,
    data: { kind: 'gauge', points: [] },
  };
  const data = readData(o, rej);
  if (data === null || data.points.length === 0) return null;
  metric.data = data;
  return metric;
}

/** The `data` oneof: the first member present in .proto order (a sender setting two is in error anyway). */
function readData(o: JsonObject, rej: Rejections): MetricData | null {
  let m: JsonObject | undefined;
  const temporality = (x: JsonObject) => asEnum(field(x, 'aggregationTemporality', 'aggregation_temporality'), AGGREGATION_TEMPORALITY_NAMES, 'aggregationTemporality');
  if ((m = asObject(o.gauge, 'metric.gauge'))) return { kind: 'gauge', points: points(m, rej, readNumberPoint) };
  if ((m = asObject(o.sum, 'metric.sum'))) {
    return { kind: 'sum', points: points(m, rej, readNumberPoint), temporality: temporality(m), monotonic: asBool(field(m, 'isMonotonic', 'is_monotonic'), 'sum.isMonotonic') };
  }
  if ((m = asObject(o.histogram, 'metric.histogram'))) return { kind: 'histogram', points: points(m, rej, readHistogramPoint), temporality: temporality(m) };
  if ((m = asObject(field(o, 'exponentialHistogram', 'exponential_histogram'), 'metric.exponentialHistogram'))) {
    return { kind: 'exponentialHistogram', points: points(m, rej, readExponentialPoint), temporality: temporality(m) };
  }
  if ((m = asObject(o.summary, 'metric.summary'))) return { kind: 'summary', points: points(m, rej, readSummaryPoint) };
  return null;
}

function points<P>(o: JsonObject, rej: Rejections, read: (p: JsonObject, rej: Rejections) => P): P[] {
  const out: P[] = [];
  for (const item of asArray(field(o, 'dataPoints', 'data_points'), 'dataPoints')) {
    const point = read(asElement(item, 'dataPoints'), rej);
    if (!rej.settle()) out.push(point);
  }
  return out;
}

/** What every data point carries. */
function base(o: JsonObject, what: string) {
  const attributes = new Map();
  readAttributes(o.attributes, attributes, 0, `${what}.attributes`);
  return {
    attributes,
    startTimeUnixNano: asUint64(field(o, 'startTimeUnixNano', 'start_time_unix_nano'), `${what}.startTimeUnixNano`),
    timeUnixNano: asUint64(field(o, 'timeUnixNano', 'time_unix_nano'), `${what}.timeUnixNano`),
    flags: asUint32(o.flags, `${what}.flags`),
  };
}

/** `asDouble` or `asInt` (an int64 as its nearest double); 0 when neither. */
function numberValue(o: JsonObject, what: string): number {
  const d = field(o, 'asDouble', 'as_double');
  if (d !== undefined && d !== null) return asDouble(d, `${what}.asDouble`);
  return Number(asInt64(field(o, 'asInt', 'as_int'), `${what}.asInt`));
}

/** An optional double: `undefined` when absent. */
function optionalDouble(v: unknown, what: string): number | undefined {
  return v === undefined || v === null ? undefined : asDouble(v, what);
}

function uint64List(v: unknown, what: string): bigint[] {
  return asArray(v, what).map((x) => asUint64(x, what));
}

function readNumberPoint(o: JsonObject, rej: Rejections): NumberDataPoint {
  return { ...base(o, 'dataPoint'), value: numberValue(o, 'dataPoint'), exemplars: exemplars(o, rej) };
}

function readHistogramPoint(o: JsonObject, rej: Rejections): HistogramDataPoint {
  return {
    ...base(o, 'dataPoint'),
    count: asUint64(o.count, 'dataPoint.count'),
    sum: optionalDouble(o.sum, 'dataPoint.sum'),
    bucketCounts: uint64List(field(o, 'bucketCounts', 'bucket_counts'), 'dataPoint.bucketCounts'),
    explicitBounds: asArray(field(o, 'explicitBounds', 'explicit_bounds'), 'dataPoint.explicitBounds').map((x) => asDouble(x, 'dataPoint.explicitBounds')),
    exemplars: exemplars(o, rej),
    min: optionalDouble(o.min, 'dataPoint.min'),
    max: optionalDouble(o.max, 'dataPoint.max'),
  };
}

function readBuckets(v: unknown, what: string): ExponentialBuckets {
  const o = asObject(v, what);
  if (!o) return { offset: 0, bucketCounts: [] };
  return { offset: asInt32(o.offset, `${what}.offset`), bucketCounts: uint64List(field(o, 'bucketCounts', 'bucket_counts'), `${what}.bucketCounts`) };
}

function readExponentialPoint(o: JsonObject, rej: Rejections): ExponentialHistogramDataPoint {
  return {
    ...base(o, 'dataPoint'),
    count: asUint64(o.count, 'dataPoint.count'),
    sum: optionalDouble(o.sum, 'dataPoint.sum'),
    scale: asInt32(o.scale, 'dataPoint.scale'),
    zeroCount: asUint64(field(o, 'zeroCount', 'zero_count'), 'dataPoint.zeroCount'),
    positive: readBuckets(o.positive, 'dataPoint.positive'),
    negative: readBuckets(o.negative, 'dataPoint.negative'),
    exemplars: exemplars(o, rej),
    min: optionalDouble(o.min, 'dataPoint.min'),
    max: optionalDouble(o.max, 'dataPoint.max'),
    zeroThreshold: asDouble(field(o, 'zeroThreshold', 'zero_threshold'), 'dataPoint.zeroThreshold'),
  };
}

function readSummaryPoint(o: JsonObject): SummaryDataPoint {
  return {
    ...base(o, 'dataPoint'),
    count: asUint64(o.count, 'dataPoint.count'),
    sum: asDouble(o.sum, 'dataPoint.sum'),
    quantileValues: asArray(field(o, 'quantileValues', 'quantile_values'), 'dataPoint.quantileValues').map((item) => {
      const q = asElement(item, 'quantileValues');
      return { quantile: asDouble(q.quantile, 'quantileValues.quantile'), value: asDouble(q.value, 'quantileValues.value') };
    }),
  };
}

function exemplars(o: JsonObject, rej: Rejections): Exemplar[] {
  return asArray(o.exemplars, 'exemplars').map((item) => {
    const e = asElement(item, 'exemplars');
    const filteredAttributes = new Map();
    readAttributes(field(e, 'filteredAttributes', 'filtered_attributes'), filteredAttributes, 0, 'exemplar.filteredAttributes');
    return {
      filteredAttributes,
      timeUnixNano: asUint64(field(e, 'timeUnixNano', 'time_unix_nano'), 'exemplar.timeUnixNano'),
      value: numberValue(e, 'exemplar'),
      traceId: asHexId(field(e, 'traceId', 'trace_id'), 16, 'exemplar trace_id', rej),
      spanId: asHexId(field(e, 'spanId', 'span_id'), 8, 'exemplar span_id', rej),
    };
  });
}
