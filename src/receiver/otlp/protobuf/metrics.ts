import type {
  Exemplar, ExponentialBuckets, ExponentialHistogramDataPoint, HistogramDataPoint, Metric, MetricBatch, MetricData,
  NumberDataPoint, ResourceGroup, ScopeGroup, SummaryDataPoint,
} from '../../../batch/types.ts';
import { asDecodeError } from '../errors.ts';
import { Rejections, type DecodeResult } from '../rejections.ts';
import { emptyResource, emptyScope, rejectId, readKeyValue, readResource, readScope } from './common.ts';
import { ProtoReader } from './reader.ts';

// Tags are `field_number << 3 | wire_type`, from opentelemetry/proto/metrics/v1/metrics.proto and
// collector/metrics/v1/metrics_service.proto. Repeated scalars are read packed (LEN) or one by one,
// as protobuf parsers must accept both.

/**
 * Decodes an OTLP/HTTP protobuf `ExportMetricsServiceRequest` straight into a {@link MetricBatch}.
 *
 * Values are kept exactly: doubles bit for bit (NaN and ±Inf included), counts as uint64, an
 * absent optional `sum`/`min`/`max` as `undefined`. An int64 value (`as_int`) becomes its nearest
 * double, which is what the tables store. A data point with an exemplar whose trace_id is neither
 * empty nor 16 bytes (span_id: 8) is left out and counted in `rejected` (OTLP counts data points);
 * a metric left without points, and groups left without metrics, are dropped, as is a metric with
 * no data (nothing to store). Unknown fields are skipped.
 *
 * @throws OtlpDecodeError when the bytes are not a well-formed message. Nothing else.
 */
export function decodeMetricsProtobuf(buf: Uint8Array): DecodeResult<MetricBatch> {
  try {
    const r = new ProtoReader(buf);
    const rejections = new Rejections('data point', 'data points');
    const resources: ResourceGroup<Metric>[] = [];
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag === 10) readResourceMetrics(r, rejections, resources); // resource_metrics = 1
      else r.skip(tag);
    }
    return rejections.result({ signal: 'metrics', resources });
  } catch (err) {
    throw asDecodeError(err);
  }
}

function readResourceMetrics(r: ProtoReader, rej: Rejections, out: ResourceGroup<Metric>[]): void {
  const end = r.messageEnd();
  const group: ResourceGroup<Metric> = { resource: emptyResource(), schemaUrl: '', scopes: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) readResource(r, group.resource); // resource = 1
    else if (tag === 18) readScopeMetrics(r, rej, group.scopes); // scope_metrics = 2
    else if (tag === 26) group.schemaUrl = r.string(); // schema_url = 3
    else r.skip(tag);
  }
  r.checkEnd(end);
  if (group.scopes.length > 0) out.push(group);
}

function readScopeMetrics(r: ProtoReader, rej: Rejections, out: ScopeGroup<Metric>[]): void {
  const end = r.messageEnd();
  const group: ScopeGroup<Metric> = { scope: emptyScope(), schemaUrl: '', records: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 18) {
      // metrics = 2
      const metric = readMetric(r, rej);
      if (metric !== null) group.records.push(metric);
    } else if (tag === 10) readScope(r, group.scope); // scope = 1
    else if (tag === 26) group.schemaUrl = r.string(); // schema_url = 3
    else r.skip(tag);
  }
  r.checkEnd(end);
  if (group.records.length > 0) out.push(group);
}

/** Reads one Metric; null when it holds no data point to store. */
function readMetric(r: ProtoReader, rej: Rejections): Metric | null {
  const end = r.messageEnd();
  const metric: Metric = { name: '', description: '', unit: '', metadata: new Map(), data: { kind: 'gauge', points: [] } };
  let hasData = false;
  // The `data` oneof: the last member on the wire wins; the same member twice merges (proto3).
  const member = <K extends MetricData['kind']>(kind: K): Extract<MetricData, { kind: K }> => {
    if (!hasData || metric.data.kind !== kind) {
      metric.data = (kind === 'sum' ? { kind, points: [], temporality: 0, monotonic: false }
        : kind === 'histogram' || kind === 'exponentialHistogram' ? { kind, points: [], temporality: 0 }
        : { kind, points: [] }) as MetricData;
      hasData = true;
    }
    return metric.data as Extract<MetricData, { kind: K }>;
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: // name = 1
        metric.name = r.string();
        break;
      case 18: // description = 2
        metric.description = r.string();
        break;
      case 26: // unit = 3
        metric.unit = r.string();
        break;
      case 42: // gauge = 5
        readData(r, rej, member('gauge'), readNumberPoint);
        break;
      case 58: // sum = 7
        readData(r, rej, member('sum'), readNumberPoint);
        break;
      case 74: // histogram = 9
        readData(r, rej, member('histogram'), readHistogramPoint);
        break;
      case 82: // exponential_histogram = 10
        readData(r, rej, member('exponentialHistogram'), readExponentialPoint);
        break;
      case 90: // summary = 11
        readData(r, rej, member('summary'), readSummaryPoint);
        break;
      case 98: // metadata = 12
        readKeyValue(r, metric.metadata, 0);
        break;
      default:
        r.skip(tag);
    }
  }
  r.checkEnd(end);
  return hasData && metric.data.points.length > 0 ? metric : null;
}

/**
 * Reads a Gauge, Sum, Histogram, ExponentialHistogram or Summary message into `data`: its
 * `data_points` (1) with `readPoint`, and where the kind has them `aggregation_temporality` (2)
 * and `is_monotonic` (3).
 */
function readData<P>(r: ProtoReader, rej: Rejections, data: { points: P[]; temporality?: number; monotonic?: boolean }, readPoint: (r: ProtoReader, rej: Rejections) => P): void {
  const end = r.messageEnd();
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) keep(data.points, readPoint(r, rej), rej); // data_points = 1
    else if (tag === 16 && 'temporality' in data) data.temporality = r.int32(); // aggregation_temporality = 2
    else if (tag === 24 && 'monotonic' in data) data.monotonic = r.bool(); // is_monotonic = 3 (Sum)
    else r.skip(tag);
  }
  r.checkEnd(end);
}

/** Ends a data point: kept unless one of its exemplars flagged it. */
function keep<P>(points: P[], point: P, rej: Rejections): void {
  if (!rej.settle()) points.push(point);
}

/** An sfixed64 as its nearest double. */
function sfixed64(r: ProtoReader): number {
  return Number(BigInt.asIntN(64, r.fixed64()));
}

/** sint32 (zigzag). */
function sint32(r: ProtoReader): number {
  const n = r.uint32();
  return (n >>> 1) ^ -(n & 1);
}

/** A repeated fixed64, packed or not. */
function fixed64s(r: ProtoReader, tag: number, out: bigint[]): void {
  if ((tag & 7) === 1) {
    out.push(r.fixed64());
    return;
  }
  const end = r.messageEnd();
  if ((end - r.pos) % 8 !== 0) throw r.error('packed fixed64 field of a length not a multiple of 8');
  while (r.pos < end) out.push(r.fixed64());
}

/** A repeated double, packed or not. */
function doubles(r: ProtoReader, tag: number, out: number[]): void {
  if ((tag & 7) === 1) {
    out.push(r.double());
    return;
  }
  const end = r.messageEnd();
  if ((end - r.pos) % 8 !== 0) throw r.error('packed double field of a length not a multiple of 8');
  while (r.pos < end) out.push(r.double());
}

/** A repeated uint64 varint, packed or not. */
function uint64s(r: ProtoReader, tag: number, out: bigint[]): void {
  if ((tag & 7) === 0) {
    out.push(BigInt.asUintN(64, r.int64()));
    return;
  }
  const end = r.messageEnd();
  while (r.pos < end) out.push(BigInt.asUintN(64, r.int64()));
  r.checkEnd(end);
}

/**
 * The fields every point kind numbers alike: start_time_unix_nano (2), time_unix_nano (3) and,
 * for histograms and summaries, count (4) and sum (5). True when `tag` was one of them.
 */
function readCommonField(r: ProtoReader, tag: number, p: { startTimeUnixNano: bigint; timeUnixNano: bigint; count?: bigint; sum?: number }): boolean {
  if (tag === 17) p.startTimeUnixNano = r.fixed64();
  else if (tag === 25) p.timeUnixNano = r.fixed64();
  else if (tag === 33 && 'count' in p) p.count = r.fixed64();
  else if (tag === 41 && 'sum' in p) p.sum = r.double();
  else return false;
  return true;
}

function readNumberPoint(r: ProtoReader, rej: Rejections): NumberDataPoint {
  const end = r.messageEnd();
  const p: NumberDataPoint = { attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, value: 0, exemplars: [] };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 58: // attributes = 7
        readKeyValue(r, p.attributes, 0);
        break;
      case 33: // as_double = 4
        p.value = r.double();
        break;
      case 49: // as_int = 6 (sfixed64)
        p.value = sfixed64(r);
        break;
      case 42: // exemplars = 5
        p.exemplars.push(readExemplar(r, rej));
        break;
      case 64: // flags = 8
        p.flags = r.uint32();
        break;
      default:
        if (!readCommonField(r, tag, p)) r.skip(tag);
    }
  }
  r.checkEnd(end);
  return p;
}

function readHistogramPoint(r: ProtoReader, rej: Rejections): HistogramDataPoint {
  const end = r.messageEnd();
  const p: HistogramDataPoint = {
    attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, count: 0n, sum: undefined,
    bucketCounts: [], explicitBounds: [], exemplars: [], min: undefined, max: undefined,
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 74: // attributes = 9
        readKeyValue(r, p.attributes, 0);
        break;
      case 49: // bucket_counts = 6, one
      case 50: // bucket_counts = 6, packed
        fixed64s(r, tag, p.bucketCounts);
        break;
      case 57: // explicit_bounds = 7, one
      case 58: // explicit_bounds = 7, packed
        doubles(r, tag, p.explicitBounds);
        break;
      case 66: // exemplars = 8
        p.exemplars.push(readExemplar(r, rej));
        break;
      case 80: // flags = 10
        p.flags = r.uint32();
        break;
      case 89: // min = 11
        p.min = r.double();
        break;
      case 97: // max = 12
        p.max = r.double();
        break;
      default:
        if (!readCommonField(r, tag, p)) r.skip(tag);
    }
  }
  r.checkEnd(end);
  return p;
}

function readExponentialPoint(r: ProtoReader, rej: Rejections): ExponentialHistogramDataPoint {
  const end = r.messageEnd();
  const p: ExponentialHistogramDataPoint = {
    attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, count: 0n, sum: undefined, scale: 0, zeroCount: 0n,
    positive: { offset: 0, bucketCounts: [] }, negative: { offset: 0, bucketCounts: [] }, exemplars: [], min: undefined, max: undefined, zeroThreshold: 0,
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: // attributes = 1
        readKeyValue(r, p.attributes, 0);
        break;
      case 48: // scale = 6 (sint32)
        p.scale = sint32(r);
        break;
      case 57: // zero_count = 7
        p.zeroCount = r.fixed64();
        break;
      case 66: // positive = 8
        readBuckets(r, p.positive);
        break;
      case 74: // negative = 9
        readBuckets(r, p.negative);
        break;
      case 80: // flags = 10
        p.flags = r.uint32();
        break;
      case 90: // exemplars = 11
        p.exemplars.push(readExemplar(r, rej));
        break;
      case 97: // min = 12
        p.min = r.double();
        break;
      case 105: // max = 13
        p.max = r.double();
        break;
      case 113: // zero_threshold = 14
        p.zeroThreshold = r.double();
        break;
      default:
        if (!readCommonField(r, tag, p)) r.skip(tag);
    }
  }
  r.checkEnd(end);
  return p;
}

function readBuckets(r: ProtoReader, b: ExponentialBuckets): void {
  const end = r.messageEnd();
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 8) b.offset = sint32(r); // offset = 1 (sint32)
    else if (tag === 16 || tag === 18) uint64s(r, tag, b.bucketCounts); // bucket_counts = 2
    else r.skip(tag);
  }
  r.checkEnd(end);
}

function readSummaryPoint(r: ProtoReader, _rej: Rejections): SummaryDataPoint {
  const end = r.messageEnd();
  const p: SummaryDataPoint = { attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, count: 0n, sum: 0, quantileValues: [] };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 58: // attributes = 7
        readKeyValue(r, p.attributes, 0);
        break;
      case 50: {
        // quantile_values = 6
        const qEnd = r.messageEnd();
        const q = { quantile: 0, value: 0 };
        while (r.pos < qEnd) {
          const t = r.tag();
          if (t === 9) q.quantile = r.double(); // quantile = 1
          else if (t === 17) q.value = r.double(); // value = 2
          else r.skip(t);
        }
        r.checkEnd(qEnd);
        p.quantileValues.push(q);
        break;
      }
      case 64: // flags = 8
        p.flags = r.uint32();
        break;
      default:
        if (!readCommonField(r, tag, p)) r.skip(tag);
    }
  }
  r.checkEnd(end);
  return p;
}

function readExemplar(r: ProtoReader, rej: Rejections): Exemplar {
  const end = r.messageEnd();
  const e: Exemplar = { filteredAttributes: new Map(), timeUnixNano: 0n, value: 0, traceId: '', spanId: '' };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 58: // filtered_attributes = 7
        readKeyValue(r, e.filteredAttributes, 0);
        break;
      case 17: // time_unix_nano = 2
        e.timeUnixNano = r.fixed64();
        break;
      case 25: // as_double = 3
        e.value = r.double();
        break;
      case 49: // as_int = 6 (sfixed64)
        e.value = sfixed64(r);
        break;
      case 34: // span_id = 4
        e.spanId = r.id(8) ?? rejectId(r, rej, 'exemplar span_id', 8);
        break;
      case 42: // trace_id = 5
        e.traceId = r.id(16) ?? rejectId(r, rej, 'exemplar trace_id', 16);
        break;
      default:
        r.skip(tag);
    }
  }
  r.checkEnd(end);
  return e;
}
