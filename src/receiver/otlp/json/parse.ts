import { OtlpDecodeError } from '../errors.ts';

/** A parsed JSON object (never an array or null). */
export type JsonObject = { [key: string]: unknown };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Cheap pre-check for an unquoted integer of 16+ digits (2^53 has 16), the only literals
 * JSON.parse can round. It can match inside strings too; then the exact scan just finds nothing.
 */
const MAYBE_BIG_INTEGER = /[:,[]\s*-?\d{16}/;

/**
 * Decodes a UTF-8 OTLP/JSON body into its top-level object.
 *
 * Integer literals of 16 or more digits are turned into strings before JSON.parse, so
 * nanosecond timestamps and int64 values sent as bare numbers (e.g. `1544712660000000001`)
 * survive exactly; every numeric field reader accepts both forms (proto3 JSON mapping).
 *
 * @throws OtlpDecodeError for invalid UTF-8, invalid or truncated JSON, or a non-object root.
 */
export function parseJsonBody(buf: Uint8Array): JsonObject {
  let text: string;
  try {
    text = strictUtf8.decode(buf);
  } catch {
    throw new OtlpDecodeError('request body is not valid UTF-8');
  }
  let root: unknown;
  try {
    root = JSON.parse(quoteBigIntegers(text));
  } catch (err) {
    throw new OtlpDecodeError(`request body is not valid JSON: ${(err as Error).message}`);
  }
  if (!isJsonObject(root)) throw new OtlpDecodeError('request body must be a JSON object');
  return root;
}

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Wraps every integer literal of 16+ digits that sits outside a string in double quotes.
 * Literals with a fraction or exponent, and invalid ones with a leading zero, are left alone so
 * JSON.parse still judges them.
 */
export function quoteBigIntegers(text: string): string {
  if (!MAYBE_BIG_INTEGER.test(text)) return text;
  const n = text.length;
  let out = '';
  let copied = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = skipString(text, i + 1);
    } else if (c === 0x2d || isDigit(c)) {
      const start = i;
      const digitsStart = c === 0x2d ? i + 1 : i;
      i = digitsStart;
      while (i < n && isDigit(text.charCodeAt(i))) i++;
      const digits = i - digitsStart;
      const next = i < n ? text.charCodeAt(i) : 0;
      if (next === 0x2e || next === 0x65 || next === 0x45) {
        // '.', 'e', 'E': a float literal; skip the rest of it untouched.
        while (i < n && isNumberChar(text.charCodeAt(i))) i++;
      } else if (digits >= 16 && text.charCodeAt(digitsStart) !== 0x30) {
        out += text.slice(copied, start) + '"' + text.slice(start, i) + '"';
        copied = i;
      }
    } else {
      i++;
    }
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/** Returns the index just past the closing quote of a string whose body starts at `i`. */
function skipString(text: string, i: number): number {
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x5c) i += 2;
    else if (c === 0x22) return i + 1;
    else i++;
  }
  return n;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

function isNumberChar(c: number): boolean {
  return isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === 0x2d;
}
