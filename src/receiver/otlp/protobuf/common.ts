import type { AnyValue, Attributes, Resource, Scope } from '../../../batch/types.ts';
import { MAX_NESTING_DEPTH } from '../limits.ts';
import type { Rejections } from '../rejections.ts';
import type { ProtoReader } from './reader.ts';

// Tags below are `field_number << 3 | wire_type` (wire types: 0 VARINT, 1 I64, 2 LEN, 5 I32), from
// opentelemetry/proto/{common,resource}/v1/*.proto. A known field arriving with another wire type
// falls through to `skip`, i.e. it is treated as unknown, as protobuf-go does.

/** Reads one `KeyValue` (LEN-prefixed) and stores it in `attrs`; a later duplicate key wins. */
export function readKeyValue(r: ProtoReader, attrs: Attributes, depth: number): void {
  const end = r.messageEnd();
  let key = '';
  let value: AnyValue = null;
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) key = r.key(); // key = 1
    else if (tag === 18) value = readAnyValue(r, depth); // value = 2
    else r.skip(tag); // key_strindex = 3 is profiles-only
  }
  r.checkEnd(end);
  attrs.set(key, value);
}

/**
 * Reads one `AnyValue` (LEN-prefixed). An unset value is null. `depth` counts enclosing
 * arrays/kvlists; beyond {@link MAX_NESTING_DEPTH} the payload is rejected.
 */
export function readAnyValue(r: ProtoReader, depth: number): AnyValue {
  if (depth > MAX_NESTING_DEPTH) throw r.error(`AnyValue nested deeper than ${MAX_NESTING_DEPTH} levels`);
  const end = r.messageEnd();
  let value: AnyValue = null;
  // A oneof: the last member on the wire wins; a repeated message member merges (proto3 rules).
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: // string_value = 1
        value = r.string();
        break;
      case 16: // bool_value = 2
        value = r.bool();
        break;
      case 24: // int_value = 3
        value = r.int64();
        break;
      case 33: // double_value = 4
        value = r.double();
        break;
      case 42: // array_value = 5
        value = readArrayValue(r, depth + 1, Array.isArray(value) ? value : []);
        break;
      case 50: // kvlist_value = 6
        value = readKeyValueList(r, depth + 1, value instanceof Map ? value : new Map());
        break;
      case 58: // bytes_value = 7
        value = r.bytes();
        break;
      default: // string_value_strindex = 8 is profiles-only; unknown fields
        r.skip(tag);
    }
  }
  r.checkEnd(end);
  return value;
}

function readArrayValue(r: ProtoReader, depth: number, values: AnyValue[]): AnyValue[] {
  const end = r.messageEnd();
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) values.push(readAnyValue(r, depth)); // values = 1
    else r.skip(tag);
  }
  r.checkEnd(end);
  return values;
}

function readKeyValueList(r: ProtoReader, depth: number, map: Attributes): Attributes {
  const end = r.messageEnd();
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) readKeyValue(r, map, depth); // values = 1
    else r.skip(tag);
  }
  r.checkEnd(end);
  return map;
}

export function emptyResource(): Resource {
  return { attributes: new Map(), droppedAttributesCount: 0 };
}

/** Reads a `Resource` into `res` (a repeated message field merges, per proto3). */
export function readResource(r: ProtoReader, res: Resource): void {
  const end = r.messageEnd();
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) readKeyValue(r, res.attributes, 0); // attributes = 1
    else if (tag === 16) res.droppedAttributesCount = r.uint32(); // dropped_attributes_count = 2
    else r.skip(tag); // entity_refs = 3 is not carried by the batch
  }
  r.checkEnd(end);
}

export function emptyScope(): Scope {
  return { name: '', version: '', attributes: new Map(), droppedAttributesCount: 0 };
}

/** Reads an `InstrumentationScope` into `scope`. */
export function readScope(r: ProtoReader, scope: Scope): void {
  const end = r.messageEnd();
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) scope.name = r.string(); // name = 1
    else if (tag === 18) scope.version = r.string(); // version = 2
    else if (tag === 26) readKeyValue(r, scope.attributes, 0); // attributes = 3
    else if (tag === 32) scope.droppedAttributesCount = r.uint32(); // dropped_attributes_count = 4
    else r.skip(tag);
  }
  r.checkEnd(end);
}

/**
 * Called when {@link ProtoReader.id} returned null: flags the record being decoded (OTLP trace
 * IDs are 16 bytes, span IDs 8; the Collector rejects other lengths too) and yields `''`.
 */
export function rejectId(r: ProtoReader, rej: Rejections, field: string, size: number): string {
  rej.flag(`${field} must be ${size} bytes, got ${r.lastIdLength}`);
  return '';
}
