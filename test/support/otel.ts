import type { ExportResult } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, InMemoryLogRecordExporter, SimpleLogRecordProcessor, type ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import type { Attributes } from '@opentelemetry/api';

/** Anything with the SDK exporters' `export(items, callback)` shape. */
interface Exporter<T> {
  export(items: T[], done: (result: ExportResult) => void): void;
  shutdown(): Promise<void>;
}

/** Exports items through an official OTel exporter and resolves with its result (code 0 = success). */
export function exportWith<T>(exporter: Exporter<T>, items: T[]): Promise<ExportResult> {
  return new Promise((resolve) => exporter.export(items, resolve));
}

/** Records spans made with the real OTel SDK, so tests can export the very same ReadableSpans. */
export function recordSpans(serviceAttrs: Attributes, make: (tracer: ReturnType<BasicTracerProvider['getTracer']>) => void): ReadableSpan[] {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ resource: resourceFromAttributes(serviceAttrs), spanProcessors: [new SimpleSpanProcessor(memory)] });
  make(provider.getTracer('otelhouse-test', '1.2.3'));
  return memory.getFinishedSpans();
}

/** Records log records made with the real OTel logs SDK. */
export function recordLogs(serviceAttrs: Attributes, make: (logger: ReturnType<LoggerProvider['getLogger']>) => void): ReadableLogRecord[] {
  const memory = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({ resource: resourceFromAttributes(serviceAttrs), processors: [new SimpleLogRecordProcessor({ exporter: memory })] });
  make(provider.getLogger('otelhouse-test-logs', '4.5.6'));
  return memory.getFinishedLogRecords();
}

/** An OTel `HrTime` as exact nanoseconds, as ClickHouse's `toUnixTimestamp64Nano` returns it. */
export function hrNanos([seconds, nanos]: [number, number]): string {
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();
}
