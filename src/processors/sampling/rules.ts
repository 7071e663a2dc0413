import type { Attributes, AnyValue, LogRecord, Span } from '../../batch/types.ts';
import type { DropRule, SamplingConfig } from './config.ts';
import { maxThreshold, thresholdFor, type Threshold } from './threshold.ts';

/** A compiled sampling rate. */
export interface Rate {
  /**
   * The threshold a record leaves with, given the one it arrived with: `null` = never kept (0%,
   * or a product below 2^-56); `undefined` = kept with nothing to record (100%, none incoming).
   */
  outgoing(incoming: Threshold | undefined): Threshold | undefined | null;
  /** 100 %: every record is kept with the threshold it came with, so none needs exempting. */
  readonly keepsAll: boolean;
}

/** What the sampler needs for the records of one service, compiled once per `service.name`. */
export interface ServicePlan {
  spanRate(name: string): Rate;
  readonly logRate: Rate;
  /** Rates of log events by `EventName` (rules with `eventName`), over {@link logRate}; undefined when none. */
  readonly eventRates: ReadonlyMap<string, Rate> | undefined;
  /** Drop predicates; `undefined` when no drop rule concerns this service. */
  readonly dropSpan: ((span: Span, resource: Attributes) => boolean) | undefined;
  readonly dropLog: ((log: LogRecord, resource: Attributes) => boolean) | undefined;
}

const maxCachedPlans = 1024;
const maxCachedNames = 4096;
const maxCachedIncoming = 256;

/** Compiles the rules of a sampling config; plans per service are built on first use and cached. */
export function compilePlans(config: SamplingConfig): (service: string) => ServicePlan {
  const rateOf = new Map<number, Rate>();
  const rate = (percentage: number): Rate => {
    let r = rateOf.get(percentage);
    if (!r) rateOf.set(percentage, (r = compileRate(percentage / 100, config.mode, config.precision)));
    return r;
  };
  const rules = config.rules.filter((r) => r.eventName === undefined).map((r) => ({ service: r.service, name: r.spanName === undefined ? undefined : new RegExp(r.spanName), rate: rate(r.percentage) }));
  const eventRules = config.rules.filter((r) => r.eventName !== undefined).map((r) => ({ service: r.service, eventName: r.eventName!, rate: rate(r.percentage) }));
  const drops = config.dropRules.map((r) => ({ service: r.service, forLogs: r.spanName === undefined, span: compileDrop(r) }));
  const fallback = rate(config.percentage);
  const plans = new Map<string, ServicePlan>();

  return (service) => {
    let plan = plans.get(service);
    if (plan) return plan;
    const applicable = rules.filter((r) => r.service === undefined || r.service === service);
    const cut = applicable.findIndex((r) => r.name === undefined);
    const named = (cut === -1 ? applicable : applicable.slice(0, cut)) as { name: RegExp; rate: Rate }[];
    const serviceRate = cut === -1 ? fallback : applicable[cut].rate;
    const spanDrops = drops.filter((d) => d.service === undefined || d.service === service).map((d) => d.span);
    const logDrops = drops.filter((d) => (d.service === undefined || d.service === service) && d.forLogs).map((d) => d.span);
    // The first rule of an event name wins for it.
    const eventRates = new Map<string, Rate>();
    for (const r of eventRules) if ((r.service === undefined || r.service === service) && !eventRates.has(r.eventName)) eventRates.set(r.eventName, r.rate);
    plan = {
      spanRate: named.length === 0 ? () => serviceRate : byName(named, serviceRate),
      logRate: serviceRate,
      eventRates: eventRates.size ? eventRates : undefined,
      dropSpan: spanDrops.length ? (span, resource) => anyMatch(spanDrops, span.name, span.attributes, resource) : undefined,
      dropLog: logDrops.length ? (log, resource) => anyMatch(logDrops, undefined, log.attributes, resource) : undefined,
    };
    if (plans.size >= maxCachedPlans) plans.clear();
    plans.set(service, plan);
    return plan;
  };
}

/** First rule whose span-name pattern matches, cached per name (span names are few). */
function byName(named: { name: RegExp; rate: Rate }[], otherwise: Rate): (name: string) => Rate {
  const cache = new Map<string, Rate>();
  // Neighbouring spans often share a name: remember the last one before hashing.
  let lastName: string | undefined;
  let lastRate = otherwise;
  return (name) => {
    if (name === lastName) return lastRate;
    let r = cache.get(name);
    if (r) return ((lastName = name), (lastRate = r));
    r = named.find((n) => n.name.test(name))?.rate ?? otherwise;
    if (cache.size >= maxCachedNames) cache.clear();
    cache.set(name, r);
    return ((lastName = name), (lastRate = r));
  };
}

/**
 * OTEP 235 downstream samplers: `proportional` multiplies the incoming probability by p;
 * `equalizing` raises the incoming threshold to p's. Neither ever lowers a threshold (that would
 * retroactively raise an earlier stage's probability). Results are cached per incoming `th`.
 */
function compileRate(probability: number, mode: SamplingConfig['mode'], precision: number): Rate {
  if (probability >= 1) return { outgoing: (incoming) => incoming, keepsAll: true };
  const base = thresholdFor(probability, precision);
  if (!base) return { outgoing: () => null, keepsAll: false };
  const cache = new Map<string, Threshold | null>();
  return {
    keepsAll: false,
    outgoing(incoming) {
      if (!incoming) return base;
      let out = cache.get(incoming.th);
      if (out === undefined) {
        const product = mode === 'equalizing' ? base : thresholdFor(incoming.probability * probability, precision);
        out = product ? maxThreshold(product, incoming) : null;
        if (cache.size >= maxCachedIncoming) cache.clear();
        cache.set(incoming.th, out);
      }
      return out;
    },
  };
}

type DropMatch = (name: string | undefined, own: Attributes, resource: Attributes) => boolean;

function compileDrop(rule: DropRule): DropMatch {
  const name = rule.spanName === undefined ? undefined : new RegExp(rule.spanName);
  const attr = rule.attribute ? compileAttribute(rule.attribute) : undefined;
  const key = rule.attribute?.key ?? '';
  return (spanName, own, resource) =>
    (name === undefined || (spanName !== undefined && name.test(spanName))) && (attr === undefined || attr(lookup(own, resource, key)));
}

/** The record's own attribute, else its resource's. */
function lookup(own: Attributes, resource: Attributes, key: string): AnyValue | undefined {
  const v = own.get(key);
  return v !== undefined || own.has(key) ? v : resource.get(key);
}

function compileAttribute(a: NonNullable<DropRule['attribute']>): (v: AnyValue | undefined) => boolean {
  const { value } = a;
  if (a.pattern !== undefined) {
    const re = new RegExp(a.pattern);
    return (v) => typeof v === 'string' && re.test(v);
  }
  if (typeof value === 'number') {
    const asInt = Number.isInteger(value) ? BigInt(value) : undefined;
    return (v) => v === value || (asInt !== undefined && v === asInt);
  }
  if (value !== undefined) return (v) => v === value;
  return (v) => v !== undefined;
}

function anyMatch(rules: DropMatch[], name: string | undefined, own: Attributes, resource: Attributes): boolean {
  for (let i = 0; i < rules.length; i++) if (rules[i](name, own, resource)) return true;
  return false;
}
