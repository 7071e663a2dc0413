/**
 * OTLP metrics end to end: the official OpenTelemetry JS metrics exporters (http/json and
 * http/protobuf) and hand-built requests → `POST /v1/metrics` → the processors → the five
 * `otel_metrics_*` tables, read back from the embedded ClickHouse with the values the Collector's
 * exporter would have written.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ExportResult } from '@opentelemetry/core';
import { OTLPMetricExporter as JsonMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoMetricExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json as handWritten, proto } from '../src/receiver/otlp/fixtures/metrics-requests.ts';
import { checkDrift, defaultSchemaOptions } from '../src/storage/clickhouse/schema/index.ts';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';

let gateway: Gateway;
/** The hand-built protobuf request, as a body fetch takes. */
const handBuilt = Buffer.from(proto);

beforeAll(async () => {
  gateway = await startGateway({
    protection: { rateLimits: [{ key: 'service.name', recordsPerSecond: 1, burst: 20 }] },
    processors: [{ type: 'redaction' }, { type: 'filter', dropMetricNames: ['^noise\\.'] }, { type: 'sampling', percentage: 1 }],
  });
});
afterAll(() => gateway?.shutdown());

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

/** What a service instrumented with the metrics SDK reports, tagged with `run`. */
async function instrumented(run: string): Promise<ResourceMetrics> {
  const reader = new Reader();
  const provider = new MeterProvider({ resource: resourceFromAttributes({ 'service.name': `shop-${run}`, 'service.version': '3.1.0' }), readers: [reader] });
  const meter = provider.getMeter('shop.metrics', '0.4.0');
  const requests = meter.createCounter('http.server.requests', { unit: '{request}', description: 'requests served' });
  // Attributes given out of key order: stored sorted, so both calls are one series.
  requests.add(2, { 'http.route': '/cart', 'http.method': 'GET' });
  requests.add(5, { 'http.route': '/pay', 'http.method': 'POST', 'user.email': 'ann@example.com' });
  const latency = meter.createHistogram('http.server.request.duration', { unit: 's', advice: { explicitBucketBoundaries: [0.1, 1] } });
  for (const v of [0.05, 0.5, 0.7, 4]) latency.record(v, { 'http.route': '/cart' });
  meter.createCounter('noise.ticks').add(1);
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

function exportMetrics(exporter: JsonMetricExporter | ProtoMetricExporter, metrics: ResourceMetrics): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(metrics, resolve));
}

describe('OTLP metrics through the official exporters', () => {
  for (const [name, Exporter] of [['http/json', JsonMetricExporter], ['http/protobuf', ProtoMetricExporter]] as const) {
    it(`stores ${name} sums and histograms in the Collector's tables, redacted, filtered, never sampled`, async () => {
      const run = randomUUID().slice(0, 8);
      const exporter = new Exporter({ url: `${gateway.url}/v1/metrics` });
      expect((await exportMetrics(exporter, await instrumented(run))).code).toBe(0);
      await exporter.shutdown();
      const service = `shop-${run}`;

      const sums = await rows<Record<string, unknown>>(gateway, `SELECT MetricName, MetricUnit, MetricDescription, ScopeName, ScopeVersion, Attributes, Value, Flags,
        AggregationTemporality, IsMonotonic, toUnixTimestamp(TimeUnix) >= toUnixTimestamp(StartTimeUnix) AS ordered, length(Exemplars.Value) AS exemplars
        FROM otel_metrics_sum WHERE ServiceName = '${service}' ORDER BY Value`);
      expect(sums).toEqual([
        {
          MetricName: 'http.server.requests', MetricUnit: '{request}', MetricDescription: 'requests served', ScopeName: 'shop.metrics', ScopeVersion: '0.4.0',
          Attributes: { 'http.method': 'GET', 'http.route': '/cart' }, Value: 2, Flags: 0, AggregationTemporality: 2, IsMonotonic: true, ordered: 1, exemplars: 0,
        },
        expect.objectContaining({ Attributes: { 'http.method': 'POST', 'http.route': '/pay', 'user.email': expect.not.stringContaining('ann@example.com') }, Value: 5 }),
      ]);
      // The attributes went in sorted by key, as the Collector inserts them.
      const [order] = await rows<{ keys: string[] }>(gateway, `SELECT mapKeys(Attributes) AS keys FROM otel_metrics_sum WHERE ServiceName = '${service}' AND Value = 5`);
      expect(order!.keys).toEqual(['http.method', 'http.route', 'user.email']);

      const histograms = await rows<Record<string, unknown>>(gateway, `SELECT Count, Sum, BucketCounts, ExplicitBounds, Min, Max, AggregationTemporality
        FROM otel_metrics_histogram WHERE ServiceName = '${service}'`);
      expect(histograms).toEqual([{ Count: 4, Sum: 5.25, BucketCounts: [1, 2, 1], ExplicitBounds: [0.1, 1], Min: 0.05, Max: 4, AggregationTemporality: 2 }]);

      const [noise] = await rows<{ n: number }>(gateway, `SELECT count() AS n FROM otel_metrics_sum WHERE ServiceName = '${service}' AND MetricName LIKE 'noise.%'`);
      expect(noise!.n).toBe(0);
    });
  }

  it('counts the data points received and dropped by name in /metrics', async () => {
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    // Two runs above, each of four data points (two sums, a histogram, a filtered counter).
    expect(Number(/otelhouse_receiver_records_received_total\{signal="metrics"\} (\d+)/.exec(text)?.[1])).toBe(8);
    expect(text).toContain('otelhouse_processor_dropped_total{processor="filter",signal="metrics",reason="metric_name"} 2');
    expect(text).not.toMatch(/otelhouse_processor_dropped_total\{processor="sampling",signal="metrics"/);
  });
});

describe('OTLP metrics built by hand', () => {
  it('stores every kind with NaN and ±Inf intact, absent sum/min/max as 0, exemplars in their Nested columns', async () => {
    const res = await fetch(`${gateway.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: handBuilt });
    expect(res.status).toBe(200);
    const q = (sql: string) => rows<Record<string, unknown>>(gateway, sql);
    const [orders] = await q(`SELECT Value, Exemplars.Value AS ev, Exemplars.TraceId AS et, Exemplars.FilteredAttributes AS ea, toUnixTimestamp(TimeUnix) AS t
      FROM otel_metrics_sum WHERE ServiceName = 'svc' AND MetricName = 'orders'`);
    expect(orders).toEqual({ Value: -9007199254740992, ev: [7], et: ['5b8efff798038103d269b633813fc60c'], ea: [{ 'user.tier': 'gold' }], t: 1544712661 });
    const ratio = await q(`SELECT isNaN(Value) AS nan, Flags FROM otel_metrics_gauge WHERE ServiceName = 'svc' AND MetricName = 'ratio' ORDER BY Flags`);
    expect(ratio).toEqual([{ nan: 1, Flags: 0 }, { nan: 0, Flags: 1 }]);
    const [latency] = await q(`SELECT Count, Sum, Min, Max, BucketCounts, ExplicitBounds, AggregationTemporality FROM otel_metrics_histogram WHERE ServiceName = 'svc' AND MetricName = 'latency'`);
    expect(latency).toEqual({ Count: 3, Sum: 0, Min: 0, Max: 0, BucketCounts: [1, 2, 0], ExplicitBounds: [0.1, 1], AggregationTemporality: 1 });
    const [sizes] = await q(`SELECT Count, Sum, Scale, ZeroCount, PositiveOffset, PositiveBucketCounts, NegativeOffset, NegativeBucketCounts, length(Exemplars.TraceId) AS exemplars
      FROM otel_metrics_exponential_histogram WHERE ServiceName = 'svc' AND MetricName = 'sizes'`);
    expect(sizes).toEqual({ Count: 4, Sum: -3.5, Scale: -2, ZeroCount: 1, PositiveOffset: 3, PositiveBucketCounts: [1, 1], NegativeOffset: -1, NegativeBucketCounts: [1], exemplars: 0 });
    const [gc] = await q(`SELECT Count, toString(Sum) AS sum, ValueAtQuantiles.Quantile AS q, arrayMap(v -> toString(v), ValueAtQuantiles.Value) AS v FROM otel_metrics_summary WHERE ServiceName = 'svc' AND MetricName = 'gc.pause'`);
    expect(gc).toEqual({ Count: 10, sum: 'inf', q: [0.5, 0.99], v: ['0.002', '-inf'] });
  });

  it('stores the opentelemetry-proto example metrics.json, gzip\'ed, exemplar attributes redacted', async () => {
    const example = JSON.parse(readFileSync(join(import.meta.dirname, 'fixtures', 'otlp-examples', 'metrics.json'), 'utf8'));
    example.resourceMetrics[0].resource.attributes[0].value.stringValue = 'example-svc';
    // An exemplar on the counter, its filtered attributes holding an email address.
    example.resourceMetrics[0].scopeMetrics[0].metrics[0].sum.dataPoints[0].exemplars = [{ asDouble: 1, timeUnixNano: '1544712660300000000', filteredAttributes: [{ key: 'enduser.email', value: { stringValue: 'bob@example.org' } }] }];
    const res = await fetch(`${gateway.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(JSON.stringify(example)) });
    expect(res.status).toBe(200);
    const stored = await rows<{ table: string; MetricName: string; MetricDescription: string }>(gateway, `SELECT * FROM (SELECT 'sum' AS table, MetricName, MetricDescription FROM otel_metrics_sum WHERE ServiceName = 'example-svc'
      UNION ALL SELECT 'gauge', MetricName, MetricDescription FROM otel_metrics_gauge WHERE ServiceName = 'example-svc'
      UNION ALL SELECT 'histogram', MetricName, MetricDescription FROM otel_metrics_histogram WHERE ServiceName = 'example-svc'
      UNION ALL SELECT 'exponential', MetricName, MetricDescription FROM otel_metrics_exponential_histogram WHERE ServiceName = 'example-svc') ORDER BY table`);
    expect(stored).toEqual([
      { table: 'exponential', MetricName: 'my.exponential.histogram', MetricDescription: 'I am an Exponential Histogram' },
      { table: 'gauge', MetricName: 'my.gauge', MetricDescription: 'I am a Gauge' },
      { table: 'histogram', MetricName: 'my.histogram', MetricDescription: 'I am a Histogram' },
      { table: 'sum', MetricName: 'my.counter', MetricDescription: 'I am a Counter' },
    ]);
    const [exemplar] = await rows<{ attributes: Array<Record<string, string>>; traceIds: string[] }>(gateway, `SELECT Exemplars.FilteredAttributes AS attributes, Exemplars.TraceId AS traceIds FROM otel_metrics_sum WHERE ServiceName = 'example-svc'`);
    expect(exemplar!.traceIds).toEqual(['0'.repeat(32)]);
    expect(exemplar!.attributes[0]!['enduser.email']).not.toContain('bob@example.org');
    expect(exemplar!.attributes[0]!['enduser.email']).toBeTruthy();
  });

  it('rate-limits by data points, as the other signals by records', async () => {
    const points = (n: number) => JSON.stringify({ resourceMetrics: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'limited' } }] }, scopeMetrics: [{ metrics: [{ name: 'g', gauge: { dataPoints: Array.from({ length: n }, (_, i) => ({ asDouble: i })) } }] }] }] });
    const post = (body: string) => fetch(`${gateway.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect((await post(points(15))).status).toBe(200);
    const refused = await post(points(14)); // 29 points against a burst of 20 at 1 per second (another body: an exact repeat is acknowledged as one)
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBeTruthy();
  });

  it('answers a partial success counting rejected data points', async () => {
    const body = JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'partial', gauge: { dataPoints: [
      { asDouble: 1, exemplars: [{ traceId: 'abc' }] }, { asDouble: 2 },
    ] } }] }] }] });
    const res = await fetch(`${gateway.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ partialSuccess: { rejectedDataPoints: '1', errorMessage: '1 data point rejected: exemplar trace_id must be 32 hex digits, got 3' } });
    const stored = await rows<{ Value: number }>(gateway, `SELECT Value FROM otel_metrics_gauge WHERE MetricName = 'partial'`);
    expect(stored).toEqual([{ Value: 2 }]);
  });

  it('answers bad input as OTLP errors: undecodable 400, wrong method 405, unknown media type 415', async () => {
    const post = (body: BodyInit, type: string) => fetch(`${gateway.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': type }, body });
    const truncated = await post(handBuilt.subarray(0, 40), 'application/x-protobuf');
    expect(truncated.status).toBe(400);
    expect(await truncated.arrayBuffer()).toBeInstanceOf(ArrayBuffer);
    const wrongType = await post(JSON.stringify({ resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'x', sum: { dataPoints: [{ asDouble: {} }] } }] }] }] }), 'application/json');
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).message).toMatch(/cannot decode metrics request: .*asDouble must be a number/);
    expect((await fetch(`${gateway.url}/v1/metrics`)).status).toBe(405);
    expect((await post('x', 'application/xml')).status).toBe(415);
  });

  it('inserts into a table an earlier Collector created (DateTime64(9) times, String name, its sort key), which the drift check accepts', async () => {
    await gateway.client.command({ query: 'DROP TABLE otel_metrics_gauge' });
    await gateway.client.command({ query: `CREATE TABLE otel_metrics_gauge (
      ResourceAttributes Map(LowCardinality(String), String), ResourceSchemaUrl String, ScopeName String, ScopeVersion String,
      ScopeAttributes Map(LowCardinality(String), String), ScopeDroppedAttrCount UInt32, ScopeSchemaUrl String, ServiceName LowCardinality(String),
      MetricName String, MetricDescription String, MetricUnit String, Attributes Map(LowCardinality(String), String),
      StartTimeUnix DateTime64(9), TimeUnix DateTime64(9), Value Float64, Flags UInt32,
      Exemplars Nested (FilteredAttributes Map(LowCardinality(String), String), TimeUnix DateTime64(9), Value Float64, SpanId String, TraceId String)
    ) ENGINE = MergeTree() PARTITION BY toDate(TimeUnix) ORDER BY (ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix))
    SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 10000` });
    // The same points as before in JSON: the protobuf request again would be acknowledged as a repeat, not stored.
    const res = await fetch(`${gateway.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: handWritten });
    expect(res.status).toBe(200);
    const stored = await rows<{ t: string; nan: number }>(gateway, `SELECT toString(TimeUnix) AS t, isNaN(Value) AS nan FROM otel_metrics_gauge WHERE MetricName = 'ratio' ORDER BY Flags`);
    // The older layout keeps the nanoseconds the current one drops.
    expect(stored).toEqual([{ t: '2018-12-13 14:51:01.300000000', nan: 1 }, { t: '2018-12-13 14:51:01.300000000', nan: 0 }]);
    expect((await checkDrift(gateway.client, defaultSchemaOptions)).filter((d) => d.table.startsWith('otel_metrics'))).toEqual([]);
  });
});
