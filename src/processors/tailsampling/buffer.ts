import type { ResourceGroup, ScopeGroup, Span } from '../../batch/types.ts';
import type { Threshold } from '../sampling/threshold.ts';

/** A trace awaiting its decision: its spans with the resource and scope each came with. */
export interface HeldTrace {
  readonly traceId: string;
  readonly firstSeenMs: number;
  readonly spans: Span[];
  readonly groups: ResourceGroup<Span>[];
  readonly scopes: ScopeGroup<Span>[];
  /** Hold-log segments holding some of its spans (disk durability). */
  readonly segments: number[];
}

/** A remembered decision: kept (with the threshold to record, `null` for none) or dropped. */
export type Cached = { sampled: true; threshold: Threshold | null } | { sampled: false };

export interface BufferLimits {
  decisionWaitMs: number;
  maxTraces: number;
  maxSpans: number;
  sampledCacheSize: number;
  notSampledCacheSize: number;
}

const notSampled: Cached = Object.freeze({ sampled: false });

/**
 * Traces held awaiting their decision, oldest first, and the decisions remembered for late spans.
 * Everything is bounded: held traces (`maxTraces`), held spans (`maxSpans`) and both decision
 * caches (oldest forgotten first). A Map keeps insertion order, which is arrival order, so the
 * oldest trace — the next due, and the first to give way — is always the first entry.
 */
export class TraceBuffer {
  private readonly held = new Map<string, HeldTrace>();
  private readonly sampled = new Map<string, Cached>();
  private readonly dropped = new Set<string>();
  private spans = 0;

  constructor(private readonly limits: BufferLimits) {}

  get traceCount(): number {
    return this.held.size;
  }

  get spanCount(): number {
    return this.spans;
  }

  /** Decisions remembered (kept, dropped). */
  get cachedCount(): [number, number] {
    return [this.sampled.size, this.dropped.size];
  }

  /** The remembered decision for a trace, if any. */
  decided(traceId: string): Cached | undefined {
    return this.sampled.get(traceId) ?? (this.dropped.has(traceId) ? notSampled : undefined);
  }

  /** Adds a span to its trace (creating it at `nowMs`); returns the trace. */
  hold(span: Span, group: ResourceGroup<Span>, scope: ScopeGroup<Span>, nowMs: number): HeldTrace {
    let trace = this.held.get(span.traceId);
    if (!trace) {
      trace = { traceId: span.traceId, firstSeenMs: nowMs, spans: [], groups: [], scopes: [], segments: [] };
      this.held.set(span.traceId, trace);
    }
    trace.spans.push(span);
    trace.groups.push(group);
    trace.scopes.push(scope);
    this.spans++;
    return trace;
  }

  /** Removes and returns the traces whose decision wait is over. */
  due(nowMs: number): HeldTrace[] {
    const out: HeldTrace[] = [];
    for (const trace of this.held.values()) {
      if (trace.firstSeenMs + this.limits.decisionWaitMs > nowMs) break;
      out.push(this.take(trace));
    }
    return out;
  }

  /** Removes and returns the oldest traces while more are held than the limits allow. */
  overflow(): HeldTrace[] {
    const out: HeldTrace[] = [];
    for (const trace of this.held.values()) {
      if (this.held.size <= this.limits.maxTraces && this.spans <= this.limits.maxSpans) break;
      out.push(this.take(trace));
    }
    return out;
  }

  /** Removes and returns every held trace (shutdown). */
  all(): HeldTrace[] {
    return [...this.held.values()].map((t) => this.take(t));
  }

  /** Remembers a decision so late spans follow it. */
  remember(traceId: string, decision: Cached): void {
    if (decision.sampled) {
      if (this.limits.sampledCacheSize === 0) return;
      this.sampled.delete(traceId);
      this.sampled.set(traceId, decision);
      if (this.sampled.size > this.limits.sampledCacheSize) this.sampled.delete(this.sampled.keys().next().value!);
    } else {
      if (this.limits.notSampledCacheSize === 0) return;
      this.dropped.delete(traceId);
      this.dropped.add(traceId);
      if (this.dropped.size > this.limits.notSampledCacheSize) this.dropped.delete(this.dropped.values().next().value!);
    }
  }

  private take(trace: HeldTrace): HeldTrace {
    this.held.delete(trace.traceId);
    this.spans -= trace.spans.length;
    return trace;
  }
}
