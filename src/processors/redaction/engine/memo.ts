/**
 * Memory of strings already scanned and found clean. Telemetry repeats itself (user agents, SQL
 * text, routes, host names, span names), and recognising a fresh copy of a known clean string is
 * far cheaper than scanning it again. Only strings that were scanned and had no finding are
 * remembered, so a hit proves the value clean under the same rules.
 */

/** The two most recent clean strings seen at one place (under one key, or as span names). */
export class Recent {
  private a = '';
  private b = '';

  has(s: string): boolean {
    // Strings of another length compare in O(1); equal ones with one memcmp.
    return s === this.a || s === this.b;
  }

  remember(s: string): void {
    if (s.length > MAX_LENGTH) return;
    this.b = this.a;
    this.a = s;
  }
}

/** Longer values pin too much memory and rarely repeat. */
const MAX_LENGTH = 512;
/** Below this length a scan costs about as much as a hash lookup. */
const MIN_SET_LENGTH = 32;
const SET_LIMIT = 4096;

/**
 * Long clean strings from anywhere (any key), in one bounded set: a hash lookup instead of a scan
 * for, say, a user agent that alternates with others under the same key. Cleared when full, so
 * unique values (URLs with IDs) cannot grow it.
 */
export class CleanSet {
  private readonly set = new Set<string>();

  has(s: string): boolean {
    return s.length >= MIN_SET_LENGTH && s.length <= MAX_LENGTH && this.set.has(s);
  }

  remember(s: string): void {
    if (s.length < MIN_SET_LENGTH || s.length > MAX_LENGTH) return;
    if (this.set.size >= SET_LIMIT) this.set.clear();
    this.set.add(s);
  }
}

/** A string's redaction, kept so a repeat costs a lookup: the output and the rule of each finding. */
export interface KnownRedaction<T> {
  out: T;
  rules: readonly number[];
}

/**
 * Recent strings that had findings, with their redacted output. Personal values repeat too — the
 * client IP of every span of a session, a user's email on each of their requests — and redacting
 * a repeat costs the full scan again without this. In memory only (the raw values are there
 * anyway); bounded and cleared when full, like {@link CleanSet}.
 */
export class RedactedMemo<T> {
  private readonly map = new Map<string, KnownRedaction<T>>();

  get(s: string): KnownRedaction<T> | undefined {
    return s.length <= MAX_LENGTH ? this.map.get(s) : undefined;
  }

  remember(s: string, out: T, rules: readonly number[]): void {
    if (s.length > MAX_LENGTH) return;
    if (this.map.size >= SET_LIMIT) this.map.clear();
    this.map.set(s, { out, rules });
  }
}
