/**
 * Column writers of the Native format for the types the gateway's tables take (in the forms it
 * sends them: `String` for `LowCardinality(String)`, `Map(String, String)` for
 * `Map(LowCardinality(String), String)`; ClickHouse converts on insert):
 * - `String`, `UInt8`, `UInt64`, `DateTime64(9)` (Int64 ns): one value after another;
 * - `Array(T)`: a UInt64 cumulative end offset per row, then every element as a column of T;
 * - `Map(K, V)` = `Array(Tuple(K, V))`: the offsets, then every key, then every value.
 */
import type { AnyValue, Attributes } from '../../../batch/types.ts';
import { asString } from '../../../batch/asString.ts';
import { ByteWriter } from './writer.ts';

/** Largest instant a `DateTime64(9)` holds (2262-04-11). */
const maxNanos = (1n << 63n) - 1n;
const maxUInt64 = (1n << 64n) - 1n;

/** A `DateTime64(9)` value, clamped to [0, 2^63 - 1] ns as the JSONEachRow encoder clamps it. */
export function writeNanos(w: ByteWriter, t: bigint): void {
  w.i64(t < 0n ? 0n : t > maxNanos ? maxNanos : t);
}

/** A `UInt64` value, clamped to [0, 2^64 - 1] so that a write never throws. */
export function writeUInt64(w: ByteWriter, v: bigint): void {
  w.u64n(v < 0n ? 0n : v > maxUInt64 ? maxUInt64 : v);
}

/** An attribute value as the Collector's AsString text (see asString.ts). */
export function writeValue(w: ByteWriter, value: AnyValue): void {
  w.string(typeof value === 'string' ? value : asString(value));
}

/** The offsets of an `Array` column: each row's cumulative end. */
export class Offsets {
  readonly data: ByteWriter;
  private end = 0;

  constructor(rows: number) {
    this.data = new ByteWriter(rows * 8);
  }

  /** Ends a row of `count` elements. */
  add(count: number): void {
    this.end += count;
    this.data.u64(this.end);
  }
}

/** A map's entries encoded once (a resource's or a scope's), to be copied into many rows. */
export interface EncodedMap {
  readonly count: number;
  readonly keys: Uint8Array;
  readonly values: Uint8Array;
}

/** A `Map(String, String)` column (or the maps inside an `Array(Map(String, String))`). */
export class MapColumn {
  readonly offsets: Offsets;
  readonly keys: ByteWriter;
  readonly values: ByteWriter;

  constructor(rows: number, entriesPerRow = 16) {
    this.offsets = new Offsets(rows);
    this.keys = new ByteWriter(rows * entriesPerRow * 16);
    this.values = new ByteWriter(rows * entriesPerRow * 24);
  }

  /** A row of `attributes`, in insertion order, values stringified by AsString. */
  add(attributes: Attributes): void {
    for (const [key, value] of attributes) {
      this.keys.string(key);
      writeValue(this.values, value);
    }
    this.offsets.add(attributes.size);
  }

  /** A row of entries encoded by {@link encodeMap}. */
  addEncoded(map: EncodedMap): void {
    this.keys.raw(map.keys);
    this.values.raw(map.values);
    this.offsets.add(map.count);
  }

  /** The column's data: offsets, keys, values. */
  parts(): ByteWriter[] {
    return [this.offsets.data, this.keys, this.values];
  }
}

/** Encodes a map's entries once, for {@link MapColumn.addEncoded}. */
export function encodeMap(attributes: Attributes): EncodedMap {
  const map = new MapColumn(1, attributes.size);
  map.add(attributes);
  return { count: attributes.size, keys: map.keys.view(), values: map.values.view() };
}

/** Encodes a String value once, for {@link ByteWriter.raw}. */
export function encodeString(s: string): Uint8Array {
  const w = new ByteWriter(s.length * 3 + 10);
  w.string(s);
  return w.view();
}
