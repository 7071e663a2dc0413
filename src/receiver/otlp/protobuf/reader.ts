import { OtlpDecodeError } from '../errors.ts';
import { MAX_NESTING_DEPTH } from '../limits.ts';
import { asciiString, MAX_CACHED_BYTES, MAX_JOINED_CHARS, StringCache } from './strings.ts';

/**
 * Module-wide caches of short strings: attribute keys, and values (names, attribute values…).
 * Separate, so values that never repeat (IDs in URLs) cannot evict the keys.
 */
const keys = new StringCache();
const values = new StringCache();

const fromCharCode = String.fromCharCode;
/** Char codes of the lowercase hex digits. */
const HEX_CODE = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));

/**
 * A cursor over one protobuf-encoded buffer (protobuf "Encoding" guide: varint, I64, LEN, SGROUP,
 * EGROUP, I32 wire types). Every read checks the bytes it needs against the end of the buffer
 * and throws {@link OtlpDecodeError} instead of reading past it or allocating for a forged length.
 *
 * Reads are bounded by the end of the whole buffer, not of the enclosing message; callers loop
 * `while (r.pos < end)` and then call {@link ProtoReader.checkEnd}, which catches a field that
 * runs over its message's end.
 */
export class ProtoReader {
  readonly buf: Uint8Array;
  readonly end: number;
  pos = 0;
  /** Byte length of the last ID for which {@link ProtoReader.id} returned null. */
  lastIdLength = 0;
  private readonly view: DataView;
  /** Zero-copy Buffer view for Node's native UTF-8 decoder. */
  private readonly text: Buffer;
  /** Native UTF-8 decoding (flat strings, U+FFFD for invalid sequences); one closure per reader. */
  private readonly decodeUtf8 = (start: number, stop: number): string => this.text.toString('utf8', start, stop);
  // Result registers of varint64(), so decoding a 64-bit varint allocates nothing.
  private lo = 0;
  private hi = 0;

  constructor(input: Uint8Array) {
    // A plain Uint8Array view: `slice` then copies (Buffer#slice would alias the request body).
    this.buf = new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    this.end = input.byteLength;
    this.view = new DataView(input.buffer, input.byteOffset, input.byteLength);
    this.text = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  }

  /** Reads a field tag (`field_number << 3 | wire_type`); field number 0 is invalid. */
  tag(): number {
    // Fast path kept tiny so TurboFan inlines it: a one-byte tag with a non-zero field number.
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.buf[pos];
      if (b >= 8 && b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.tagSlow();
  }

  private tagSlow(): number {
    const start = this.pos;
    this.varint64();
    if (this.hi !== 0 || this.lo >>> 3 === 0) throw this.error('invalid field number', start);
    return this.lo >>> 0;
  }

  /** uint32 / enum semantics: a varint truncated to its low 32 bits, unsigned. */
  uint32(): number {
    const pos = this.pos;
    if (pos < this.end && this.buf[pos] < 0x80) {
      this.pos = pos + 1;
      return this.buf[pos];
    }
    this.varint64();
    return this.lo >>> 0;
  }

  /** int32 / enum semantics: a varint truncated to its low 32 bits, signed. */
  int32(): number {
    return this.uint32() | 0;
  }

  /** int64 varint, exact (two's complement for negatives). */
  int64(): bigint {
    const pos = this.pos;
    if (pos < this.end && this.buf[pos] < 0x80) {
      this.pos = pos + 1;
      return BigInt(this.buf[pos]);
    }
    this.varint64();
    const lo = this.lo >>> 0;
    const hi = this.hi | 0;
    // Fast path while the value is exact as a double (|v| <= 2^53).
    if (hi >= -0x200000 && hi < 0x200000) return BigInt(hi * 4294967296 + lo);
    return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo));
  }

  /** bool: any non-zero varint is true. */
  bool(): boolean {
    this.varint64();
    return (this.lo | this.hi) !== 0;
  }

  fixed32(): number {
    const pos = this.need(4);
    this.pos = pos + 4;
    return this.view.getUint32(pos, true);
  }

  /** fixed64 as an exact unsigned bigint (timestamps in ns exceed 2^53). */
  fixed64(): bigint {
    const pos = this.need(8);
    this.pos = pos + 8;
    return this.view.getBigUint64(pos, true);
  }

  double(): number {
    const pos = this.need(8);
    this.pos = pos + 8;
    return this.view.getFloat64(pos, true);
  }

  /** Reads a LEN prefix, checked against the bytes left, and returns it. */
  length(): number {
    const pos = this.pos;
    if (pos < this.end) {
      const b = this.buf[pos];
      if (b < 0x80 && b < this.end - pos) {
        this.pos = pos + 1;
        return b;
      }
    }
    return this.lengthSlow();
  }

  private lengthSlow(): number {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    if (pos >= end) throw this.error('truncated length', start);
    let b = buf[pos++];
    let value = b & 0x7f;
    // Multiplication, not shifts: a forged 10-byte length must not wrap to a small number.
    let mul = 128;
    while (b >= 0x80) {
      if (mul > 2 ** 63) throw this.error('varint longer than 10 bytes', start);
      if (pos >= end) throw this.error('truncated length', start);
      b = buf[pos++];
      value += (b & 0x7f) * mul;
      mul *= 128;
    }
    if (value > end - pos) {
      throw this.error(`length ${value} exceeds the ${end - pos} bytes left`, start);
    }
    this.pos = pos;
    return value;
  }

  /** Reads a LEN prefix and returns where that embedded message ends. */
  messageEnd(): number {
    const len = this.length();
    return this.pos + len;
  }

  /**
   * A UTF-8 string. Invalid UTF-8 is decoded leniently, each bad sequence becoming U+FFFD (the
   * WHATWG decoder, as Node's Buffer and TextDecoder do), rather than failing the request.
   */
  string(): string {
    return this.cachedText(values);
  }

  /**
   * An attribute key: like {@link ProtoReader.string}, from a cache of its own — keys repeat on
   * every record (measured: -40% decode time on decode.bench.ts), and values that never repeat
   * (IDs in URLs) must not evict them.
   */
  key(): string {
    return this.cachedText(keys);
  }

  /**
   * A string, served from `cache` when it is 4 to 64 bytes. Telemetry values repeat too
   * (methods, routes, hosts, span names): measured, decode 4.7–7.0 → 2.8–4.9 µs/span on the
   * bench spans (BENCH_PHASES=cpu, alternating runs). The value cache keeps up to 4096 recent values of at most 64 bytes, unredacted, in
   * memory only — as the redactor's own memory of recent values does.
   */
  private cachedText(cache: StringCache): string {
    const len = this.length();
    const start = this.pos;
    const stop = start + len;
    this.pos = stop;
    if (len === 0) return '';
    if (len < 4) return asciiString(this.buf, start, stop) ?? this.decodeUtf8(start, stop);
    if (len > MAX_CACHED_BYTES) return this.decodeUtf8(start, stop);
    return cache.get(this.buf, this.view, start, stop, this.decodeShort);
  }

  /**
   * Building a short string in JS beats the ~100 ns fixed cost of a native call (measured), up to
   * 12 characters: joined pieces of 13 or more make a V8 cons string, which every later reader (a
   * comparison, a hash, the redactor's scan, the row encoder) must first flatten into a copy.
   * Measured: the default processor chain costs ~1 µs/span less on flat strings.
   */
  private readonly decodeShort = (start: number, stop: number): string =>
    (stop - start <= MAX_JOINED_CHARS ? asciiString(this.buf, start, stop) : null) ?? this.decodeUtf8(start, stop);

  /** A bytes field, copied so the batch does not keep the request body alive. */
  bytes(): Uint8Array {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    return this.buf.slice(start, start + len);
  }

  /**
   * A trace or span ID of `size` bytes (8 or 16) as lowercase hex; `''` when empty or all zero.
   * Returns null when the length is neither 0 nor `size` ({@link ProtoReader.lastIdLength} then
   * holds it).
   */
  id(size: 8 | 16): string | null {
    const len = this.length();
    const start = this.pos;
    this.pos = start + len;
    if (len !== size) {
      if (len === 0) return '';
      this.lastIdLength = len;
      return null;
    }
    const buf = this.buf;
    const i = start;
    // All hex digits in one fromCharCode call, so the ID is one flat string (two joined halves of
    // a trace ID would be a cons string, flattened again by every reader); measured faster than
    // joining two-digit pieces or calling Buffer#toString('hex').
    const a = buf[i], b = buf[i + 1], c = buf[i + 2], d = buf[i + 3];
    const e = buf[i + 4], f = buf[i + 5], g = buf[i + 6], h = buf[i + 7];
    if (len === 8) {
      if ((a | b | c | d | e | f | g | h) === 0) return '';
      return fromCharCode(
        HEX_CODE[a >> 4], HEX_CODE[a & 15], HEX_CODE[b >> 4], HEX_CODE[b & 15],
        HEX_CODE[c >> 4], HEX_CODE[c & 15], HEX_CODE[d >> 4], HEX_CODE[d & 15],
        HEX_CODE[e >> 4], HEX_CODE[e & 15], HEX_CODE[f >> 4], HEX_CODE[f & 15],
        HEX_CODE[g >> 4], HEX_CODE[g & 15], HEX_CODE[h >> 4], HEX_CODE[h & 15],
      );
    }
    const j = buf[i + 8], k = buf[i + 9], l = buf[i + 10], m = buf[i + 11];
    const n = buf[i + 12], o = buf[i + 13], p = buf[i + 14], q = buf[i + 15];
    if ((a | b | c | d | e | f | g | h | j | k | l | m | n | o | p | q) === 0) return '';
    return fromCharCode(
      HEX_CODE[a >> 4], HEX_CODE[a & 15], HEX_CODE[b >> 4], HEX_CODE[b & 15],
      HEX_CODE[c >> 4], HEX_CODE[c & 15], HEX_CODE[d >> 4], HEX_CODE[d & 15],
      HEX_CODE[e >> 4], HEX_CODE[e & 15], HEX_CODE[f >> 4], HEX_CODE[f & 15],
      HEX_CODE[g >> 4], HEX_CODE[g & 15], HEX_CODE[h >> 4], HEX_CODE[h & 15],
      HEX_CODE[j >> 4], HEX_CODE[j & 15], HEX_CODE[k >> 4], HEX_CODE[k & 15],
      HEX_CODE[l >> 4], HEX_CODE[l & 15], HEX_CODE[m >> 4], HEX_CODE[m & 15],
      HEX_CODE[n >> 4], HEX_CODE[n & 15], HEX_CODE[o >> 4], HEX_CODE[o & 15],
      HEX_CODE[p >> 4], HEX_CODE[p & 15], HEX_CODE[q >> 4], HEX_CODE[q & 15],
    );
  }

  /** Skips the value of an unknown field (or a known field sent with an unexpected wire type). */
  skip(tag: number): void {
    switch (tag & 7) {
      case 0:
        this.varint64();
        return;
      case 1:
        this.pos = this.need(8) + 8;
        return;
      case 2: {
        const len = this.length();
        this.pos += len;
        return;
      }
      case 3:
        this.skipGroup(tag >>> 3);
        return;
      case 5:
        this.pos = this.need(4) + 4;
        return;
      case 4:
        throw this.error(`unexpected end-group tag for field ${tag >>> 3}`, this.pos);
      default:
        throw this.error(`invalid wire type ${tag & 7}`, this.pos);
    }
  }

  /** Throws unless the last field ended exactly at the enclosing message's end. */
  checkEnd(end: number): void {
    if (this.pos !== end) throw this.error('a field overruns its enclosing message', end);
  }

  /** Builds the error for a malformed payload, naming the byte offset. */
  error(what: string, offset: number = this.pos): OtlpDecodeError {
    return new OtlpDecodeError(`malformed protobuf at byte ${offset}: ${what}`);
  }

  /** Deprecated groups (SGROUP … EGROUP) are still legal on the wire; skip them iteratively. */
  private skipGroup(field: number): void {
    const open = [field];
    while (open.length > 0) {
      if (this.pos >= this.end) throw this.error(`unterminated group for field ${open[open.length - 1]}`);
      const tag = this.tag();
      const wireType = tag & 7;
      if (wireType === 4) {
        const expected = open.pop();
        if (tag >>> 3 !== expected) throw this.error(`end-group for field ${tag >>> 3} closes field ${expected}`);
      } else if (wireType === 3) {
        if (open.length >= MAX_NESTING_DEPTH) throw this.error(`groups nested deeper than ${MAX_NESTING_DEPTH}`);
        open.push(tag >>> 3);
      } else {
        this.skip(tag);
      }
    }
  }

  /** Returns the current position after checking that `n` bytes remain. */
  private need(n: number): number {
    const pos = this.pos;
    if (this.end - pos < n) throw this.error(`needs ${n} bytes, ${this.end - pos} left`, pos);
    return pos;
  }

  /** Decodes a varint of up to 10 bytes into the `lo`/`hi` registers (low and high 32 bits). */
  private varint64(): void {
    const buf = this.buf;
    const end = this.end;
    const start = this.pos;
    let pos = start;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let shift = 0; shift < 28; shift += 7) {
      if (pos >= end) throw this.error('truncated varint', start);
      b = buf[pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return this.setVarint(pos, lo, 0);
    }
    if (pos >= end) throw this.error('truncated varint', start);
    b = buf[pos++];
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) return this.setVarint(pos, lo, hi);
    for (let shift = 3; shift < 38; shift += 7) {
      if (pos >= end) throw this.error('truncated varint', start);
      b = buf[pos++];
      hi |= (b & 0x7f) << shift;
      if (b < 0x80) return this.setVarint(pos, lo, hi);
    }
    throw this.error('varint longer than 10 bytes', start);
  }

  private setVarint(pos: number, lo: number, hi: number): void {
    this.pos = pos;
    this.lo = lo;
    this.hi = hi;
  }
}
