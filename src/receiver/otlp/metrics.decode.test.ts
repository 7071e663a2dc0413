import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Metric, MetricBatch } from '../../batch/types.ts';
import { concat, double, len, str, tag, varint, I64, LEN, SPAN_ID, TRACE_ID } from './fixtures/proto-writer.ts';
import { exemplar, json, proto, request, T0, T1 } from './fixtures/metrics-requests.ts';
import { decodeMetricsJson, decodeMetricsProtobuf, OtlpDecodeError } from './index.ts';

// Metric requests the official serializers never produce (summaries, exemplars, NaN, absent
// optional fields, unpacked repeated fields, bad exemplar IDs), built field by field in protobuf
// and written by hand in OTLP/JSON, decoded to the same values.

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/otlp-examples');
const metrics = (batch: MetricBatch): Metric[] => batch.resources.flatMap((r) => r.scopes.flatMap((s) => s.records));

describe('metrics requests built by hand', () => {
  const fromProto = decodeMetricsProtobuf(proto);
  const fromJson = decodeMetricsJson(Buffer.from(json));

  it('decode to the same batch from protobuf and JSON', () => {
    expect(fromProto.rejected).toBe(0);
    expect(fromJson).toEqual(fromProto);
  });

  it('keep every kind exactly: int64 values, NaN and ±Inf, absent optionals, exemplars, flags, temporality', () => {
    const [orders, ratio, latency, sizes, gc] = metrics(fromProto.batch);
    expect(orders).toMatchObject({ name: 'orders', unit: '{order}', data: { kind: 'sum', temporality: 2, monotonic: true } });
    expect(orders!.data.points[0]).toEqual({
      attributes: new Map([['shop', 'eu']]), startTimeUnixNano: T0, timeUnixNano: T1, flags: 0, value: -9007199254740992,
      exemplars: [{ filteredAttributes: new Map([['user.tier', 'gold']]), timeUnixNano: T0 + 5n, value: 7, traceId: TRACE_ID, spanId: SPAN_ID }],
    });
    expect(ratio!.data.points.map((p) => [(p as { value: number }).value, p.flags])).toEqual([[NaN, 0], [0, 1]]);
    expect(latency!.data).toMatchObject({ kind: 'histogram', temporality: 1 });
    expect(latency!.data.points[0]).toMatchObject({ count: 3n, sum: undefined, min: 0, max: undefined, bucketCounts: [1n, 2n, 0n], explicitBounds: [0.1, 1] });
    expect(sizes!.data.points[0]).toEqual({
      attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 0n, flags: 0, count: 4n, sum: -3.5, scale: -2, zeroCount: 1n,
      positive: { offset: 3, bucketCounts: [1n, 1n] }, negative: { offset: -1, bucketCounts: [1n] }, exemplars: [], min: undefined, max: undefined, zeroThreshold: 1e-9,
    });
    expect(gc!.data).toEqual({ kind: 'summary', points: [{
      attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: T1, flags: 0, count: 10n, sum: Infinity,
      quantileValues: [{ quantile: 0.5, value: 0.002 }, { quantile: 0.99, value: -Infinity }],
    }] });
  });

  it('decodes the opentelemetry-proto example metrics.json', () => {
    const { batch, rejected } = decodeMetricsJson(readFileSync(path.join(examples, 'metrics.json')));
    expect(rejected).toBe(0);
    expect(batch.resources[0]!.resource.attributes.get('service.name')).toBe('my.service');
    expect(batch.resources[0]!.scopes[0]!.scope).toMatchObject({ name: 'my.library', version: '1.0.0' });
    const byName = Object.fromEntries(metrics(batch).map((m) => [m.name, m.data]));
    expect(Object.keys(byName)).toEqual(['my.counter', 'my.gauge', 'my.histogram', 'my.exponential.histogram']);
    expect(byName['my.counter']).toMatchObject({ kind: 'sum', temporality: 1, monotonic: true, points: [{ value: 5, startTimeUnixNano: T0, timeUnixNano: T0 }] });
    expect(byName['my.gauge']).toMatchObject({ kind: 'gauge', points: [{ value: 10, attributes: new Map([['my.gauge.attr', 'some value']]) }] });
    expect(byName['my.histogram']).toMatchObject({ kind: 'histogram', points: [{ count: 2n, sum: 2, bucketCounts: [1n, 1n], explicitBounds: [1], min: 0, max: 2 }] });
    expect(byName['my.exponential.histogram']).toMatchObject({ kind: 'exponentialHistogram', points: [{ count: 3n, sum: 10, scale: 0, zeroCount: 1n, positive: { offset: 1, bucketCounts: [0n, 2n] }, min: 0, max: 5 }] });
  });

  it('leaves out a data point whose exemplar has a malformed ID, counting data points', () => {
    const bad = request(concat(str(1, 'g'), len(5,
      len(1, double(4, 1), len(5, exemplar(double(3, 1), 'abcd'))),
      len(1, double(4, 2)),
      len(1, double(4, 3), len(5, exemplar(double(3, 1), TRACE_ID, '01'))))));
    const result = decodeMetricsProtobuf(bad);
    expect(result.rejected).toBe(2);
    expect(result.message).toBe('2 data points rejected: exemplar trace_id must be 16 bytes, got 2; exemplar span_id must be 8 bytes, got 1');
    expect(metrics(result.batch)[0]!.data.points.map((p) => (p as { value: number }).value)).toEqual([2]);
    const viaJson = decodeMetricsJson(Buffer.from(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: [
      { asDouble: 1, exemplars: [{ traceId: 'zz'.repeat(16) }] }, { asDouble: 2 },
    ] } }] }] }] })));
    expect(viaJson.rejected).toBe(1);
    expect(metrics(viaJson.batch)[0]!.data.points).toHaveLength(1);
  });

  it('drops metrics with no data or no points, and the groups they leave empty', () => {
    const result = decodeMetricsProtobuf(request(str(1, 'no.data'), concat(str(1, 'empty'), len(5))));
    expect(result).toEqual({ batch: { signal: 'metrics', resources: [] }, rejected: 0, message: '' });
  });

  it('fails a malformed request as a whole: truncated, a bad packed length, wrong JSON types', () => {
    // The request is one resource_metrics field: every cut short of its end is a truncation.
    for (let cut = 1; cut < proto.length; cut += 7) expect(() => decodeMetricsProtobuf(proto.subarray(0, cut)), `cut at ${cut}`).toThrow(OtlpDecodeError);
    expect(() => decodeMetricsProtobuf(request(concat(str(1, 'h'), len(9, len(1, len(6, Uint8Array.of(1, 2, 3)))))))).toThrow(/multiple of 8/);
    expect(() => decodeMetricsProtobuf(concat(tag(1, LEN), varint(50), Uint8Array.of(1)))).toThrow(OtlpDecodeError);
    expect(() => decodeMetricsProtobuf(concat(tag(1, I64)))).toThrow(OtlpDecodeError);
    for (const body of [
      { resourceMetrics: 3 },
      { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', sum: { dataPoints: [{ asDouble: 'lots' }] } }] }] }] },
      { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', histogram: { dataPoints: [{ bucketCounts: [-1] }] } }] }] }] },
      { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', gauge: [] }] }] }] },
      { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', sum: { aggregationTemporality: 'SIDEWAYS', dataPoints: [{}] } }] }] }] },
    ]) {
      expect(() => decodeMetricsJson(Buffer.from(JSON.stringify(body))), JSON.stringify(body)).toThrow(OtlpDecodeError);
    }
  });
});
