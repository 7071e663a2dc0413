import type { AnyValue } from './types.ts';

/**
 * Stringifies an attribute value exactly as the Collector's pdata `Value.AsString()` does, which
 * is what the contrib clickhouseexporter writes into every `Map(LowCardinality(String), String)`
 * column (reference/clickhouse-otel-schema.md §2): strings as-is, ints in decimal, doubles in the
 * ES6 shortest form, bytes as standard base64, arrays and kvlists as Go `json.Marshal` output
 * (map keys sorted, HTML-escaped), empty values as `''`.
 */
export function asString(value: AnyValue): string {
  switch (typeof value) {
    case 'string':
      return value;
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      return Number.isFinite(value) ? String(value) : `json: unsupported value: ${goFloatName(value)}`;
    default:
      if (value === null) return '';
      if (value instanceof Uint8Array) return base64(value);
      try {
        return goJson(value);
      } catch {
        // json.Marshal fails on NaN/Inf inside arrays and maps; the Collector then writes ''.
        return '';
      }
  }
}

function goFloatName(v: number): string {
  return Number.isNaN(v) ? 'NaN' : v > 0 ? '+Inf' : '-Inf';
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64');
}

/** Go's encoding/json output for `AsRaw()` of an array or kvlist. */
function goJson(value: AnyValue): string {
  switch (typeof value) {
    case 'string':
      return goJsonString(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'bigint':
      return value.toString();
    case 'number':
      if (!Number.isFinite(value)) throw new RangeError('unsupported float');
      return String(value);
    default:
      if (value === null) return 'null';
      if (value instanceof Uint8Array) return `"${base64(value)}"`;
      if (Array.isArray(value)) return `[${value.map(goJson).join(',')}]`;
      // Go marshals map[string]any with sorted keys.
      return `{${[...value.keys()].sort().map((k) => `${goJsonString(k)}:${goJson(value.get(k)!)}`).join(',')}}`;
  }
}

const htmlUnsafe = /[<>&\u2028\u2029]/;
const htmlUnsafeAll = /[<>&\u2028\u2029]/g;
const goEscapes: Record<string, string> = {
  '<': '\\u003c',
  '>': '\\u003e',
  '&': '\\u0026',
  '\u2028': '\\u2028',
  '\u2029': '\\u2029',
};

/** JSON.stringify plus Go's default HTML-safe escaping of `<`, `>`, `&`, U+2028 and U+2029. */
function goJsonString(s: string): string {
  const json = JSON.stringify(wellFormed(s));
  return htmlUnsafe.test(json) ? json.replace(htmlUnsafeAll, (c) => goEscapes[c]) : json;
}

const surrogate = /[\ud800-\udfff]/;
const loneSurrogates = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * `s` with every lone surrogate replaced by U+FFFD: the string that its UTF-8 encoding stands for
 * (what `Buffer.from(s)` writes), and what the Collector holds for it (Go decodes an unpaired
 * `\ud800` in OTLP/JSON to U+FFFD). A lone surrogate cannot be stored as UTF-8, and ClickHouse
 * refuses a whole JSON insert over a lone high one written as `\ud800`.
 */
export function wellFormed(s: string): string {
  return surrogate.test(s) ? s.replace(loneSurrogates, '\ufffd') : s;
}
