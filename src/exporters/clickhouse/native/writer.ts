/**
 * A growable byte buffer with the primitive encodings of ClickHouse's Native format: LEB128
 * varints, little-endian integers, and strings as varint byte length + UTF-8 bytes.
 */

/** Node's `Buffer#utf8Write` (untyped in @types/node): `buf.write(s, offset, 'utf8')` without the argument juggling. */
interface Utf8Writable {
  utf8Write(s: string, offset: number): number;
}

/**
 * Strings up to this many UTF-16 units are copied by a JS loop while ASCII (a native call costs
 * more for them: 1000 spans with 15 attributes took ~10% longer at 16 or 32); at most 3 bytes a
 * unit, their byte length (< 128) fits the one varint byte reserved in front of them.
 */
const shortString = 42;

/** Bytes of the varint encoding of `n` (a non-negative safe integer). */
export function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    size++;
  }
  return size;
}

/**
 * Bytes written one after another into a buffer that doubles when full. Strings are written as
 * UTF-8 with lone surrogates as U+FFFD (what V8's encoder writes for them): the same bytes as
 * `Buffer.from(wellFormed(s))`, without a pass to look for them.
 */
export class ByteWriter {
  private buf: Buffer;
  /** Over `buf`: its 64-bit setters take a bigint several times faster than `Buffer#writeBigInt64LE`. */
  private data: DataView;
  /** Bytes written so far. */
  length = 0;

  constructor(capacity = 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(capacity, 64));
    this.data = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  }

  /** The bytes written so far, without a copy (valid until the next write). */
  view(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  /** Copies the bytes written so far into `target` at `offset`; returns the offset after them. */
  copyTo(target: Uint8Array, offset: number): number {
    target.set(this.view(), offset);
    return offset + this.length;
  }

  u8(v: number): void {
    if (this.length + 1 > this.buf.length) this.grow(1);
    this.buf[this.length++] = v;
  }

  /** An unsigned LEB128 varint of a non-negative safe integer. */
  varint(v: number): void {
    if (this.length + 10 > this.buf.length) this.grow(10);
    this.length = this.putVarint(this.length, v);
  }

  /** A UInt32, little-endian; `v` must be an integer in [0, 2^32). */
  u32(v: number): void {
    if (this.length + 4 > this.buf.length) this.grow(4);
    this.data.setUint32(this.length, v, true);
    this.length += 4;
  }

  /** An Int32, little-endian; `v` must be an integer in [-2^31, 2^31). */
  i32(v: number): void {
    if (this.length + 4 > this.buf.length) this.grow(4);
    this.data.setInt32(this.length, v, true);
    this.length += 4;
  }

  /** A Float64, little-endian, bit for bit (NaN and ±Inf included). */
  f64(v: number): void {
    if (this.length + 8 > this.buf.length) this.grow(8);
    this.data.setFloat64(this.length, v, true);
    this.length += 8;
  }

  /** A UInt64, little-endian, of a non-negative safe integer. */
  u64(v: number): void {
    if (this.length + 8 > this.buf.length) this.grow(8);
    this.data.setUint32(this.length, v >>> 0, true);
    this.data.setUint32(this.length + 4, Math.floor(v / 0x1_0000_0000), true);
    this.length += 8;
  }

  /** A UInt64, little-endian; `v` must be in [0, 2^64). */
  u64n(v: bigint): void {
    if (this.length + 8 > this.buf.length) this.grow(8);
    this.data.setBigUint64(this.length, v, true);
    this.length += 8;
  }

  /** An Int64, little-endian; `v` must be in [-2^63, 2^63). */
  i64(v: bigint): void {
    if (this.length + 8 > this.buf.length) this.grow(8);
    this.data.setBigInt64(this.length, v, true);
    this.length += 8;
  }

  /** A String: varint byte length, then the UTF-8 bytes. */
  string(s: string): void {
    const n = s.length;
    if (n <= shortString) {
      // At most 126 bytes: the length is one varint byte, written after the text.
      if (this.length + 1 + n * 3 > this.buf.length) this.grow(1 + n * 3);
      const buf = this.buf;
      const start = this.length;
      let at = start + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at++] = c;
      }
      if (i < n) at = start + 1 + (buf as unknown as Utf8Writable).utf8Write(s, start + 1);
      buf[start] = at - start - 1;
      this.length = at;
      return;
    }
    // The UTF-8 length is between n and 3n bytes: room for the longest, the text written after a
    // length prefix sized for the shortest, moved along in the rare case its length needs more.
    const low = varintSize(n);
    if (this.length + varintSize(n * 3) + n * 3 > this.buf.length) this.grow(varintSize(n * 3) + n * 3);
    const start = this.length;
    const bytes = (this.buf as unknown as Utf8Writable).utf8Write(s, start + low);
    const size = varintSize(bytes);
    if (size !== low) this.buf.copyWithin(start + size, start + low, start + low + bytes);
    this.putVarint(start, bytes);
    this.length = start + size + bytes;
  }

  /** Bytes as they are (already encoded values). */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    if (this.length + n > this.buf.length) this.grow(n);
    if (n < 32) {
      const buf = this.buf;
      for (let i = 0; i < n; i++) buf[this.length + i] = bytes[i];
    } else {
      this.buf.set(bytes, this.length);
    }
    this.length += n;
  }

  /** Writes a varint at `at`, in room already there; returns the offset after it. */
  private putVarint(at: number, v: number): number {
    const buf = this.buf;
    while (v >= 0x80) {
      buf[at++] = (v & 0x7f) | 0x80;
      v = Math.floor(v / 0x80);
    }
    buf[at++] = v;
    return at;
  }

  private grow(extra: number): void {
    let capacity = this.buf.length * 2;
    while (capacity < this.length + extra) capacity *= 2;
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
    this.data = new DataView(next.buffer, next.byteOffset, next.length);
  }
}
