import { OtlpDecodeError } from '../errors.ts';
import type { Rejections } from '../rejections.ts';

// Readers for proto3 JSON scalars (protobuf.dev "ProtoJSON Format"): `null` or absent means
// the default value; 32- and 64-bit integers may be numbers or decimal strings; doubles may be
// numbers, numeric strings or "NaN"/"Infinity"/"-Infinity". A value of another JSON type fails
// the whole request (400), as it does in the Collector. `what` names the field for the message.

const INTEGER = /^-?\d+$/;
const NUMBER = /^-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const PADDING = /=+$/;
const UINT64_MAX = 0xffff_ffff_ffff_ffffn;
const INT64_MIN = -0x8000_0000_0000_0000n;
const INT64_MAX = 0x7fff_ffff_ffff_ffffn;

function invalid(what: string, expected: string): OtlpDecodeError {
  return new OtlpDecodeError(`${what} must be ${expected}`);
}

export function asString(v: unknown, what: string): string {
  if (typeof v === 'string') return v;
  if (v === undefined || v === null) return '';
  throw invalid(what, 'a string');
}

export function asBool(v: unknown, what: string): boolean {
  if (typeof v === 'boolean') return v;
  if (v === undefined || v === null) return false;
  throw invalid(what, 'a boolean');
}

function asBigInt(v: unknown, what: string, expected: string, min: bigint, max: bigint): bigint {
  let n: bigint;
  if (typeof v === 'string' && INTEGER.test(v)) n = BigInt(v);
  else if (typeof v === 'number' && Number.isInteger(v)) n = BigInt(v);
  else if (v === undefined || v === null) return 0n;
  else throw invalid(what, expected);
  if (n < min || n > max) throw invalid(what, expected);
  return n;
}

/** fixed64 / uint64 (e.g. timestamps in ns), exact. */
export function asUint64(v: unknown, what: string): bigint {
  return asBigInt(v, what, 'an unsigned 64-bit integer', 0n, UINT64_MAX);
}

/** int64 (AnyValue.intValue), exact. */
export function asInt64(v: unknown, what: string): bigint {
  return asBigInt(v, what, 'a 64-bit integer', INT64_MIN, INT64_MAX);
}

function asInteger(v: unknown, what: string, expected: string, min: number, max: number): number {
  let n: number;
  if (typeof v === 'number') n = v;
  else if (typeof v === 'string' && INTEGER.test(v)) n = Number(v);
  else if (v === undefined || v === null) return 0;
  else throw invalid(what, expected);
  if (!Number.isInteger(n) || n < min || n > max) throw invalid(what, expected);
  return n;
}

/** uint32 / fixed32 (counts, flags). */
export function asUint32(v: unknown, what: string): number {
  return asInteger(v, what, 'an unsigned 32-bit integer', 0, 0xffff_ffff);
}

/** int32 / sint32 (scale, bucket offsets). */
export function asInt32(v: unknown, what: string): number {
  return asInteger(v, what, 'a 32-bit integer', -0x8000_0000, 0x7fff_ffff);
}

/**
 * An enum: its number (OTLP/JSON requires integers) or, as the Collector also accepts, its
 * name from the .proto file (e.g. "SPAN_KIND_SERVER").
 */
export function asEnum(v: unknown, names: ReadonlyMap<string, number>, what: string): number {
  if (typeof v === 'string' && !INTEGER.test(v)) {
    const n = names.get(v);
    if (n === undefined) throw invalid(what, `an enum number or name, such as ${names.keys().next().value}`);
    return n;
  }
  return asInteger(v, what, 'an enum number (32-bit integer)', -0x8000_0000, 0x7fff_ffff);
}

export function asDouble(v: unknown, what: string): number {
  if (typeof v === 'number') return v;
  if (v === undefined || v === null) return 0;
  if (typeof v === 'string') {
    if (v === 'NaN') return NaN;
    if (v === 'Infinity') return Infinity;
    if (v === '-Infinity') return -Infinity;
    if (NUMBER.test(v)) return Number(v);
  }
  throw invalid(what, 'a number, "NaN", "Infinity" or "-Infinity"');
}

/** bytes: base64, standard or URL-safe alphabet, padded or not (proto3 JSON). */
export function asBytes(v: unknown, what: string): Uint8Array {
  if (v === undefined || v === null) return new Uint8Array(0);
  if (typeof v !== 'string' || !BASE64.test(v) || v.replace(PADDING, '').length % 4 === 1) {
    throw invalid(what, 'base64');
  }
  // Buffer decodes both alphabets; copy into a plain Uint8Array outside Buffer's shared pool.
  return new Uint8Array(Buffer.from(v, 'base64'));
}

/**
 * A trace or span ID: case-insensitive hex (OTLP/JSON), returned lowercase; `''` when absent,
 * empty or all zero. Any other length, a non-hex character or a non-string flags the record
 * being decoded for rejection (and yields `''`).
 */
export function asHexId(v: unknown, bytes: number, field: string, rej: Rejections): string {
  if (v === undefined || v === null || v === '') return '';
  if (typeof v !== 'string') {
    rej.flag(`${field} must be a hex string`);
    return '';
  }
  if (v.length !== bytes * 2) {
    rej.flag(`${field} must be ${bytes * 2} hex digits, got ${v.length}`);
    return '';
  }
  let nonZero = false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c === 0x30) continue;
    const lower = c | 0x20; // folds 'A'-'F' onto 'a'-'f' and nothing else onto them
    if (!((c >= 0x31 && c <= 0x39) || (lower >= 0x61 && lower <= 0x66))) {
      rej.flag(`${field} is not valid hex`);
      return '';
    }
    nonZero = true;
  }
  return nonZero ? v.toLowerCase() : '';
}
