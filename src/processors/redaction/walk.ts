/**
 * Walks a batch through a rule set: every place that can carry personal data, and the summary
 * attributes on whatever changed.
 */
import type { Attributes, Batch, LogRecord, Metric, Span } from '../../batch/types.ts';
import { Recent, REMOVED, type Redacted, type Redactor, type Tally } from './engine/index.ts';

export const COUNT_ATTRIBUTE = 'otelhouse.redaction.count';
export const RULES_ATTRIBUTE = 'otelhouse.redaction.rules';

export type Summary = 'full' | 'count' | 'off';

/**
 * Redacts `batch` in place and adds each record's redactions to `totals` (per rule index).
 *
 * Summaries go on the attributes of what was changed: a span or log record carries the
 * redactions in its own name, attributes, status message, events, links and body; a resource or
 * scope carries those in its own attributes. Resource and scope redactions are therefore counted
 * once, not once per record, and still show on every stored row through its resource columns.
 * A metric's data point attributes and exemplar attributes are redacted and counted, but get no
 * summary attributes: a point's attributes are its series, and a summary would split it.
 */
export function redactBatch(batch: Batch, redactor: Redactor, tally: Tally, totals: Float64Array, summary: Summary, recent: RecentTexts): void {
  const done = (attributes: Attributes) => {
    if (tally.total > 0 && summary !== 'off') summarize(attributes, tally, summary === 'full');
    tally.flush(totals);
  };
  for (const group of batch.resources) {
    redactor.attributes(group.resource.attributes, tally);
    done(group.resource.attributes);
    for (const scopeGroup of group.scopes) {
      redactor.attributes(scopeGroup.scope.attributes, tally);
      done(scopeGroup.scope.attributes);
      if (batch.signal === 'metrics') {
        for (const metric of scopeGroup.records as Metric[]) {
          redactMetric(metric, redactor, tally);
          tally.flush(totals);
        }
      } else if (batch.signal === 'traces') {
        for (const span of scopeGroup.records as Span[]) {
          redactSpan(span, redactor, tally, recent);
          done(span.attributes);
        }
      } else {
        for (const log of scopeGroup.records as LogRecord[]) {
          redactLog(log, redactor, tally);
          done(log.attributes);
        }
      }
    }
  }
}

/** Recent clean span names, status messages and event names, kept by the processor across batches. */
export interface RecentTexts {
  spanName: Recent;
  statusMessage: Recent;
  eventName: Recent;
}

export const recentTexts = (): RecentTexts => ({ spanName: new Recent(), statusMessage: new Recent(), eventName: new Recent() });

const text = (s: Redacted<string>): string => (s === REMOVED ? '' : s);

function redactSpan(span: Span, redactor: Redactor, tally: Tally, recent: RecentTexts): void {
  span.name = text(redactor.recentText(span.name, recent.spanName, tally));
  redactor.attributes(span.attributes, tally);
  if (span.status.message) span.status.message = text(redactor.recentText(span.status.message, recent.statusMessage, tally));
  // Indexed loops: for…of allocated an iterator per span here (measured), even over empty arrays.
  const { events, links } = span;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    event.name = text(redactor.recentText(event.name, recent.eventName, tally));
    redactor.attributes(event.attributes, tally);
  }
  for (let i = 0; i < links.length; i++) redactor.attributes(links[i].attributes, tally);
}

function redactLog(log: LogRecord, redactor: Redactor, tally: Tally): void {
  const body = redactor.value(log.body, 0, tally);
  log.body = body === REMOVED ? '' : body;
  redactor.attributes(log.attributes, tally);
}

function redactMetric(metric: Metric, redactor: Redactor, tally: Tally): void {
  const points = metric.data.points;
  for (let i = 0; i < points.length; i++) {
    const point = points[i];
    redactor.attributes(point.attributes, tally);
    if ('exemplars' in point) for (const exemplar of point.exemplars) redactor.attributes(exemplar.filteredAttributes, tally);
  }
}

/** Counts as int64 values, made once: `BigInt(n)` per record is a measurable cost. */
const SMALL = Array.from({ length: 64 }, (_, i) => BigInt(i));

/** Sets (or, after an earlier pass such as the SDK's, adds to) the count and the sorted rule names. */
function summarize(attributes: Attributes, tally: Tally, withRules: boolean): void {
  const previous = attributes.get(COUNT_ATTRIBUTE);
  let count = tally.total < SMALL.length ? SMALL[tally.total] : BigInt(tally.total);
  if (typeof previous === 'bigint') count += previous;
  else if (typeof previous === 'number' && Number.isSafeInteger(previous)) count += BigInt(previous);
  attributes.set(COUNT_ATTRIBUTE, count);
  if (!withRules) return;
  const rules = tally.rules();
  const earlier = attributes.get(RULES_ATTRIBUTE);
  if (Array.isArray(earlier)) {
    for (const name of earlier) if (typeof name === 'string' && !rules.includes(name)) rules.push(name);
    rules.sort();
  }
  attributes.set(RULES_ATTRIBUTE, rules);
}
