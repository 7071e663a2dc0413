/**
 * Reads the `Native` blocks clickhouse-go reads over HTTP at a protocol revision ≥ 54454 (block
 * info, then per column: name, type, custom-serialization flag, data), for String,
 * LowCardinality(String) and fixed-width integer columns; a column of another type ends the walk
 * (its header is still returned).
 */
export interface NativeColumn {
  name: string;
  type: string;
  customSerialization: number;
  values?: unknown[];
}

export function readNativeBlock(buf: Buffer): { info: number[]; rows: number; columns: NativeColumn[] } {
  let pos = 0;
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[pos++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  const str = () => {
    const n = varint();
    pos += n;
    return buf.toString('utf8', pos - n, pos);
  };
  const info = [varint(), buf[pos++], varint(), buf.readInt32LE((pos += 4) - 4), varint()];
  const count = varint();
  const rows = varint();
  const columns: NativeColumn[] = [];
  for (let c = 0; c < count; c++) {
    const column: NativeColumn = { name: str(), type: str(), customSerialization: buf[pos++] };
    columns.push(column);
    const width = { UInt8: 1, UInt16: 2, UInt32: 4, UInt64: 8 }[column.type];
    if (column.type === 'String') column.values = Array.from({ length: rows }, str);
    else if (column.type === 'LowCardinality(String)') {
      const u64 = () => Number(buf.readBigUInt64LE((pos += 8) - 8));
      const [, flags] = [u64(), u64()]; // key version (the prefix), then index width and flags
      const keys = flags & (1 << 9) ? Array.from({ length: u64() }, str) : [];
      const indexes = u64();
      const w = [1, 2, 4, 8][flags & 0xff];
      column.values = Array.from({ length: indexes }, () => keys[buf.readUIntLE((pos += w) - w, Math.min(w, 6))]);
    } else if (width) column.values = Array.from({ length: rows }, () => Number(buf.readUIntLE((pos += width) - width, Math.min(width, 6))));
    else break;
  }
  return { info, rows, columns };
}
