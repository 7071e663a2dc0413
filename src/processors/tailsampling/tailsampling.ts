import type { Batch, ResourceGroup, ScopeGroup, Span, TraceBatch } from '../../batch/types.ts';
import { RetryableError } from '../../errors.ts';
import type { DropSink, Processor, ProcessorContext, ProcessorFactory } from '../processor.ts';
import { TraceBuffer, type HeldTrace } from './buffer.ts';
import { tailSamplingConfigSchema, type TailSamplingConfig } from './config.ts';
import { decide, keptBatch, weigh, type CompiledPolicies } from './decide.ts';
import { memoryHold, type Hold } from './hold.ts';
import { HoldLog } from './holdlog.ts';
import { compilePolicy, DROPPED, SAMPLED } from './policies.ts';
import type { Threshold } from '../sampling/threshold.ts';

/**
 * Tail sampling: spans are held per trace for `decisionWaitMs` after the trace's first span,
 * then the policies decide the whole trace (the OTel Collector's `tail_sampling` policies and
 * precedence: drop > inverted-not-sampled > sampled > inverted-sampled > not sampled). Kept
 * traces are handed on through the rest of the chain into the exporter; spans arriving after the
 * decision follow the remembered one at once. Memory is bounded by `maxTraces` and `maxSpans`:
 * beyond them the oldest traces are decided early, with the spans seen so far (counted as
 * `evicted`). Counts stay correct: a trace kept only by a `probabilistic` policy gets that
 * policy's OTEP 235 threshold in its spans' tracestate and the adjusted count in `SampleRate`.
 *
 * **Durability, the trade-off.** The gateway answers 200 only once data is durable, but a held
 * span is, by design, neither exported nor dropped when its request is answered. Three options:
 * - answer only once the held spans' traces are decided and exported: keeps the promise, but each
 *   request waits `decisionWaitMs` — past OTLP clients' timeouts (10 s in the SDKs) and throttling
 *   an SDK's one-at-a-time exporter to a batch per wait;
 * - answer on receipt with the spans only in memory (`durability: memory`, the Collector's way):
 *   fast, but a crash loses every trace awaiting its decision (up to `decisionWaitMs` of data);
 * - answer once the held spans are fsynced to a local hold log, replayed after a crash
 *   (`durability: disk`, the default): the promise holds with receipt-time latency, at the cost of
 *   one sequential append and a shared fsync per request, disk bounded by `maxHoldBytes` (503
 *   beyond). After a crash, held traces are decided again once replayed (decision waits restart);
 *   a kept trace exported just before the crash may be stored twice (at-least-once, as OTLP).
 *   The log holds redacted data only when redaction runs earlier in the chain — it should.
 *
 * At shutdown every pending trace is decided with the spans it has. Decisions are per instance:
 * all spans of a trace must reach the same gateway (route by trace ID, e.g. the Collector's
 * load-balancing exporter), as for the Collector.
 */
export const tailSamplingFactory: ProcessorFactory<TailSamplingConfig> = {
  parse: (options) => tailSamplingConfigSchema.parse(options),
  create: (name, config) => new TailSamplingProcessor(name, config),
};

interface Kept {
  trace: HeldTrace;
  threshold: Threshold | undefined;
}

export class TailSamplingProcessor implements Processor {
  private readonly buffer: TraceBuffer;
  private readonly compiled: CompiledPolicies;
  private context: ProcessorContext | undefined;
  private hold: Hold = memoryHold;
  private timer: NodeJS.Timeout | undefined;
  private closing = false;
  /** Kept traces whose export was refused (write-ahead log full), retried at every tick. */
  private retry: Kept[] = [];
  /** The last hand-off was refused: new spans are refused too (503) rather than piling up. */
  private refused = false;
  private readonly emitting = new Set<Promise<void>>();

  constructor(
    readonly name: string,
    private readonly config: TailSamplingConfig,
    /** Tests drive time themselves: their clock, and `tick()` called by hand instead of a timer. */
    private readonly clock: { now: () => number; manualTicks: boolean } = { now: Date.now, manualTicks: false },
  ) {
    this.buffer = new TraceBuffer(config);
    const ordered = config.policies.map((p, i) => ({ p, name: p.name ?? `${p.type}_${i}` })).sort((a, b) => Number(b.p.type === 'drop') - Number(a.p.type === 'drop'));
    this.compiled = { policies: ordered.map((o) => compilePolicy(o.p)), names: ordered.map((o) => o.name) };
  }

  /** Held traces and spans, and decisions remembered — for tests and status. */
  get held(): { traces: number; spans: number; cached: [number, number] } {
    return { traces: this.buffer.traceCount, spans: this.buffer.spanCount, cached: this.buffer.cachedCount };
  }

  async start(context: ProcessorContext): Promise<void> {
    this.context = context;
    if (this.config.durability === 'disk') {
      this.hold = new HoldLog(context.stateDir, this.config.maxHoldBytes);
      const sink = context.report('traces');
      for (const batch of await this.hold.replay()) await this.process(batch, sink);
      await this.hold.replayed();
    }
    if (this.clock.manualTicks) return;
    const tickMs = Math.max(10, Math.min(1000, Math.floor(this.config.decisionWaitMs / 10)));
    this.timer = setInterval(() => this.tick(), tickMs);
    this.timer.unref();
  }

  process(batch: Batch, report: DropSink): Batch | Promise<Batch> {
    if (batch.signal !== 'traces') return batch;
    if (this.refused && !this.closing) throw new RetryableError('tail sampling: the exporter refuses kept traces', 5000, 'export_refused');
    const now = this.clock.now();
    // Route every span: late ones follow their trace's decision, the others are held.
    const toHold: TraceBatch = { signal: 'traces', resources: [] };
    const spans: Span[] = [];
    const scopes: ScopeGroup<Span>[] = [];
    const groups: ResourceGroup<Span>[] = [];
    let lateKept = 0;
    let lateDropped = 0;
    for (const group of batch.resources) {
      let heldGroup: ResourceGroup<Span> | undefined;
      for (const scope of group.scopes) {
        let heldScope: ScopeGroup<Span> | undefined;
        scope.records = scope.records.filter((span) => {
          const cached = this.buffer.decided(span.traceId);
          if (cached?.sampled) {
            weigh(span, cached.threshold ?? undefined, this.config.sampleRateAttribute);
            lateKept++;
            return true;
          }
          if (cached) {
            lateDropped++;
            return false;
          }
          if (!heldScope) {
            heldScope = { scope: scope.scope, schemaUrl: scope.schemaUrl, records: [] };
            if (!heldGroup) toHold.resources.push((heldGroup = { resource: group.resource, schemaUrl: group.schemaUrl, scopes: [] }));
            heldGroup.scopes.push(heldScope);
          }
          heldScope.records.push(span);
          spans.push(span);
          scopes.push(scope);
          groups.push(group);
          return false;
        });
      }
      group.scopes = group.scopes.filter((s) => s.records.length > 0);
    }
    batch.resources = batch.resources.filter((g) => g.scopes.length > 0);
    if (spans.length === 0 || this.closing) {
      report.drop('not_sampled', lateDropped);
      report.count('late_span_kept', lateKept);
    }
    if (spans.length === 0) return batch;

    if (this.closing) {
      // Shutting down: nothing more is held; decide these traces now, with what they have.
      const pending = new TraceBuffer({ ...this.config, decisionWaitMs: 0 });
      for (let i = 0; i < spans.length; i++) pending.hold(spans[i], groups[i], scopes[i], 0);
      const { kept } = this.decideAll(pending.all(), report);
      batch.resources.push(...keptBatch(kept, this.config.sampleRateAttribute).resources);
      return batch;
    }

    // Durable first (a full hold log refuses the request before anything is held or counted), then held.
    const { segment, durable } = this.hold.write(toHold);
    report.drop('not_sampled', lateDropped);
    report.count('late_span_kept', lateKept);
    for (let i = 0; i < spans.length; i++) {
      const trace = this.buffer.hold(spans[i], groups[i], scopes[i], now);
      if (segment >= 0 && !trace.segments.includes(segment)) {
        trace.segments.push(segment);
        this.hold.retain(segment);
      }
    }
    report.defer?.(spans.length);
    const early = this.buffer.overflow();
    if (early.length) {
      report.count('evicted', early.length);
      this.finish(early, report);
    }
    return durable.then(
      () => batch,
      (err: Error) => {
        throw new RetryableError(`tail-sampling hold log write failed: ${err.message}`, 5000, 'hold_failed');
      },
    );
  }

  async shutdown(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearInterval(this.timer);
    if (this.context) {
      this.finish(this.buffer.all(), this.context.report('traces'));
      this.flushRetries();
    }
    await Promise.allSettled([...this.emitting]);
    // What could not be exported stays in the hold log (disk) for the next start; in memory it is lost.
    if (this.config.durability === 'memory') this.context?.report('traces').drop('export_failed', this.retry.reduce((n, k) => n + k.trace.spans.length, 0));
    await this.hold.close();
  }

  /** Decides the traces whose wait is over, and retries refused exports. */
  tick(): void {
    if (!this.context || this.closing) return;
    this.flushRetries();
    const due = this.buffer.due(this.clock.now());
    if (due.length) this.finish(due, this.context.report('traces'));
  }

  /** Decides traces, remembers the decisions, releases the dropped and hands on the kept. */
  private finish(traces: HeldTrace[], report: DropSink): void {
    const { kept, done } = this.decideAll(traces, report);
    this.hold.release(done.map((t) => t.traceId), done.flatMap((t) => t.segments));
    if (kept.length) this.emit(kept);
  }

  private decideAll(traces: HeldTrace[], report: DropSink): { kept: Kept[]; done: HeldTrace[] } {
    const kept: Kept[] = [];
    const done: HeldTrace[] = [];
    const now = this.clock.now();
    for (const trace of traces) {
      const verdict = decide(trace, this.compiled, now);
      if (verdict.vote.decision === SAMPLED) {
        this.buffer.remember(trace.traceId, { sampled: true, threshold: verdict.threshold ?? null });
        kept.push({ trace, threshold: verdict.threshold });
        report.count(`sampled_by_${verdict.by ?? 'inverted_match'}`, 1);
      } else {
        this.buffer.remember(trace.traceId, { sampled: false });
        report.drop(verdict.vote.decision === DROPPED ? 'dropped_by_policy' : 'not_sampled', trace.spans.length);
        done.push(trace);
      }
    }
    return { kept, done };
  }

  private emit(kept: Kept[]): void {
    const context = this.context!;
    const done = context.emit(keptBatch(kept, this.config.sampleRateAttribute)).then(
      () => {
        this.refused = false;
        this.hold.release(kept.map((k) => k.trace.traceId), kept.flatMap((k) => k.trace.segments));
      },
      () => {
        this.refused = true;
        context.report('traces').count('export_retry', kept.length);
        this.retry.push(...kept);
      },
    );
    this.emitting.add(done);
    void done.finally(() => this.emitting.delete(done));
  }

  private flushRetries(): void {
    if (!this.retry.length) return;
    const kept = this.retry;
    this.retry = [];
    this.emit(kept);
  }
}
