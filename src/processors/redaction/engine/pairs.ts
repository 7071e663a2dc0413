/**
 * The key denylist inside strings: the value of a `name=value`, `name: value` or `"name": "value"`
 * pair whose name the key classifier denies (`password=hunter2`, `?token=abc&page=2`,
 * `{"api_key":"…"}`, `Authorization: Basic dXNlcjpwdw==`). This is also how URL query strings
 * (`url.full`, `url.query`, `http.url`) lose their `?token=…&password=…` values while the rest of
 * the URL stays intact.
 */
import type { Detector, Findings } from './detector.ts';
import { PAIR } from './features.ts';
import { DENY, type KeyClassifier } from './keys.ts';

/** HTTP auth schemes: the credentials after them belong to the value. */
const AUTH_SCHEMES = new Set(['basic', 'bearer', 'digest', 'negotiate', 'token', 'bot', 'apikey']);

const isNameChar = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95 || c === 46 || c === 45 || c === 91 || c === 93;

const isTerminator = (c: number) =>
  c !== c || // NaN: end of string
  c <= 32 || c === 38 || c === 44 || c === 59 || c === 34 || c === 39 || c === 41 || c === 93 || c === 125 || c === 60 || c === 62 || c === 92;

export function pairDetector(keys: KeyClassifier): Detector {
  return {
    rule: 'sensitive_key',
    trigger: PAIR,
    find(s: string, out: Findings, tag: number) {
      // Separators are found natively; each name is read backwards from its separator, so the
      // cost follows the number of `=` and `:`, not the length of the string.
      let eq = s.indexOf('=');
      let colon = s.indexOf(':');
      let from = 0;
      while (eq >= 0 || colon >= 0) {
        const sep = colon < 0 || (eq >= 0 && eq < colon) ? eq : colon;
        if (sep >= from) from = pairAt(s, sep, keys, out, tag);
        if (sep === eq) eq = s.indexOf('=', sep + 1);
        else colon = s.indexOf(':', sep + 1);
      }
    },
    mask: () => '****',
  };
}

/**
 * Handles the separator at `sep`: when the name before it is denylisted, pushes its value.
 * Returns where the next pair may start (after the value, so `a=b:c` inside a value is not a pair).
 */
function pairAt(s: string, sep: number, keys: KeyClassifier, out: Findings, tag: number): number {
  let end = sep;
  while (end > 0 && s.charCodeAt(end - 1) === 32) end--;
  const q = s.charCodeAt(end - 1);
  if (q === 34 || q === 39) end -= s.charCodeAt(end - 2) === 92 ? 2 : 1; // "name": or \"name\":
  let start = end;
  while (start > 0 && isNameChar(s.charCodeAt(start - 1))) start--;
  while (start < end && !isLetterOrUnderscore(s.charCodeAt(start))) start++;
  if (start === end || (keys.classify(s.slice(start, end)) & DENY) === 0) return sep + 1;
  let j = sep + 1;
  while (s.charCodeAt(j) === 32) j++;
  const [from, to] = valueAt(s, j);
  if (to > from && !alreadyRedacted(s, from, to)) out.push(from, to, tag);
  return Math.max(to, sep + 1);
}

const isLetterOrUnderscore = (c: number) => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95;

/** `[start, end)` of the value that begins at `j`: quoted, or up to a delimiter. */
function valueAt(s: string, j: number): [number, number] {
  const c = s[j];
  if (c === '"' || c === "'") return [j + 1, closing(s, j + 1, c, false)];
  if (c === '\\' && (s[j + 1] === '"' || s[j + 1] === "'")) return [j + 2, closing(s, j + 2, s[j + 1], true)];
  let end = j;
  while (!isTerminator(s.charCodeAt(end))) end++;
  // `Authorization: Basic <credentials>`: the scheme alone is not the secret.
  if (s[end] === ' ' && AUTH_SCHEMES.has(s.slice(j, end).toLowerCase()) && !isTerminator(s.charCodeAt(end + 1))) {
    end++;
    while (!isTerminator(s.charCodeAt(end))) end++;
  }
  return [j, end];
}

/** Index of the closing quote (`\"` when `escaped`), or the end of the string. */
function closing(s: string, from: number, quote: string, escaped: boolean): number {
  for (let i = from; i < s.length; i++) {
    if (s[i] === '\\') {
      if (escaped && s[i + 1] === quote) return i;
      i++;
    } else if (s[i] === quote && !escaped) {
      return i;
    }
  }
  return s.length;
}

/** Placeholders, masks and hashes from an earlier pass (the SDK, or a second processor) are not counted again. */
function alreadyRedacted(s: string, start: number, end: number): boolean {
  const v = s.slice(start, end);
  return v[0] === '[' || v === '****' || v.startsWith('hmac:') || v === 'null' || v === 'undefined';
}
