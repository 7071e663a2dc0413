import { createTraceState, SamplingDecision, trace, type Tracer } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, type ReadableSpan, type Sampler, type SpanProcessor } from '@opentelemetry/sdk-trace-base';

import { encodeSpan, type EncodedObject } from './otlpJson.ts';

/** A root span's sampling: kept or not, with the threshold (and, when not the trace ID's, the randomness) it leaves with; undefined: kept, unsampled. */
export type RootSampling = (traceId: string) => undefined | { keep: boolean; th: string; rv?: string };

/**
 * Makes the client's tracer: each span stamped when it starts (`stamp`), queued when it ends if
 * its trace is sampled or it failed (errors are kept from sampled-out traces too).
 */
export type TracerFactory = (stamp: (set: (key: string, value: string) => void) => void, enqueue: (span: EncodedObject) => void, version: string, sample: RootSampling) => Tracer;

/**
 * Spans through the OTel JS SDK's `BasicTracerProvider`, kept in a module of its own so a build
 * without tracing (the browser's core build) leaves the trace SDK out.
 */
export const otelTracing: TracerFactory = (stamp, enqueue, version, sample) => {
  const processor: SpanProcessor = {
    onStart: (span) => stamp((key, value) => span.setAttribute(key, value)),
    onEnd: (span: ReadableSpan) => {
      // SpanStatusCode.ERROR is 2; a sampled-out trace's spans are recorded only for this.
      if ((span.spanContext().traceFlags & 1) === 1 || span.status.code === 2) enqueue(encodeSpan(span));
    },
    forceFlush: async () => {},
    shutdown: async () => {},
  };
  // Parent-based: a child follows its parent (local or remote) and inherits its tracestate.
  const sampler: Sampler = {
    shouldSample(context, traceId) {
      const parent = trace.getSpanContext(context);
      if (parent && trace.isSpanContextValid(parent)) return { decision: parent.traceFlags & 1 ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.RECORD };
      const decided = sample(traceId);
      if (!decided) return { decision: SamplingDecision.RECORD_AND_SAMPLED };
      return {
        decision: decided.keep ? SamplingDecision.RECORD_AND_SAMPLED : SamplingDecision.RECORD,
        traceState: createTraceState(`ot=th:${decided.th}${decided.rv ? `;rv:${decided.rv}` : ''}`),
      };
    },
    toString: () => 'otelhouse',
  };
  return new BasicTracerProvider({ resource: resourceFromAttributes({}), spanProcessors: [processor], sampler }).getTracer('otelhouse', version);
};
