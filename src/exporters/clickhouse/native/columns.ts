/**
 * Column writers of the Native format for the types the gateway's tables take:
 * - `String`, `UInt8`, `UInt64`, `DateTime64(9)` (Int64 ns): one value after another;
 * - `Array(T)`: a UInt64 cumulative end offset per row, then every element as a column of T;
 * - `Map(K, V)` = `Array(Tuple(K, V))`: the offsets, then every key, then every value;
 * - `LowCardinality(String)`: a dictionary and an index per value (see {@link LcStrings}); a column
 *   holding one starts with its state prefix, before any offsets.
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

/**
 * The state prefix of a column holding `LowCardinality` values: UInt64 1, the
 * `SharedDictionariesWithAdditionalKeys` serialization, written once before the column's data.
 */
export const lcPrefix: ByteWriter = (() => {
  const w = new ByteWriter(8);
  w.u64(1);
  return w;
})();

/** `HasAdditionalKeysBit | NeedUpdateDictionary`: each block carries its own dictionary. */
const lcFlags = 0x600;

/**
 * The values of a `LowCardinality(String)` column (or the LowCardinality keys of a map column) in
 * one block: a dictionary of the distinct values (`''` first, as ClickHouse writes it) and an
 * index per value. ClickHouse takes it as it is; sending `String` instead made it build the
 * dictionary on insert (~2 µs per `otel_traces` row, bench/formats.bench.ts). Values repeat
 * (attribute keys, span and service names), so the dictionary stays small.
 */
export class LcStrings {
  private readonly dict = new Map<string, number>([['', 0]]);
  private readonly dictBytes = new ByteWriter(256);
  private indexes: Uint32Array;
  private count = 0;

  constructor(capacity = 64) {
    this.indexes = new Uint32Array(Math.max(16, capacity));
    this.dictBytes.string('');
  }

  add(s: string): void {
    let i = this.dict.get(s);
    if (i === undefined) {
      i = this.dict.size;
      this.dict.set(s, i);
      this.dictBytes.string(s);
    }
    if (this.count === this.indexes.length) {
      const grown = new Uint32Array(this.indexes.length * 2);
      grown.set(this.indexes);
      this.indexes = grown;
    }
    this.indexes[this.count++] = i;
  }

  /**
   * The block's LowCardinality data: the index type (UInt8, UInt16 or UInt32 indexes by dictionary
   * size) with its flags, the dictionary, the indexes. Nothing when there are no values.
   */
  body(): ByteWriter {
    const keys = this.dict.size;
    const n = this.count;
    const type = keys <= 0x100 ? 0 : keys <= 0x10000 ? 1 : 2;
    const w = new ByteWriter(n === 0 ? 0 : 24 + this.dictBytes.length + (n << type));
    if (n === 0) return w;
    w.u64(type | lcFlags);
    w.u64(keys);
    w.raw(this.dictBytes.view());
    w.u64(n);
    const out = new Uint8Array(n << type);
    if (type === 0) for (let i = 0; i < n; i++) out[i] = this.indexes[i];
    else {
      const view = new DataView(out.buffer);
      if (type === 1) for (let i = 0; i < n; i++) view.setUint16(i * 2, this.indexes[i], true);
      else for (let i = 0; i < n; i++) view.setUint32(i * 4, this.indexes[i], true);
    }
    w.raw(out);
    return w;
  }
}

/** A `LowCardinality(String)` column: its prefix and data. */
export class LcColumn extends LcStrings {
  parts(): ByteWriter[] {
    return [lcPrefix, this.body()];
  }
}

/** A map's entries read once (a resource's or a scope's), to be added to many rows. */
export interface EncodedMap {
  readonly keys: readonly string[];
  readonly values: Uint8Array;
}

/**
 * A `Map(LowCardinality(String), String)` column (or the maps inside an
 * `Array(Map(LowCardinality(String), String))`).
 */
export class MapColumn {
  readonly offsets: Offsets;
  readonly keys: LcStrings;
  readonly values: ByteWriter;

  constructor(rows: number, entriesPerRow = 16) {
    this.offsets = new Offsets(rows);
    this.keys = new LcStrings(rows * entriesPerRow);
    this.values = new ByteWriter(rows * entriesPerRow * 24);
  }

  /** A row of `attributes`, in insertion order, values stringified by AsString. */
  add(attributes: Attributes): void {
    for (const [key, value] of attributes) {
      this.keys.add(key);
      writeValue(this.values, value);
    }
    this.offsets.add(attributes.size);
  }

  /** A row of entries read by {@link encodeMap}. */
  addEncoded(map: EncodedMap): void {
    for (const key of map.keys) this.keys.add(key);
    this.values.raw(map.values);
    this.offsets.add(map.keys.length);
  }

  /** The column's data: the LowCardinality prefix, the outer array's offsets (for an array of maps), offsets, keys, values. */
  parts(outer?: Offsets): ByteWriter[] {
    return outer ? [lcPrefix, outer.data, this.offsets.data, this.keys.body(), this.values] : [lcPrefix, this.offsets.data, this.keys.body(), this.values];
  }
}

/** Reads a map's entries once, for {@link MapColumn.addEncoded}: its keys, and its values encoded. */
export function encodeMap(attributes: Attributes): EncodedMap {
  const values = new ByteWriter(attributes.size * 24);
  for (const value of attributes.values()) writeValue(values, value);
  return { keys: [...attributes.keys()], values: values.view() };
}

/** Encodes a String value once, for {@link ByteWriter.raw}. */
export function encodeString(s: string): Uint8Array {
  const w = new ByteWriter(s.length * 3 + 10);
  w.string(s);
  return w.view();
}
