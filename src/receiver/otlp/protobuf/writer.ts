/** Protobuf wire primitives for writing messages field by field (the reader's counterpart, reader.ts). */

/** A base-128 varint of `value` taken as an unsigned 64-bit integer (negative numbers as two's complement). */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt.asUintN(64, BigInt(value));
  const out: number[] = [];
  while (v > 0x7fn) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

/** A field's key: its number and wire type. */
export function tag(field: number, wireType: number): Uint8Array {
  return varint((field << 3) | wireType);
}

/** The parts one after another, in one array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
