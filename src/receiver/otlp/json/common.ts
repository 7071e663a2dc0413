import type { AnyValue, Attributes, Resource, Scope } from '../../../batch/types.ts';
import { OtlpDecodeError } from '../errors.ts';
import { MAX_NESTING_DEPTH } from '../limits.ts';
import { isJsonObject, type JsonObject } from './parse.ts';
import { asBool, asBytes, asDouble, asInt64, asString, asUint32 } from './scalars.ts';

const NO_ITEMS: readonly unknown[] = Object.freeze([]);

/**
 * A field by its lowerCamelCase name (OTLP/JSON) or, as the Collector also accepts, its
 * original snake_case name. `null` counts as absent (proto3 JSON).
 */
export function field(o: JsonObject, camel: string, snake: string): unknown {
  const v = o[camel];
  return v !== undefined && v !== null ? v : o[snake];
}

/** A message-typed field: absent/null → undefined, an object → it, anything else → 400. */
export function asObject(v: unknown, what: string): JsonObject | undefined {
  if (isJsonObject(v)) return v;
  if (v === undefined || v === null) return undefined;
  throw new OtlpDecodeError(`${what} must be an object`);
}

/** A repeated field: absent/null → empty, an array → it, anything else → 400. */
export function asArray(v: unknown, what: string): readonly unknown[] {
  if (Array.isArray(v)) return v;
  if (v === undefined || v === null) return NO_ITEMS;
  throw new OtlpDecodeError(`${what} must be an array`);
}

/** An element of a repeated message field; proto3 JSON has no null elements. */
export function asElement(v: unknown, what: string): JsonObject {
  if (isJsonObject(v)) return v;
  throw new OtlpDecodeError(`each element of ${what} must be an object`);
}

/** Reads a `[{key, value}]` list into `into`; a later duplicate key replaces the earlier value. */
export function readAttributes(v: unknown, into: Attributes, depth: number, what: string): void {
  const list = asArray(v, what);
  for (let i = 0; i < list.length; i++) {
    const kv = asElement(list[i], what);
    into.set(asString(kv.key, 'attribute key'), readAnyValue(kv.value, depth));
  }
}

/**
 * Reads an AnyValue object. `{}` (the JS SDK's encoding of an unsupported value) and null are
 * an unset value → null. If a sender sets several members, the first in .proto order wins.
 */
export function readAnyValue(v: unknown, depth: number): AnyValue {
  if (v === undefined || v === null) return null;
  if (!isJsonObject(v)) throw new OtlpDecodeError('an AnyValue must be an object');
  if (depth > MAX_NESTING_DEPTH) {
    throw new OtlpDecodeError(`AnyValue nested deeper than ${MAX_NESTING_DEPTH} levels`);
  }
  let x: unknown;
  if ((x = field(v, 'stringValue', 'string_value')) != null) return asString(x, 'stringValue');
  if ((x = field(v, 'boolValue', 'bool_value')) != null) return asBool(x, 'boolValue');
  if ((x = field(v, 'intValue', 'int_value')) != null) return readIntValue(x);
  if ((x = field(v, 'doubleValue', 'double_value')) != null) return asDouble(x, 'doubleValue');
  if ((x = field(v, 'arrayValue', 'array_value')) != null) {
    const values = asArray(asObject(x, 'arrayValue')?.values, 'arrayValue.values');
    const out: AnyValue[] = new Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = readAnyValue(values[i], depth + 1);
    return out;
  }
  if ((x = field(v, 'kvlistValue', 'kvlist_value')) != null) {
    const map: Attributes = new Map();
    readAttributes(asObject(x, 'kvlistValue')?.values, map, depth + 1, 'kvlistValue.values');
    return map;
  }
  if ((x = field(v, 'bytesValue', 'bytes_value')) != null) return asBytes(x, 'bytesValue');
  return null;
}

/**
 * An int64 `intValue`, exact. The JS SDK's JSON encoder sends every integral JS number as
 * `intValue` (otlp-transformer `toAnyValue`), even 1e300 or -(2^63) printed as
 * -9223372036854776000, which no int64 holds; rather than fail the request, such an
 * out-of-range integer is kept as the double the sender had.
 */
function readIntValue(x: unknown): AnyValue {
  if (typeof x === 'number' && Number.isInteger(x) && (x < -(2 ** 63) || x >= 2 ** 63)) return x;
  if (typeof x === 'string' && isOutOfInt64Range(x)) return Number(x);
  return asInt64(x, 'intValue');
}

const INT64_LITERAL_MAX = 9223372036854775807n;
const INT64_LITERAL_MIN = -9223372036854775808n;
const LONG_INTEGER = /^-?\d{19,}$/; // shorter literals always fit

function isOutOfInt64Range(s: string): boolean {
  if (!LONG_INTEGER.test(s)) return false;
  const n = BigInt(s);
  return n > INT64_LITERAL_MAX || n < INT64_LITERAL_MIN;
}

export function readResource(v: unknown): Resource {
  const o = asObject(v, 'resource');
  const res: Resource = { attributes: new Map(), droppedAttributesCount: 0 };
  if (o === undefined) return res;
  readAttributes(o.attributes, res.attributes, 0, 'resource.attributes');
  res.droppedAttributesCount = asUint32(
    field(o, 'droppedAttributesCount', 'dropped_attributes_count'),
    'resource.droppedAttributesCount',
  );
  return res;
}

export function readScope(v: unknown): Scope {
  const o = asObject(v, 'scope');
  const scope: Scope = { name: '', version: '', attributes: new Map(), droppedAttributesCount: 0 };
  if (o === undefined) return scope;
  scope.name = asString(o.name, 'scope.name');
  scope.version = asString(o.version, 'scope.version');
  readAttributes(o.attributes, scope.attributes, 0, 'scope.attributes');
  scope.droppedAttributesCount = asUint32(
    field(o, 'droppedAttributesCount', 'dropped_attributes_count'),
    'scope.droppedAttributesCount',
  );
  return scope;
}
