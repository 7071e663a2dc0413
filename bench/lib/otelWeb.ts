/**
 * The field's reference for the browser overhead bench (issue 14, point 9): plain OpenTelemetry JS
 * for the web, doing what the otelhouse SDK does in the bench's workload — each fetch a CLIENT
 * span (the fetch instrumentation, `traceparent` to the page's origin), each `log()` a log record,
 * both batched and sent as OTLP/HTTP JSON — with its defaults, and nothing it lacks (no write-ahead
 * store, redaction, breadcrumbs or web vitals). Bundled as an app would (`appBundle`, iife), with
 * the SDK's `init`/`log`/`flush` so the same page and workload run on either.
 */
import type { AnyValueMap, Logger } from '@opentelemetry/api-logs';
import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { FetchInstrumentation } from '@opentelemetry/instrumentation-fetch';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, WebTracerProvider } from '@opentelemetry/sdk-trace-web';

const SEVERITY: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

let logs: LoggerProvider | undefined;
let traces: WebTracerProvider | undefined;
let logger: Logger | undefined;

export function init(options: { endpoint: string; service: string }): void {
  const resource = resourceFromAttributes({ 'service.name': options.service });
  traces = new WebTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` }))] });
  traces.register();
  registerInstrumentations({ instrumentations: [new FetchInstrumentation({ ignoreUrls: [new RegExp(`^${options.endpoint.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/v1/`)] })] });
  logs = new LoggerProvider({ resource, processors: [new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${options.endpoint}/v1/logs` }) })] });
  logger = logs.getLogger('bench-web');
}

export function log(level: string, message: string, attributes?: AnyValueMap): void {
  logger?.emit({ severityNumber: SEVERITY[level] ?? 9, severityText: level.toUpperCase(), body: message, attributes });
}

export async function flush(): Promise<void> {
  await Promise.all([logs?.forceFlush(), traces?.forceFlush()]);
}
