import type { Attributes, ResourceGroup, ScopeGroup, Span, TraceBatch } from '../../batch/types.ts';
import { priorityOf, writeSampleRate } from '../sampling/context.ts';
import { maxThreshold, parseThreshold, thresholdFor, type Threshold } from '../sampling/threshold.ts';
import { readOt, withThreshold, type OtValues } from '../sampling/tracestate.ts';
import type { HeldTrace } from './buffer.ts';
import { DROPPED, finalDecision, SAMPLED, type Policy, type TraceView, type Vote } from './policies.ts';

/** Policies in evaluation order (drop policies first, as a drop decision wins) with their names. */
export interface CompiledPolicies {
  readonly policies: readonly Policy[];
  readonly names: readonly string[];
}

/** The decision on one trace, and the policy that kept it (for metrics). */
export interface Verdict {
  readonly vote: Vote;
  readonly by: string | undefined;
  /** The threshold this stage applied to a kept trace (probabilistic keeps), else `undefined`. */
  readonly threshold: Threshold | undefined;
}

const ot: OtValues = { th: undefined, rv: undefined };

const prioritized: Verdict = Object.freeze({ vote: Object.freeze({ decision: SAMPLED, probability: 1 }), by: 'sampling.priority', threshold: undefined });

/**
 * Evaluates every policy on a trace (stopping at a drop, as the Collector does) and combines the
 * votes. A trace with a span marked `sampling.priority` > 0 (e.g. kept for a debug session) is
 * kept unless a drop policy drops it, as the head sampler's drop rules beat priority.
 */
export function decide(trace: HeldTrace | TraceView, compiled: CompiledPolicies, nowMs: number): Verdict {
  const view = 'randomness' in trace ? trace : viewOf(trace);
  const votes: Vote[] = [];
  let by: string | undefined;
  for (let i = 0; i < compiled.policies.length; i++) {
    const v = compiled.policies[i](view, nowMs);
    votes.push(v);
    if (v.decision === DROPPED) break;
    if (by === undefined && v.decision === SAMPLED) by = compiled.names[i];
  }
  const vote = finalDecision(votes);
  if (vote.decision !== DROPPED && view.spans.some((span) => span.attributes.size > 0 && priorityOf(span.attributes) > 0)) return prioritized;
  const threshold = vote.decision === SAMPLED && vote.probability < 1 ? thresholdFor(vote.probability, 4) : undefined;
  return { vote, by, threshold };
}

/** What policies see of a held trace. */
export function viewOf(trace: HeldTrace): TraceView {
  const resources: Attributes[] = [];
  for (const g of trace.groups) if (!resources.includes(g.resource.attributes)) resources.push(g.resource.attributes);
  let randomness = trace.traceId.length === 32 ? trace.traceId : '0'.repeat(32);
  let randomnessOffset = 18;
  for (const span of trace.spans) {
    if (readOt(span.traceState, ot) && ot.rv !== undefined) {
      randomness = ot.rv;
      randomnessOffset = 0;
      break;
    }
  }
  return { spans: trace.spans, resources, randomness, randomnessOffset };
}

/**
 * Builds one batch of the kept traces' spans, regrouped by the resource and scope each came
 * with, recording on each span the combined threshold (its incoming one raised to this stage's)
 * and the adjusted count, as the head sampler does.
 */
export function keptBatch(kept: { trace: HeldTrace; threshold: Threshold | undefined }[], sampleRateKey: string): TraceBatch {
  const resources: ResourceGroup<Span>[] = [];
  const groupOf = new Map<ResourceGroup<Span>, ResourceGroup<Span>>();
  const scopeOf = new Map<ScopeGroup<Span>, ScopeGroup<Span>>();
  for (const { trace, threshold } of kept) {
    for (let i = 0; i < trace.spans.length; i++) {
      const span = trace.spans[i];
      weigh(span, threshold, sampleRateKey);
      const inGroup = trace.groups[i];
      const inScope = trace.scopes[i];
      let group = groupOf.get(inGroup);
      if (!group) {
        group = { resource: inGroup.resource, schemaUrl: inGroup.schemaUrl, scopes: [] };
        groupOf.set(inGroup, group);
        resources.push(group);
      }
      let scope = scopeOf.get(inScope);
      if (!scope) {
        scope = { scope: inScope.scope, schemaUrl: inScope.schemaUrl, records: [] };
        scopeOf.set(inScope, scope);
        group.scopes.push(scope);
      }
      scope.records.push(span);
    }
  }
  return { signal: 'traces', resources };
}

/** Records a kept span's combined threshold and adjusted count (late spans too). */
export function weigh(span: Span, threshold: Threshold | undefined, sampleRateKey: string): void {
  const incoming = readOt(span.traceState, ot) && ot.th !== undefined ? parseThreshold(ot.th) : undefined;
  const out = threshold === undefined ? incoming : incoming === undefined ? threshold : maxThreshold(incoming, threshold);
  if (out !== incoming && out !== undefined) span.traceState = withThreshold(span.traceState, out.th);
  writeSampleRate(span.attributes, sampleRateKey, out);
}
