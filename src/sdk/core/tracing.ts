import type { Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

import { encodeSpan, type EncodedRecord } from './otlpJson.ts';

/** Makes the client's tracer: each span stamped when it starts (`stamp`), queued when it ends. */
export type TracerFactory = (stamp: (set: (key: string, value: string) => void) => void, enqueue: (record: EncodedRecord) => void, version: string) => Tracer;

/**
 * Spans through the OTel JS SDK's `BasicTracerProvider`, kept in a module of its own so a build
 * without tracing (the browser's core build) leaves the trace SDK out.
 */
export const otelTracing: TracerFactory = (stamp, enqueue, version) => {
  const processor: SpanProcessor = {
    onStart: (span) => stamp((key, value) => span.setAttribute(key, value)),
    onEnd: (span: ReadableSpan) => enqueue(encodeSpan(span)),
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  return new BasicTracerProvider({ resource: resourceFromAttributes({}), spanProcessors: [processor] }).getTracer('otelhouse', version);
};
