import { ProtobufMetricsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationTemporality, MeterProvider, MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** Shared by every pool in the process, so no two requests carry the same times. */
let nextSeq = 1;

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const routes = ['/api/v1/orders/{id}', '/api/v1/cart', '/api/v1/checkout', '/api/v1/search', '/api/v1/users/{id}', '/health', '/api/v1/payments', '/api/v1/items/{id}'];

/**
 * What an instrumented HTTP service reports at one collection, through the official metrics SDK:
 * per attribute set (route × method × status) a request counter, a duration histogram (the
 * semantic conventions' buckets), an in-flight up-down counter and a body size gauge; `points`
 * data points in all (a multiple of 4).
 */
export async function benchMetrics(points: number, template: number): Promise<ResourceMetrics> {
  const reader = new Reader();
  const provider = new MeterProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout', 'service.version': '2.14.1', 'service.namespace': 'shop', 'deployment.environment.name': 'production',
      'host.name': `checkout-7d9f8c6b5-${template}`, 'service.instance.id': `instance-${template}`, 'telemetry.sdk.language': 'nodejs',
    }),
    readers: [reader],
  });
  const meter = provider.getMeter('@opentelemetry/instrumentation-http', '0.223.1');
  const requests = meter.createCounter('http.server.requests', { unit: '{request}' });
  const duration = meter.createHistogram('http.server.request.duration', {
    unit: 's', advice: { explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10] },
  });
  const active = meter.createUpDownCounter('http.server.active_requests', { unit: '{request}' });
  const sizes = new Map<string, number>();
  meter.createObservableGauge('http.server.request.body.size.last', { unit: 'By' }).addCallback((r) => {
    for (const [key, size] of sizes) r.observe(size, JSON.parse(key) as Record<string, string | number>);
  });
  for (let i = 0; i < points / 4; i++) {
    const attributes = { 'http.route': routes[i % routes.length]!, 'http.request.method': ['GET', 'POST', 'PUT', 'DELETE'][(i >> 3) % 4]!, 'http.response.status_code': 200 + (i >> 5), 'server.address': 'shop.example.com' };
    requests.add(1 + (i % 17), attributes);
    for (let k = 0; k < 5; k++) duration.record(((i * 7 + k * 13) % 1000) / 997, attributes);
    active.add((i % 5) - 2, attributes);
    sizes.set(JSON.stringify(attributes), 512 + ((i * 31) % 4096));
  }
  const { resourceMetrics } = await reader.collect();
  await provider.shutdown();
  return resourceMetrics;
}

/** One pre-serialized `ExportMetricsServiceRequest` and where its time stamps sit in the bytes. */
interface Template {
  body: Buffer;
  /** Offsets of every 8-byte `time_unix_nano` of a data point: each request gets fresh ones. */
  timeOffsets: Uint32Array;
  time: bigint;
}

/**
 * Distinct OTLP protobuf metrics requests of `pointsPerRequest` data points, built once by the
 * official serializer. `next()` moves every point's time on by a sequence number of nanoseconds,
 * so every request the gateway sees is new (an exact repeat is acknowledged, not stored).
 */
export class MetricRequestPool {
  private readonly templates: Template[] = [];
  private cursor = 0;

  private constructor(readonly pointsPerRequest: number) {}

  static async create(pointsPerRequest: number, size: number): Promise<MetricRequestPool> {
    const pool = new MetricRequestPool(pointsPerRequest);
    for (let t = 0; t < size; t++) {
      const rm = await benchMetrics(pointsPerRequest, t);
      const body = Buffer.from(ProtobufMetricsSerializer.serializeRequest(rm)!);
      const [seconds, nanos] = rm.scopeMetrics[0]!.metrics[0]!.dataPoints[0]!.endTime;
      const time = BigInt(seconds) * 1_000_000_000n + BigInt(nanos);
      const needle = Buffer.alloc(8);
      needle.writeBigUInt64LE(time);
      const offsets: number[] = [];
      // Every data point's time_unix_nano (field 3, fixed64: tag 0x19) holds the collection time.
      for (let at = body.indexOf(needle); at >= 0; at = body.indexOf(needle, at + 8)) if (body[at - 1] === 0x19) offsets.push(at);
      if (offsets.length !== pointsPerRequest) throw new Error(`bench: found ${offsets.length} point times in a request of ${pointsPerRequest} points`);
      pool.templates.push({ body, timeOffsets: Uint32Array.from(offsets), time });
    }
    return pool;
  }

  get bytesPerRequest(): number {
    return this.templates[0]!.body.length;
  }

  /** The next request with fresh times (the buffer is reused after `size` calls). */
  next(): Buffer {
    const t = this.templates[this.cursor]!;
    this.cursor = (this.cursor + 1) % this.templates.length;
    const time = t.time + BigInt(nextSeq++) * 1000n;
    for (const off of t.timeOffsets) t.body.writeBigUInt64LE(time, off);
    return t.body;
  }
}
