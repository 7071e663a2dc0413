/**
 * Allow-list and denylist entries from config: `/source/flags` is a regular expression (searched,
 * as the collector's `ignored_key_patterns` and `allowed_values` are: anchor it yourself), any
 * other string is matched exactly.
 */

const REGEX_SPEC = /^\/(.+)\/([imsu]*)$/s;

/** The RegExp an entry denotes, or null when it is a plain string. Throws on an invalid regex. */
export function regexOf(spec: string): RegExp | null {
  const m = REGEX_SPEC.exec(spec);
  return m ? new RegExp(m[1], m[2]) : null;
}

/** Why an entry cannot be compiled, or null when it can. */
export function regexError(spec: string): string | null {
  try {
    regexOf(spec);
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

/** A compiled allow-list: an exact set plus regexes. */
export class Matcher {
  private readonly exact = new Set<string>();
  private readonly patterns: RegExp[] = [];

  constructor(specs: readonly string[]) {
    for (const spec of specs) {
      const re = regexOf(spec);
      if (re) this.patterns.push(re);
      else this.exact.add(spec);
    }
  }

  get empty(): boolean {
    return this.exact.size === 0 && this.patterns.length === 0;
  }

  test(s: string): boolean {
    if (this.exact.has(s)) return true;
    for (const re of this.patterns) if (re.test(s)) return true;
    return false;
  }
}
