/**
 * A Native block as ClickHouse writes `FORMAT Native` over HTTP or to a file (no block-info
 * header): varint column count, varint row count, then per column its name, its type (Strings)
 * and its data. Blocks written one after another are one Native stream.
 */
import { ByteWriter, varintSize } from './writer.ts';

/** One Native block: the bytes of a whole block and how many rows it holds. */
export interface NativeBlock {
  readonly bytes: Uint8Array;
  readonly rows: number;
}

/** The block of no rows: no bytes at all (an empty stream inserts nothing). */
export const emptyBlock: NativeBlock = Object.freeze({ bytes: new Uint8Array(0), rows: 0 });

/** A column's name and type as the block writes them before its data, encoded once. */
export interface ColumnHeader {
  readonly name: string;
  readonly type: string;
  readonly bytes: Uint8Array;
}

export function columnHeader(name: string, type: string): ColumnHeader {
  const w = new ByteWriter();
  w.string(name);
  w.string(type);
  return { name, type, bytes: w.view() };
}

/** A column of a block being built: its header, then the writers holding its data, in order. */
export type ColumnData = readonly [ColumnHeader, ...ByteWriter[]];

/** The columns of `headers` (in their order) with their data from `data`, for {@link assemble}. */
export function inOrder<K extends string>(headers: Record<K, ColumnHeader>, data: Record<K, ByteWriter[]>): ColumnData[] {
  return (Object.keys(headers) as K[]).map((k) => [headers[k], ...data[k]]);
}

/** Copies the columns into one block (the only copy of the data after the writers filled it). */
export function assemble(columns: readonly ColumnData[], rows: number): NativeBlock {
  if (rows === 0) return emptyBlock;
  let size = varintSize(columns.length) + varintSize(rows);
  for (const [header, ...parts] of columns) {
    size += header.bytes.length;
    for (const part of parts) size += part.length;
  }
  const bytes = Buffer.allocUnsafeSlow(size);
  const head = new ByteWriter(20);
  head.varint(columns.length);
  head.varint(rows);
  let at = head.copyTo(bytes, 0);
  for (const [header, ...parts] of columns) {
    bytes.set(header.bytes, at);
    at += header.bytes.length;
    for (const part of parts) at = part.copyTo(bytes, at);
  }
  return { bytes, rows };
}
