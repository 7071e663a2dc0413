import { otelTracing } from '../core/tracing.ts';
import { networkSpans } from './network.ts';
import type { FullBuild } from './runtime.ts';
import { webVitals } from './vitals.ts';

/** What the full build adds to the core one: the trace SDK, network spans, web vitals. */
export const FULL: FullBuild = { tracing: otelTracing, vitals: webVitals, network: networkSpans };
