import { JsonMetricsSerializer, ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import type { Metric, MetricBatch } from '../../batch/types.ts';
import { decodeMetricsJson, decodeMetricsProtobuf } from './index.ts';

// Round trip through the official OpenTelemetry JS metrics SDK and encoders: what a service
// instrumented with it sends, decoded from protobuf and from JSON to the same exact values.

class Reader extends MetricReader {
  constructor(temporality: AggregationTemporality) {
    super({ aggregationTemporalitySelector: () => temporality });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

async function collect(temporality: AggregationTemporality, infinities = false): Promise<ResourceMetrics> {
  const reader = new Reader(temporality);
  const provider = new MeterProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout', 'service.version': '2.0.1' }),
    readers: [reader],
    views: [{ instrumentName: 'payment.duration', aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } } }],
  });
  const meter = provider.getMeter('checkout.instrumentation', '1.4.0');
  const requests = meter.createCounter('http.server.requests', { description: 'requests served', unit: '{request}' });
  requests.add(3, { 'http.route': '/cart', 'http.response.status_code': 200 });
  requests.add(1.5, { 'http.route': '/pay', 'http.response.status_code': 502 });
  meter.createUpDownCounter('queue.depth').add(-4, { queue: 'emails' });
  const latency = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.1, 1] } });
  for (const v of [0.001, 0.007, 0.05, 0.05, 3]) latency.record(v, { 'http.route': '/cart' });
  const payment = meter.createHistogram('payment.duration', { unit: 'ms' });
  for (const v of [0, 1, 2, 3.5, 1000, 0.25]) payment.record(v);
  meter.createObservableGauge('cpu.temperature', { unit: 'Cel' }).addCallback((r) => {
    r.observe(71.5, { core: '0' });
    // Proto3 JSON writes these as strings; the official JSON serializer writes them as null (lost).
    if (infinities) {
      r.observe(Infinity, { core: '1' });
      r.observe(-Infinity, { core: '2' });
    }
  });
  const { resourceMetrics, errors } = await reader.collect();
  expect(errors).toEqual([]);
  await provider.shutdown();
  return resourceMetrics;
}

const byName = (batch: MetricBatch): Map<string, Metric> => new Map(batch.resources.flatMap((r) => r.scopes.flatMap((s) => s.records.map((m) => [m.name, m]))));

describe('metrics from the official OpenTelemetry JS SDK', () => {
  for (const temporality of [AggregationTemporality.CUMULATIVE, AggregationTemporality.DELTA]) {
    it(`decode to the same exact values from protobuf and JSON (${AggregationTemporality[temporality]})`, async () => {
      const rm = await collect(temporality);
      const proto = decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(rm)!);
      const json = decodeMetricsJson(JsonMetricsSerializer.serializeRequest(rm)!);
      expect(proto.rejected).toBe(0);
      expect(json.rejected).toBe(0);
      expect(json.batch).toEqual(proto.batch);

      const group = proto.batch.resources[0]!;
      expect(group.resource.attributes.get('service.name')).toBe('checkout');
      expect(group.scopes[0]!.scope).toMatchObject({ name: 'checkout.instrumentation', version: '1.4.0' });
      const metrics = byName(proto.batch);
      const otlpTemporality = temporality === AggregationTemporality.CUMULATIVE ? 2 : 1;

      const requests = metrics.get('http.server.requests')!;
      expect(requests).toMatchObject({ description: 'requests served', unit: '{request}' });
      expect(requests.data).toMatchObject({ kind: 'sum', temporality: otlpTemporality, monotonic: true });
      expect(requests.data.points.map((p) => [Object.fromEntries(p.attributes), 'value' in p ? p.value : null])).toEqual([
        [{ 'http.route': '/cart', 'http.response.status_code': 200n }, 3],
        [{ 'http.route': '/pay', 'http.response.status_code': 502n }, 1.5],
      ]);
      const point = requests.data.points[0]!;
      expect(point.timeUnixNano).toBeGreaterThanOrEqual(point.startTimeUnixNano);
      expect(point.startTimeUnixNano).toBeGreaterThan(0n);

      expect(metrics.get('queue.depth')!.data).toMatchObject({ kind: 'sum', monotonic: false, points: [{ value: -4 }] });

      const latency = metrics.get('http.server.request.duration')!.data;
      expect(latency).toMatchObject({ kind: 'histogram', temporality: otlpTemporality });
      expect(latency.points[0]).toMatchObject({ count: 5n, explicitBounds: [0.005, 0.01, 0.1, 1], bucketCounts: [1n, 1n, 2n, 0n, 1n], min: 0.001, max: 3 });
      expect((latency.points[0] as { sum: number }).sum).toBeCloseTo(3.108, 12);

      const payment = metrics.get('payment.duration')!.data;
      expect(payment.kind).toBe('exponentialHistogram');
      const exp = payment.points[0] as Extract<Metric['data'], { kind: 'exponentialHistogram' }>['points'][number];
      expect(exp).toMatchObject({ count: 6n, zeroCount: 1n, min: 0, max: 1000, sum: 1006.75 });
      expect(exp.positive.bucketCounts.reduce((a, b) => a + b, 0n)).toBe(5n);

      const gauge = metrics.get('cpu.temperature')!.data;
      expect(gauge.kind).toBe('gauge');
      expect(gauge.points.map((p) => ('value' in p ? p.value : null))).toEqual([71.5]);
    });
  }

  it('keep ±Infinity exactly from protobuf', async () => {
    const { batch } = decodeMetricsProtobuf(ProtobufMetricsSerializer.serializeRequest(await collect(AggregationTemporality.CUMULATIVE, true))!);
    const gauge = byName(batch).get('cpu.temperature')!.data;
    expect(gauge.points.map((p) => ('value' in p ? p.value : null))).toEqual([71.5, Infinity, -Infinity]);
  });
});
