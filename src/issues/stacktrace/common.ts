/**
 * What every format parser shares: the caps that keep parsing bounded and linear on hostile input,
 * line splitting, the frame list that keeps the first and last frames, and the header line
 * (`Type: message`) of the formats that print one.
 */
import type { Frame, Platform, StackTrace } from '../types.ts';
import { isInApp } from './inApp.ts';

/** Longest text parsed, in UTF-16 code units; beyond it the first and last halves are kept. */
export const MAX_TEXT_CHARS = 1 << 20;
/** Longest line looked at; the rest of a longer line is ignored, so every line regex stays cheap. */
export const MAX_LINE_CHARS = 2048;
/** Frames kept per exception: the first and last halves of a longer trace. */
export const MAX_FRAMES = 256;
/** Chained causes kept below the top exception. */
export const MAX_CAUSES = 16;

/** The text as lines (any line ending), each cut to {@link MAX_LINE_CHARS}. */
export function splitLines(text: string): string[] {
  const t = text.length > MAX_TEXT_CHARS ? `${text.slice(0, MAX_TEXT_CHARS / 2)}\n${text.slice(-MAX_TEXT_CHARS / 2)}` : text;
  const lines = t.split(/\r\n|\n|\r/);
  for (let i = 0; i < lines.length; i++) if (lines[i].length > MAX_LINE_CHARS) lines[i] = lines[i].slice(0, MAX_LINE_CHARS);
  return lines;
}

/**
 * Frames in the order the text lists them, keeping the first and the last {@link MAX_FRAMES}/2
 * when there are more (the throw site and the entry point both matter; the middle of a deep
 * recursion does not). Trimming is amortized, so pushing stays O(1).
 */
export class FrameList {
  private readonly items: Frame[] = [];
  private readonly half = MAX_FRAMES / 2;

  constructor(readonly platform: Platform) {}

  get length(): number {
    return this.items.length;
  }

  add(fn: string, module: string, file: string, line = 0, column = 0): void {
    // In-app flags are settled when frames are taken out, so dropped frames cost no regex.
    this.push({ function: fn, module, file, line, column, inApp: false });
  }

  push(frame: Frame): void {
    this.items.push(frame);
    if (this.items.length >= 4 * MAX_FRAMES) this.items.splice(this.half, this.items.length - MAX_FRAMES);
  }

  /** The last `n` frames as listed (Java's `... n more` refers to them). */
  tail(n: number): Frame[] {
    return n > 0 ? this.settle(this.items.slice(-Math.min(n, this.items.length))) : [];
  }

  /** Capped and in Sentry order (oldest call first) given the text's order. */
  toFrames(listedInnermostFirst: boolean): Frame[] {
    const all = this.items.length > MAX_FRAMES ? [...this.items.slice(0, this.half), ...this.items.slice(-this.half)] : this.items.slice();
    this.settle(all);
    return listedInnermostFirst ? all.reverse() : all;
  }

  private settle(frames: Frame[]): Frame[] {
    for (const f of frames) f.inApp = isInApp(this.platform, f);
    return frames;
  }
}

/** `TypeError: message`, `Uncaught TypeError: …`, `Exception in thread "main" java.lang.X: …`, `System.X: …`. */
const HEADER = /^(?:Uncaught (?:\(in promise\) )?|Exception in thread "[^"]*" |Unhandled [Ee]xception[.:] ?)?([A-Za-z_$][\w$.`+]*)(?: \[[\w-]+\]| \((?:0x)?[0-9A-Fa-f]+\))?(?:: ?(.*))?$/;

/** Type and first message line of a header line, or undefined when the line is not one. */
export function parseHeader(line: string): { type: string; message: string } | undefined {
  const m = HEADER.exec(line.trim());
  if (!m) return undefined;
  // A lone word is a header only when it names an error (`Error`, `java.lang.OutOfMemoryError`).
  if (m[2] === undefined && !/(?:Error|Exception|Panic|Failure|Fault)$/.test(m[1])) return undefined;
  return { type: m[1], message: m[2] ?? '' };
}

/**
 * The header of a trace from the lines before its first frame: the first line that parses as a
 * header; later lines continue a multi-line message.
 */
export function headerFrom(lines: readonly string[]): { type: string; message: string } {
  for (let i = 0; i < lines.length; i++) {
    const h = parseHeader(lines[i]);
    if (!h) continue;
    const rest = lines.slice(i + 1).map((l) => l.trimEnd());
    const message = [h.message, ...rest].join('\n').trim();
    return { type: h.type, message };
  }
  return { type: '', message: '' };
}

/** Splits `…:line:col` / `…:line` off a location; line and column are 0 when absent. */
export function splitLocation(loc: string): { file: string; line: number; column: number } {
  let file = loc;
  const nums: number[] = [];
  for (let k = 0; k < 2; k++) {
    const colon = file.lastIndexOf(':');
    if (colon <= 0) break;
    const digits = file.slice(colon + 1);
    if (!/^\d{1,9}$/.test(digits)) break;
    nums.unshift(Number(digits));
    file = file.slice(0, colon);
  }
  return { file, line: nums[0] ?? 0, column: nums[1] ?? 0 };
}

/** Index of the `(` matching a string's final `)`, or -1. Linear; used to strip argument lists. */
export function openingParen(s: string): number {
  if (!s.endsWith(')')) return -1;
  let depth = 0;
  for (let i = s.length - 1; i >= 0; i--) {
    const c = s.charCodeAt(i);
    if (c === 41) depth++;
    else if (c === 40 && --depth === 0) return i;
  }
  return -1;
}

/** Links a list of exceptions (outermost first) into a cause chain, capped at {@link MAX_CAUSES}. */
export function chain(list: StackTrace[]): StackTrace | undefined {
  const kept = list.slice(0, MAX_CAUSES + 1);
  for (let i = kept.length - 2; i >= 0; i--) kept[i].cause = kept[i + 1];
  return kept[0];
}
