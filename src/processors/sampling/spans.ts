import { retainRecords } from '../../batch/records.ts';
import type { Span, TraceBatch } from '../../batch/types.ts';
import { priorityOf, writeSampleRate, type Sampler, type Tally } from './context.ts';
import { hexAtLeast } from './randomness.ts';
import type { Threshold } from './threshold.ts';
import { readOt, withThreshold, type OtValues } from './tracestate.ts';

/**
 * Samples the spans of a batch in place. Per span, in order of precedence:
 * 1. a drop rule matches → dropped (`drop_rule`);
 * 2. `sampling.priority` 0 → dropped (`sampling_priority`); > 0 → kept;
 * 3. status Error or an `exception` event (with `keepErrors`) → kept;
 * 4. else kept iff `rv ≥ th`, `rv` = the tracestate's `ot` `rv` or the low 56 bits of the trace
 *    ID, `th` = the rate's threshold combined with the incoming one (`sampled_out` otherwise).
 * Kept spans leave with `ot=th:…` in their tracestate and the adjusted count in `SampleRate`;
 * kept-by-rule spans (2, 3) keep their incoming threshold, since this stage did not sample them.
 * At a 100 % rate, which keeps every span with its incoming threshold anyway, 2 and 3 exempt
 * nothing: they are neither evaluated nor counted (`kept_priority`, `kept_error`).
 */
export function sampleSpans(batch: TraceBatch, sampler: Sampler, tally: Tally): void {
  const { keepErrors, sampleRateKey } = sampler;
  // Spans of one trace share their incoming tracestate: remember the last rewrite.
  let memoIn = '';
  let memoTh: string | undefined;
  let memoOut = '';
  const ot: OtValues = { th: undefined, rv: undefined };

  retainRecords(batch, (span, group) => {
    const plan = sampler.planOf(group);
    if (plan.dropSpan !== undefined && plan.dropSpan(span, group.resource.attributes)) {
      tally.dropRule++;
      return false;
    }
    const priority = priorityOf(span.attributes);
    if (priority === 0) {
      tally.priority++;
      return false;
    }
    // A 100 % rate keeps every span as it came, so none is exempted (or counted as kept by a rule),
    // and its status and events need not be read.
    const rate = plan.spanRate(span.name);
    const forced = !rate.keepsAll && (priority > 0 || (keepErrors && isError(span)));
    if (forced) priority > 0 ? tally.keptPriority++ : tally.keptError++;

    const hasOt = readOt(span.traceState, ot);
    const rv = hasOt ? ot.rv : undefined;
    let incoming = hasOt && ot.th !== undefined ? sampler.threshold(ot.th) : undefined;
    const source = rv ?? (span.traceId.length === 32 ? span.traceId : undefined);
    const offset = rv === undefined ? 18 : 0;
    let erased = false;
    if (incoming !== undefined && source !== undefined && !hexAtLeast(source, offset, incoming)) {
      // Spec: an arriving threshold the randomness contradicts is erased.
      tally.inconsistent++;
      incoming = undefined;
      erased = true;
    }

    let out: Threshold | undefined | null = incoming;
    if (!forced) {
      out = rate.outgoing(incoming);
      if (out === null) {
        tally.sampledOut++;
        return false;
      }
      if (out !== undefined) {
        if (source === undefined) {
          // No randomness (an invalid trace ID): kept as it came, like the Collector with fail_closed off.
          tally.missingRandomness++;
          return true;
        }
        if (!hexAtLeast(source, offset, out)) {
          tally.sampledOut++;
          return false;
        }
      }
    }

    if (out !== incoming || erased) {
      const th = out?.th;
      if (span.traceState !== memoIn || th !== memoTh) {
        memoIn = span.traceState;
        memoTh = th;
        memoOut = withThreshold(memoIn, th);
      }
      span.traceState = memoOut;
    }
    writeSampleRate(span.attributes, sampleRateKey, out);
    return true;
  });
}

function isError(span: Span): boolean {
  if (span.status.code === 2) return true;
  const events = span.events;
  for (let i = 0; i < events.length; i++) if (events[i].name === 'exception') return true;
  return false;
}
