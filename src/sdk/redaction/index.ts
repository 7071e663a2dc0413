/**
 * Client-side redaction (`otelhouse/sdk/redaction`): the gateway's own rule engine (detectors with
 * their checksums, the key denylist, custom rules, the methods) run on every record before it is
 * queued, with the rules the gateway serves in `/v1/config`. Until the first answer (and with no
 * config kept from an earlier run) every built-in rule applies.
 *
 * ```ts
 * import { init } from 'otelhouse/sdk';
 * import { redaction } from 'otelhouse/sdk/redaction';
 * await init({ endpoint, token, service: 'shop-web', redaction: redaction() });
 * ```
 */
import { customPatternError, Redactor, REMOVED, type RedactionOptions, type Tally } from '../../processors/redaction/engine/index.ts';
import type { AnyValue, Attributes } from '../../batch/types.ts';
import type { Attributes as OtelAttributes } from '@opentelemetry/api';
import type { AnyValue as LogValue } from '@opentelemetry/api-logs';
import type { EncodedObject, Json, LogFields } from '../core/otlpJson.ts';
import type { Scrubber } from '../core/scrub.ts';

export type { Scrubber };

const COUNT_ATTRIBUTE = 'otelhouse.redaction.count';
const RULES_ATTRIBUTE = 'otelhouse.redaction.rules';
type Summary = 'full' | 'count' | 'off';

/** The gateway's defaults: every built-in rule, typed placeholders, the default key denylist. */
const DEFAULTS: RedactionOptions = { rules: {}, defaultMethod: 'placeholder', allowKeys: [], allowValues: [], denyKeys: [], defaultDenyKeys: true, customRules: [], scanNumbers: false };

/** A redactor that applies the served rules, every built-in rule until then. */
export function redaction(): Scrubber {
  return new ClientRedaction();
}

class ClientRedaction implements Scrubber {
  private redactor: Redactor | undefined = new Redactor(DEFAULTS);
  private summary: Summary = 'full';
  private served = '';
  /** Counts of rule sets no longer in use, and of the current one (by its rule index). */
  private readonly earlier: Record<string, number> = {};
  private totals = new Float64Array(this.redactor!.ruleNames.length);
  /** Reused: empty between records (a record with findings is flushed into {@link totals}). */
  private tally: Tally | undefined = this.redactor!.tally();

  get counts(): Record<string, number> {
    const out = { ...this.earlier };
    this.redactor?.ruleNames.forEach((name, i) => {
      if (this.totals[i]! > 0) out[name] = (out[name] ?? 0) + this.totals[i]!;
    });
    return out;
  }

  configure(served: unknown): void {
    if (served === undefined) return;
    const text = JSON.stringify(served);
    if (text === this.served) return;
    try {
      const options = readOptions(served);
      const next = options && new Redactor(options);
      Object.assign(this.earlier, this.counts);
      this.redactor = next;
      this.totals = new Float64Array(next?.ruleNames.length ?? 0);
      this.tally = next?.tally();
      this.summary = summaryOf(served);
      this.served = text;
    } catch {
      // Rules this engine cannot compile: the current ones stay.
    }
  }

  resource(attributes: OtelAttributes): OtelAttributes {
    const redactor = this.redactor;
    const tally = this.tally;
    if (!redactor || !tally) return attributes;
    // Resource values are primitives or arrays of them (copied: the engine changes arrays in place).
    const map: Attributes = new Map(Object.entries(attributes).flatMap(([k, v]) => (v === undefined ? [] : [[k, Array.isArray(v) ? [...v] : v] as [string, AnyValue]])));
    redactor.attributes(map, tally);
    if (tally.total === 0) return attributes;
    tally.flush(this.totals);
    return Object.fromEntries(map) as OtelAttributes;
  }

  scrubLog(log: LogFields): void {
    const redactor = this.redactor;
    const tally = this.tally;
    if (!redactor || !tally) return;
    if (log.body !== undefined) {
      const body = redactor.value(fromLog(log.body), 0, tally);
      if (tally.total > 0) log.body = toLog(body === REMOVED ? '' : body);
    }
    const before = tally.total;
    const map: Attributes = new Map();
    for (const key in log.attributes) map.set(key, fromLog(log.attributes[key]!));
    redactor.attributes(map, tally);
    if (tally.total === 0) return;
    if (tally.total !== before || map.size !== Object.keys(log.attributes).length) log.attributes = Object.fromEntries([...map].map(([k, v]) => [k, toLog(v)]));
    if (this.summary !== 'off') {
      log.attributes[COUNT_ATTRIBUTE] = tally.total;
      if (this.summary === 'full') log.attributes[RULES_ATTRIBUTE] = toLog(tally.rules());
    }
    tally.flush(this.totals);
  }

  scrub(record: EncodedObject): void {
    const redactor = this.redactor;
    const tally = this.tally;
    if (!redactor || !tally) return;
    const r = record.record;
    r.name = text(redactor, r.name, tally);
    const status = r.status as { [key: string]: Json } | undefined;
    if (status && typeof status.message === 'string') status.message = text(redactor, status.message, tally);
    for (const event of (r.events ?? []) as Array<{ [key: string]: Json }>) {
      event.name = text(redactor, event.name, tally);
      event.attributes = attributes(redactor, event.attributes, tally);
    }
    for (const link of (r.links ?? []) as Array<{ [key: string]: Json }>) link.attributes = attributes(redactor, link.attributes, tally);
    r.attributes = attributes(redactor, r.attributes, tally);
    if (tally.total === 0) return;
    if (this.summary !== 'off') {
      const list = r.attributes as Json[];
      list.push({ key: COUNT_ATTRIBUTE, value: { intValue: String(tally.total) } });
      if (this.summary === 'full') list.push({ key: RULES_ATTRIBUTE, value: toJson(tally.rules()) });
    }
    tally.flush(this.totals);
  }
}

function text(redactor: Redactor, value: Json | undefined, tally: Tally): Json {
  if (typeof value !== 'string') return value ?? '';
  const out = redactor.text(value, tally);
  return out === REMOVED ? '' : out;
}

/** An OTLP/JSON key-value list redacted; the same list when nothing was found. */
function attributes(redactor: Redactor, list: Json | undefined, tally: Tally): Json {
  if (!Array.isArray(list) || list.length === 0) return list ?? [];
  const before = tally.total;
  const map = fromKeyValues(list);
  redactor.attributes(map, tally);
  return tally.total === before && map.size === list.length ? list : toKeyValues(map);
}

// A log record's values (the OpenTelemetry API's) ↔ the engine's (the gateway's batch types): integers as bigint, maps as Maps, arrays copied (the engine changes them in place).

function fromLog(value: LogValue): AnyValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(fromLog);
  const map: Attributes = new Map();
  for (const key in value) if (Object.prototype.hasOwnProperty.call(value, key) && value[key] !== undefined) map.set(key, fromLog(value[key]!));
  return map;
}

function toLog(value: AnyValue): LogValue {
  if (typeof value === 'bigint') return Number(value);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return value;
  if (Array.isArray(value)) return value.map(toLog);
  return Object.fromEntries([...value].map(([k, v]) => [k, toLog(v)]));
}

// OTLP/JSON AnyValue ↔ the engine's values (the gateway's batch types).

function fromJson(value: Json): AnyValue {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return null;
  if (typeof value.stringValue === 'string') return value.stringValue;
  if (typeof value.boolValue === 'boolean') return value.boolValue;
  if (value.intValue !== undefined) return BigInt(value.intValue as string);
  if (typeof value.doubleValue === 'number') return value.doubleValue;
  if (typeof value.bytesValue === 'string') return Uint8Array.from(atob(value.bytesValue), (c) => c.charCodeAt(0));
  const array = value.arrayValue as { values?: Json[] } | undefined;
  if (array) return (array.values ?? []).map(fromJson);
  const kvlist = value.kvlistValue as { values?: Json[] } | undefined;
  if (kvlist) return fromKeyValues(kvlist.values ?? []);
  return null;
}

function fromKeyValues(list: Json[]): Attributes {
  const map: Attributes = new Map();
  for (const kv of list as Array<{ key: string; value: Json }>) map.set(kv.key, fromJson(kv.value));
  return map;
}

function toJson(value: AnyValue): Json {
  if (value === null) return {};
  if (typeof value === 'string') return { stringValue: value };
  if (typeof value === 'boolean') return { boolValue: value };
  if (typeof value === 'bigint') return { intValue: value.toString() };
  if (typeof value === 'number') return { doubleValue: value };
  if (value instanceof Uint8Array) {
    let s = '';
    for (const b of value) s += String.fromCharCode(b);
    return { bytesValue: btoa(s) };
  }
  if (Array.isArray(value)) return { arrayValue: { values: value.map(toJson) } };
  return { kvlistValue: { values: toKeyValues(value) } };
}

function toKeyValues(map: Attributes): Json[] {
  const out: Json[] = [];
  for (const [key, value] of map) out.push({ key, value: toJson(value) });
  return out;
}

// The served rules, read without trusting them: what is missing takes the gateway's default.

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

function readOptions(served: unknown): RedactionOptions | undefined {
  if (served === null || typeof served !== 'object') return undefined;
  const s = served as Record<string, unknown>;
  const setting = (v: unknown) => (['placeholder', 'mask', 'remove', 'off'].includes(v as string) ? (v as RedactionOptions['defaultMethod']) : 'placeholder');
  const rules = typeof s.rules === 'object' && s.rules !== null ? Object.fromEntries(Object.entries(s.rules).map(([k, v]) => [k, setting(v)])) : {};
  return {
    rules,
    defaultMethod: s.defaultMethod === undefined ? 'placeholder' : setting(s.defaultMethod),
    allowKeys: strings(s.allowKeys),
    allowValues: strings(s.allowValues),
    denyKeys: strings(s.denyKeys),
    defaultDenyKeys: s.defaultDenyKeys !== false,
    customRules: (Array.isArray(s.customRules) ? s.customRules : []).map((rule: Record<string, unknown>) => checked({
      name: String(rule.name),
      pattern: String(rule.pattern),
      ...(typeof rule.flags === 'string' ? { flags: rule.flags } : {}),
      ...(typeof rule.group === 'number' ? { group: rule.group } : {}),
      ...(rule.method !== undefined ? { method: setting(rule.method) } : {}),
      ...(typeof rule.placeholder === 'string' ? { placeholder: rule.placeholder } : {}),
    })),
    scanNumbers: s.scanNumbers === true,
  };
}

/** A custom rule the engine can run safely (a valid regex that cannot match ''), else a throw: the current rules stay. */
function checked<R extends RedactionOptions['customRules'][number]>(rule: R): R {
  const error = customPatternError(rule);
  if (error) throw new Error(`redaction rule ${rule.name}: ${error}`);
  return rule;
}

function summaryOf(served: unknown): Summary {
  const summary = (served as { summary?: unknown } | null)?.summary;
  return summary === 'count' || summary === 'off' ? summary : 'full';
}
