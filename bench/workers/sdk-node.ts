/**
 * The Node SDK measured in a process of its own (run with `--expose-gc`), printing one JSON line.
 * Arguments: mode, endpoint, dataDir, records.
 *
 * - `otelhouse`: `otelhouse/sdk/node` logs `records` records and flushes them to `endpoint` (a bare
 *   server that acknowledges everything): CPU µs per record of the whole process (writing ahead
 *   with fdatasync, gzip, sending), and the heap after a collection.
 * - `otel`: the same records through plain OpenTelemetry JS (`LoggerProvider`,
 *   `BatchLogRecordProcessor`, `OTLPLogExporter` over HTTP/JSON, batches of 512): no write-ahead,
 *   no compression; the figure the SDK's cost is set against.
 * - `memory`: `endpoint` does not answer, so records queue until the queue is full (the default
 *   5 MiB); the heap and RSS with the queue full, over those with it empty.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const [mode, endpoint, dataDir, count] = process.argv.slice(2) as [string, string, string, string];
const n = Number(count);
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with --expose-gc');

function heapMiB(): { heapMiB: number; rssMiB: number } {
  gc!();
  const m = process.memoryUsage();
  return { heapMiB: round(m.heapUsed / 2 ** 20), rssMiB: round(m.rss / 2 ** 20) };
}
const round = (x: number) => Math.round(x * 100) / 100;
const cpuUs = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
/** A record as apps write them: a message with an id in it and a few attributes. */
const attributes = (i: number) => ({ 'order.id': `A-${100_000 + i}`, 'user.id': `u${i % 997}`, 'cart.items': i % 7, amount: (i % 1000) * 1.25, 'http.route': '/api/checkout' });
const message = (i: number) => `order A-${100_000 + i} placed`;

if (mode === 'otelhouse' || mode === 'memory') {
  const sdk = await import('otelhouse/sdk/node');
  await sdk.init({ endpoint, service: 'bench-sdk', version: '1.0.0', dataDir, batchDelayMs: 50, handleProcessEvents: false });
  const before = heapMiB();
  if (mode === 'otelhouse') {
    const cpu0 = cpuUs();
    const t0 = performance.now();
    for (let i = 0; i < n; i++) {
      sdk.log('info', message(i), attributes(i));
      // An app makes records over time: 100 every 10 ms at most (10,000/s).
      if (i % 100 === 99) await sleep(10);
    }
    const ok = await sdk.flush(120_000);
    const cpu = cpuUs() - cpu0;
    console.log(JSON.stringify({ ok, records: n, cpuUsPerRecord: round(cpu / n), wallMs: Math.round(performance.now() - t0), heapAfterInit: before, heapAfterFlush: heapMiB(), health: sdk.health() }));
  } else {
    for (let i = 0; i < n; i++) {
      sdk.log('info', message(i), attributes(i));
      if (i % 1000 === 999) await sleep(1);
    }
    // Written ahead, and the queue at its bound (the oldest evicted).
    for (let i = 0; i < 100 && sdk.health().unsavedRecords > 0; i++) await sleep(50);
    const full = heapMiB();
    const h = sdk.health();
    console.log(JSON.stringify({ records: n, queuedRecords: h.queuedRecords, queuedMiB: round(h.queuedBytes / 2 ** 20), dropped: h.dropped, heapEmpty: before, heapFull: full, heapPerQueuedMiB: round((full.heapMiB - before.heapMiB) / (h.queuedBytes / 2 ** 20)) }));
  }
  await sdk.shutdown(100);
  process.exit(0);
} else if (mode === 'otel') {
  const { LoggerProvider, BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-http');
  const { resourceFromAttributes } = await import('@opentelemetry/resources');
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'bench-sdk', 'service.version': '1.0.0' }),
    processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${endpoint}/v1/logs` }), maxExportBatchSize: 512, maxQueueSize: n, scheduledDelayMillis: 50 })],
  });
  const logger = provider.getLogger('bench');
  const before = heapMiB();
  const cpu0 = cpuUs();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    logger.emit({ severityNumber: 9, severityText: 'INFO', body: message(i), attributes: attributes(i) });
    if (i % 100 === 99) await sleep(10);
  }
  await provider.forceFlush();
  const cpu = cpuUs() - cpu0;
  console.log(JSON.stringify({ ok: true, records: n, cpuUsPerRecord: round(cpu / n), wallMs: Math.round(performance.now() - t0), heapAfterInit: before, heapAfterFlush: heapMiB() }));
  await provider.shutdown();
  process.exit(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
