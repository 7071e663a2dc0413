import type { AnyValue, LogRecord } from '../../batch/types.ts';
import type { Threshold } from './threshold.ts';

/**
 * `rv ≥ th` on hex: the 14 digits of `source` from `offset` (the low 56 bits of a trace ID at
 * offset 18, or an explicit `rv` at 0) against the threshold's 14 digits. Lowercase hex strings
 * of equal length order like their numbers; comparing char codes in place allocates nothing.
 */
export function hexAtLeast(source: string, offset: number, threshold: Threshold): boolean {
  const th = threshold.hex14;
  for (let i = 0; i < 14; i++) {
    const a = source.charCodeAt(offset + i);
    const b = th.charCodeAt(i);
    if (a !== b) return a > b;
  }
  return true;
}

/** 56-bit randomness as two 28-bit halves (for records without a trace ID). */
export interface Randomness56 {
  hi28: number;
  lo28: number;
}

/** `rv ≥ th` for numeric randomness. */
export function numericAtLeast(rv: Randomness56, threshold: Threshold): boolean {
  return rv.hi28 > threshold.hi28 || (rv.hi28 === threshold.hi28 && rv.lo28 >= threshold.lo28);
}

/**
 * Stable 56-bit randomness of a log record that has no trace ID: a hash of `keyValue` when the
 * record carries it (e.g. `log.record.uid`), else of its content — timestamp, severity, body,
 * event name, span ID and attributes except those in `ignore` (what samplers add: the threshold,
 * the adjusted count), so a retried request, or a second tier, gets the same value. Written into
 * `out` (no allocation per record).
 */
export function recordRandomness(log: LogRecord, keyValue: AnyValue | undefined, out: Randomness56, ignore: ReadonlySet<string>): void {
  h1 = 0x811c9dc5;
  h2 = 0x9747b28c;
  if (keyValue !== undefined) {
    mixValue(keyValue);
  } else {
    mixString((log.timeUnixNano || log.observedTimeUnixNano).toString());
    mixCode(log.severityNumber);
    mixValue(log.body);
    mixString(log.eventName);
    mixString(log.spanId);
    for (const [key, value] of log.attributes) {
      if (ignore.has(key)) continue;
      mixString(key);
      mixValue(value);
    }
  }
  // murmur3's finalizer on each lane, lane 1 folded into lane 2 so both depend on every input.
  const a = fmix32(h1);
  const b = fmix32((h2 ^ a) >>> 0);
  out.hi28 = a >>> 4;
  out.lo28 = b >>> 4;
}

// Two 32-bit lanes (FNV-1a, and a multiply-rotate lane) kept in module state: no allocation.
let h1 = 0;
let h2 = 0;

function mixCode(c: number): void {
  h1 = Math.imul(h1 ^ c, 0x01000193);
  h2 = Math.imul(((h2 ^ c) << 13) | ((h2 ^ c) >>> 19), 0x5bd1e995) + 0x6b43a9b5;
}

function mixString(s: string): void {
  for (let i = 0; i < s.length; i++) mixCode(s.charCodeAt(i));
  mixCode(0x1f); // separator: ("ab","c") and ("a","bc") differ
}

function mixValue(value: AnyValue): void {
  switch (typeof value) {
    case 'string':
      return mixString(value);
    case 'boolean':
      return mixCode(value ? 0x101 : 0x100);
    case 'bigint':
    case 'number':
      return mixString(String(value));
    default:
      if (value === null) return mixCode(0x102);
      if (value instanceof Uint8Array) {
        for (let i = 0; i < value.length; i++) mixCode(value[i]);
        return mixCode(0x103);
      }
      if (Array.isArray(value)) {
        for (const v of value) mixValue(v);
        return mixCode(0x104);
      }
      for (const [k, v] of value) {
        mixString(k);
        mixValue(v);
      }
      return mixCode(0x105);
  }
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
