/** What every detector is made of, and the helpers they share. */
import type { BuiltinRule } from './rules.ts';

/** Where matches are collected while one string is scanned: parallel arrays, reused across strings. */
export class Findings {
  readonly starts: number[] = [];
  readonly ends: number[] = [];
  /** Index of the compiled rule that found the match. */
  readonly tags: number[] = [];
  length = 0;

  push(start: number, end: number, tag: number): void {
    this.starts[this.length] = start;
    this.ends[this.length] = end;
    this.tags[this.length] = tag;
    this.length++;
  }

  clear(): void {
    this.length = 0;
  }
}

/** A built-in detector: a cheap trigger, a precompiled search with its validation, and how to mask a finding. */
export interface Detector {
  readonly rule: BuiltinRule;
  /** Prefilter bits (see `features.ts`); the detector runs only on strings with all of them set (0: always). */
  readonly trigger: number;
  /** Pushes `[start, end)` of every finding in `s`, tagged `tag`. */
  find(s: string, out: Findings, tag: number): void;
  /** The `mask` method: a shape-keeping rendering that hides the sensitive part. */
  mask(text: string): string;
  /** The form hashed by the `hash` method, so `John@X.com` and `john@x.com` correlate. Default: as found. */
  canonical?(text: string): string;
  /** Characters after a finding that the `remove` method also cuts (the `@` after URL credentials). */
  readonly removeTrailing?: number;
}

export const isDigit = (c: number): boolean => c >= 48 && c <= 57;
export const isLetter = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
export const isAlnum = (c: number): boolean => isDigit(c) || isLetter(c);
/** `[A-Za-z0-9_]`; NaN (outside the string) is not. */
export const isWord = (c: number): boolean => isAlnum(c) || c === 95;

/**
 * Runs a global regex over `s`, handing each candidate to `visit`. A rejected candidate resumes
 * the search one character after its start, so a valid match overlapping it is still found.
 */
export function scan(re: RegExp, s: string, visit: (m: RegExpExecArray) => boolean): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    if (m[0].length === 0 || !visit(m)) re.lastIndex = m.index + 1;
  }
}

/** True when the characters around `[start, end)` are not word characters (ASCII letters, digits, `_`). */
export function standsAlone(s: string, start: number, end: number): boolean {
  return !isWord(s.charCodeAt(start - 1)) && !isWord(s.charCodeAt(end));
}

/** Keeps `keep` characters at the end and stars every other ASCII letter or digit, leaving separators in place. */
export function maskAllButLast(text: string, keep: number): string {
  let seen = 0;
  let out = '';
  for (let i = text.length - 1; i >= 0; i--) {
    const c = text.charCodeAt(i);
    if (isAlnum(c)) out = (seen++ < keep ? text[i] : '*') + out;
    else out = text[i] + out;
  }
  return out;
}
