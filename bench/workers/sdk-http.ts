/**
 * A small Node HTTP service, measured with and without the SDK (issue 14, point 9). Arguments:
 * mode (`bare` | `sdk` | `otel` | `floor` | `latency`), port, endpoint (a server that acknowledges everything), dataDir.
 *
 * - `bare` / `sdk`: serves `GET /api/orders/:id` (a little JSON work, as a handler does) on
 *   `port`, with `sdk` each request also logged through `otelhouse/sdk/node` (written ahead,
 *   batched, gzip'ed, sent), with `otel` through plain OpenTelemetry JS (batched and sent), with
 *   `floor` through the least logger keeping the SDK's write-ahead rule (`bench/lib/floorNode.ts`);
 *   `GET /health` answers 200. Runs until SIGTERM.
 * - `latency`: prints the p50 and p99 of one `log()` call, µs, timed over batches of 100 calls
 *   (the SDK running: written ahead and sent meanwhile).
 */
import { createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const [mode, port, endpoint, dataDir] = process.argv.slice(2) as [string, string, string, string];

const sdk = mode === 'sdk' || mode === 'latency' ? await import('otelhouse/sdk/node') : undefined;
await sdk?.init({ endpoint, service: 'bench-http', version: '1.0.0', dataDir, batchDelayMs: 1000, healthReportIntervalMs: 0, handleProcessEvents: false });
/** `otel`: plain OpenTelemetry JS logging the same records (batched, OTLP/HTTP JSON, nothing written ahead), the field's reference. */
const otel = mode === 'otel' ? await plainOtel() : undefined;
const floor = mode === 'floor' ? (await import('../lib/floorNode.ts')).floorLogger(endpoint, dataDir, 'bench-http') : undefined;

async function plainOtel() {
  const { LoggerProvider, BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-http', 'service.version': '1.0.0' }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${endpoint}/v1/logs` }), maxExportBatchSize: 512, maxQueueSize: 8192, scheduledDelayMillis: 1000 })],
  });
  return { provider, logger: provider.getLogger('bench-http', '1.0.0') };
}

if (mode === 'latency') {
  const samples: number[] = [];
  for (let s = 0; s < 300; s++) {
    const t0 = performance.now();
    for (let i = 0; i < 100; i++) sdk!.log('info', `order A-${s * 100 + i} placed`, { 'order.id': `A-${s * 100 + i}`, 'cart.items': i % 7, 'http.route': '/api/checkout' });
    samples.push(((performance.now() - t0) * 1000) / 100);
    // Between batches the SDK writes ahead and sends, as it would in an app.
    await sleep(5);
  }
  samples.sort((a, b) => a - b);
  const at = (q: number) => Math.round(samples[Math.floor(q * (samples.length - 1))]! * 100) / 100;
  await sdk!.flush(30_000);
  console.log(JSON.stringify({ samples: samples.length, callsPerSample: 100, p50Us: at(0.5), p99Us: at(0.99) }));
  await sdk!.shutdown(5000);
} else {
  const server = createServer((req, res) => {
    if (req.url === '/health') return void res.writeHead(200).end('ok');
    const id = req.url?.split('/').at(-1) ?? '';
    const body = JSON.stringify({ id, items: [{ sku: 'A-1', quantity: 2, price: 9.5 }, { sku: 'B-7', quantity: 1, price: 20 }], total: 39 });
    const attributes = { 'order.id': id, 'http.route': '/api/orders/:id', 'http.response.status_code': 200 };
    sdk?.log('info', 'order served', attributes);
    otel?.logger.emit({ severityNumber: 9, severityText: 'INFO', body: 'order served', attributes });
    floor?.log('order served', attributes);
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(Number(port), '127.0.0.1');
  process.on('SIGTERM', () => {
    server.close();
    void (sdk ? sdk.shutdown(5000) : otel ? otel.provider.shutdown() : floor ? floor.shutdown() : Promise.resolve()).then(() => process.exit(0));
  });
}
