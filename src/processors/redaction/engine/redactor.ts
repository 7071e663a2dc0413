/**
 * The compiled rule set: everything built once from options (detectors in priority order, the key
 * classifier, allow-lists, the hasher), then applied to strings and to typed values.
 */
import type { AnyValue, Attributes } from '../../../batch/types.ts';
import { customDetector, type CustomRule } from './custom.ts';
import { Findings, type Detector } from './detector.ts';
import { ALL, features } from './features.ts';
import { ALLOW, DENY, KeyClassifier, KeyEntry, NO_IP, SCAN } from './keys.ts';
import { CleanSet, RedactedMemo, type Recent } from './memo.ts';
import { Matcher } from './matchers.ts';
import { isRedactionOutput, noHasher, stableText, type Hasher, type HasherFactory } from './methods.ts';
import { pairDetector } from './pairs.ts';
import { card, email, iban, ipv4, ipv6, phone, ssn } from './pii.ts';
import { BUILTIN_RULES, MAX_DEPTH, MAX_DEPTH_RULE, PLACEHOLDERS, type BuiltinRule, type Method, type RuleSetting } from './rules.ts';
import { PROVIDER_DETECTORS } from './providers.ts';
import { awsAccessKey, bearer, githubToken, jwt, privateKey, slackToken, stripeKey, urlCredentials } from './secrets.ts';
import { Tally } from './tally.ts';

/** Options of a rule set; the `redaction` processor's config is exactly this, validated. */
export interface RedactionOptions {
  /** Method per built-in rule, or `off`; rules not listed use `defaultMethod`. */
  rules: Partial<Record<BuiltinRule, RuleSetting>>;
  defaultMethod: RuleSetting;
  /** HMAC key of the `hash` method. */
  hashSecret?: string;
  allowKeys: readonly string[];
  allowValues: readonly string[];
  denyKeys: readonly string[];
  defaultDenyKeys: boolean;
  customRules: readonly CustomRule[];
  /** Also scan ints and doubles (through their decimal form), e.g. card numbers sent as numbers. */
  scanNumbers: boolean;
  /** Methods for the whole values of exact keys (`keep` leaves them alone), before any other rule. */
  keyRules?: ReadonlyArray<{ key: string; method: Method | 'keep' }>;
}

/** Returned for a value that the `remove` method drops entirely. */
export const REMOVED: unique symbol = Symbol('removed');
export type Redacted<T> = T | typeof REMOVED;

const BUILTIN_DETECTORS: Record<Exclude<BuiltinRule, 'sensitive_key'>, Detector[]> = {
  private_key: [privateKey],
  url_credentials: [urlCredentials],
  bearer: [bearer],
  jwt: [jwt],
  aws_access_key: [awsAccessKey],
  github_token: [githubToken],
  slack_token: [slackToken],
  stripe_key: [stripeKey],
  ...PROVIDER_DETECTORS,
  email: [email],
  iban: [iban],
  card: [card],
  ssn: [ssn],
  phone: [phone],
  ip: [ipv6, ipv4],
};

/** What the forEach callback of {@link Redactor.attributes} works on. */
interface Visit {
  map: Attributes;
  tally: Tally;
  /** The entry of the key visited last (at first {@link start}), to find the next one by. */
  previous: KeyEntry;
  readonly start: KeyEntry;
  readonly each: (value: AnyValue, key: string) => void;
}

const NO_ATTRIBUTES: Attributes = new Map();

export class Redactor {
  /** Rule names by index: custom rules, enabled built-ins, then `max_depth`. */
  readonly ruleNames: string[] = [];
  private readonly methods: Method[] = [];
  private readonly placeholders: string[] = [];
  private readonly detectors: Detector[] = [];
  private readonly detectorRule: number[] = [];
  private readonly keys: KeyClassifier;
  private readonly allowValues: Matcher;
  private readonly hash: Hasher;
  private readonly scanNumbers: boolean;
  private readonly deniedRule: number; // -1 when sensitive_key is off
  private readonly maxDepthRule: number;
  private readonly ipRule: number;
  /** Bits that may start some detector, or -1 when a custom rule runs on every string. */
  private readonly triggers: number;
  private readonly findings = new Findings();
  private readonly clean = new CleanSet();
  private readonly redacted = new RedactedMemo<Redacted<string>>();
  /** Rules of the findings rendered by the current {@link text} call (`fired[0, firedCount)`), for {@link redacted}. */
  private readonly fired: number[] = [];
  private firedCount = 0;
  private readonly prefilter: boolean;
  private readonly visits: Visit[] = [];
  private readonly noTally: Tally;

  /**
   * `hmac` makes the `hash` method's hasher from `hashSecret` (the gateway passes `hmacHasher`; a
   * rule set that hashes without it fails here). `prefilter: false` runs every detector on every
   * string: only for tests that check the prefilter changes nothing.
   */
  constructor(options: RedactionOptions, { prefilter = true, hmac }: { prefilter?: boolean; hmac?: HasherFactory } = {}) {
    this.prefilter = prefilter;
    const denying = (options.rules.sensitive_key ?? options.defaultMethod) !== 'off';
    this.keys = new KeyClassifier(denying ? options : { ...options, denyKeys: [], defaultDenyKeys: false });
    this.allowValues = new Matcher(options.allowValues);
    this.scanNumbers = options.scanNumbers;
    let hashing = false;
    const addRule = (name: string, method: Method, placeholder: string, detectors: Detector[]) => {
      const index = this.ruleNames.push(name) - 1;
      this.methods.push(method);
      this.placeholders.push(placeholder);
      hashing ||= method === 'hash';
      for (const d of detectors) {
        this.detectors.push(d);
        this.detectorRule.push(index);
      }
      return index;
    };
    // Custom rules first: an explicit rule beats a built-in on the same text.
    for (const rule of options.customRules) {
      const method = rule.method ?? 'placeholder';
      if (method !== 'off') addRule(rule.name, method, rule.placeholder ?? `[${rule.name}]`, [customDetector(rule)]);
    }
    let denied = -1;
    let ip = -1;
    for (const name of BUILTIN_RULES) {
      const method = options.rules[name] ?? options.defaultMethod;
      if (method === 'off') continue;
      const detectors = name === 'sensitive_key' ? [pairDetector(this.keys)] : BUILTIN_DETECTORS[name];
      const index = addRule(name, method, PLACEHOLDERS[name], detectors);
      if (name === 'sensitive_key') denied = index;
      if (name === 'ip') ip = index;
    }
    this.deniedRule = denied;
    this.ipRule = ip;
    // Rules of exact keys: one per method, `key_<method>` in the summary and the metrics.
    const byMethod = new Map<Method, number>();
    const exact = new Map<string, number>();
    for (const { key, method } of options.keyRules ?? []) {
      if (method === 'keep') {
        exact.set(key, -1);
        continue;
      }
      let index = byMethod.get(method);
      if (index === undefined) byMethod.set(method, (index = addRule(`key_${method}`, method, '[redacted]', [])));
      exact.set(key, index);
    }
    this.keys.setExact(exact);
    this.maxDepthRule = addRule(MAX_DEPTH_RULE, 'placeholder', '[redacted]', []);
    this.triggers = this.detectors.some((d) => d.trigger === 0) ? -1 : this.detectors.reduce((bits, d) => bits | d.trigger, 0);
    if (hashing && !hmac) throw new Error('redaction: the hash method needs an HMAC (hmacHasher)');
    this.hash = hashing && hmac ? hmac(options.hashSecret ?? '') : noHasher;
    this.noTally = this.tally();
  }

  /** A fresh per-record tally for this rule set. */
  tally(): Tally {
    return new Tally(this.ruleNames);
  }

  /**
   * Redacts every value of `map` in place, each under its own key: deletes entries the `remove`
   * method drops. Nested kvlists and arrays are walked to {@link MAX_DEPTH}.
   */
  attributes(map: Attributes, tally: Tally, depth = 0): void {
    // forEach beats for…of on Maps (no entry arrays); setting or deleting the current key is safe.
    // Its callback is made once per depth, not per call (a closure per record was measurable).
    const visit = this.visits[depth] ?? this.visitAt(depth);
    visit.map = map;
    visit.tally = tally;
    visit.previous = visit.start;
    map.forEach(visit.each);
    visit.map = NO_ATTRIBUTES; // keeps no batch alive
  }

  /** The reusable forEach callback of {@link attributes} at `depth` (a nested call goes one deeper). */
  private visitAt(depth: number): Visit {
    const start = new KeyEntry(0);
    const visit: Visit = {
      map: NO_ATTRIBUTES,
      tally: this.noTally,
      previous: start,
      start,
      each: (value, key) => {
        const previous = visit.previous;
        let entry = previous.next;
        if (previous.nextKey !== key || entry === undefined) {
          entry = this.keys.entry(key);
          previous.nextKey = key;
          previous.next = entry;
        }
        visit.previous = entry;
        this.entry(visit.map, visit.tally, depth, value, entry, key);
      },
    };
    this.visits[depth] = visit;
    return visit;
  }

  /** Redacts `map`'s `value` under `key` in place. */
  private entry(map: Attributes, tally: Tally, depth: number, value: AnyValue, entry: KeyEntry, key: string): void {
    const flags = entry.flags;
    if (flags & ALLOW) return;
    let out: Redacted<AnyValue>;
    if (flags & DENY) {
      out = this.denied(value, tally, entry.rule >= 0 ? entry.rule : this.deniedRule);
    } else if (typeof value === 'string') {
      if (entry.has(value)) return;
      out = flags === SCAN ? this.memoText(value, tally, entry.redacts) : this.text(value, tally, flags);
      if (out === value) entry.remember(value);
      else entry.redacts = true;
    } else {
      out = this.value(value, flags, tally, depth);
    }
    if (out === REMOVED) map.delete(key);
    else if (out !== value) map.set(key, out);
  }

  /** {@link text} for a string seen at a place with {@link Recent} memory (span names, status messages). */
  recentText(s: string, recent: Recent, tally: Tally): Redacted<string> {
    if (recent.has(s)) return s;
    const out = this.memoText(s, tally);
    if (out === s) recent.remember(s);
    return out;
  }

  /**
   * {@link text} with the shared memories of clean strings and of recent redactions (for keys of
   * class SCAN only). `redactsHere`: the place has had findings; elsewhere (most keys) the lookup
   * among recent redactions is skipped, as it would only miss.
   */
  private memoText(s: string, tally: Tally, redactsHere = true): Redacted<string> {
    if (this.clean.has(s)) return s;
    const known = redactsHere ? this.redacted.get(s) : undefined;
    if (known !== undefined) {
      for (let i = 0; i < known.rules.length; i++) tally.add(known.rules[i]);
      return known.out;
    }
    const out = this.text(s, tally);
    if (out === s) this.clean.remember(s);
    else this.redacted.remember(s, out, this.fired.slice(0, this.firedCount));
    return out;
  }

  /**
   * Redacts one value held under a key of class `flags` (from the key classifier; 0 for a log
   * body or an array element without a key). Returns the value itself when nothing changed;
   * arrays and kvlists are changed in place.
   */
  value(value: AnyValue, flags: number, tally: Tally, depth = 0): Redacted<AnyValue> {
    if (flags & ALLOW) return value;
    if (flags & DENY) return this.denied(value, tally);
    switch (typeof value) {
      case 'string':
        return this.text(value, tally, flags);
      case 'number':
      case 'bigint': {
        if (!this.scanNumbers) return value;
        const s = String(value);
        const out = this.text(s, tally, flags);
        return out === s ? value : out;
      }
      case 'object':
        if (value === null || value instanceof Uint8Array) return value;
        if (depth >= MAX_DEPTH) {
          tally.add(this.maxDepthRule);
          return '[redacted]';
        }
        if (Array.isArray(value)) this.array(value, flags, tally, depth + 1);
        else this.attributes(value, tally, depth + 1);
        return value;
      default:
        return value;
    }
  }

  /**
   * Redacts the findings inside one string. Returns `s` itself when nothing is found (the common
   * case costs one prefilter pass), or {@link REMOVED} when a `remove` rule matched all of it.
   */
  text(s: string, tally: Tally, flags = 0): Redacted<string> {
    const bits = this.prefilter ? features(s) : ALL;
    if ((bits & this.triggers) === 0 && this.triggers !== -1) return s;
    const findings = this.findings;
    findings.clear();
    this.firedCount = 0;
    for (let d = 0; d < this.detectors.length; d++) {
      const detector = this.detectors[d];
      if ((detector.trigger & bits) !== detector.trigger || ((flags & NO_IP) !== 0 && this.detectorRule[d] === this.ipRule)) continue;
      detector.find(s, findings, d);
    }
    if (findings.length === 0 || this.allowValues.test(s)) return s;
    return this.render(s, tally);
  }

  /** Applies accepted findings: earlier detectors win overlaps; allow-listed matches stay. */
  private render(s: string, tally: Tally): Redacted<string> {
    const { starts, ends, tags } = this.findings;
    const accepted: number[] = [];
    next: for (let i = 0; i < this.findings.length; i++) {
      for (const j of accepted) if (starts[i] < ends[j] && starts[j] < ends[i]) continue next;
      if (!this.allowValues.empty && this.allowValues.test(s.slice(starts[i], ends[i]))) continue;
      accepted.push(i);
    }
    if (accepted.length === 0) return s;
    accepted.sort((a, b) => starts[a] - starts[b]);
    let out = '';
    let pos = 0;
    for (const i of accepted) {
      const detector = this.detectors[tags[i]];
      const rule = this.detectorRule[tags[i]];
      const found = s.slice(starts[i], ends[i]);
      tally.add(rule);
      this.fired[this.firedCount++] = rule;
      out += s.slice(pos, starts[i]);
      pos = ends[i];
      switch (this.methods[rule]) {
        case 'placeholder':
          out += this.placeholders[rule];
          break;
        case 'mask':
          out += detector.mask(found);
          break;
        case 'hash':
          out += this.hash(detector.canonical ? detector.canonical(found) : found);
          break;
        case 'remove':
          pos += detector.removeTrailing ?? 0;
          break;
      }
    }
    out += s.slice(pos);
    if (out === '' && this.methods[this.detectorRule[tags[accepted[0]]]] === 'remove') return REMOVED;
    return out;
  }

  /** The whole value of a denylisted key, whatever its type. Empty values hide nothing and stay. */
  private denied(value: AnyValue, tally: Tally, rule = this.deniedRule): Redacted<AnyValue> {
    if (value === null || value === '' || rule < 0) return value;
    const placeholder = this.placeholders[rule];
    if (typeof value === 'string' && (isRedactionOutput(value, placeholder) || this.allowValues.test(value))) return value;
    tally.add(rule);
    switch (this.methods[rule]) {
      case 'placeholder':
        return placeholder;
      case 'mask':
        return '****';
      case 'hash':
        return this.hash(stableText(value));
      case 'remove':
        return REMOVED;
    }
  }

  private array(values: AnyValue[], flags: number, tally: Tally, depth: number): void {
    let kept = 0;
    for (let i = 0; i < values.length; i++) {
      const out = this.value(values[i], flags, tally, depth);
      if (out !== REMOVED) values[kept++] = out;
    }
    values.length = kept;
  }
}
