const fromCharCode = String.fromCharCode;

/**
 * Longest string worth building with {@link asciiString}: V8 copies joined pieces shorter than 13
 * characters into one flat string, but links longer results as a cons string, which has to be
 * flattened (copied) again by each reader that compares, hashes or scans it.
 */
export const MAX_JOINED_CHARS = 12;

/**
 * Decodes `buf[start, stop)` as a string if every byte is ASCII, else returns null (the caller
 * then uses the native UTF-8 decoder). For tiny strings this beats the ~80–100 ns fixed cost of a
 * native call (measured); eight bytes per `fromCharCode` keeps the number of string pieces low.
 */
export function asciiString(buf: Uint8Array, start: number, stop: number): string | null {
  let out = '';
  let i = start;
  for (; i + 8 <= stop; i += 8) {
    const a = buf[i], b = buf[i + 1], c = buf[i + 2], d = buf[i + 3];
    const e = buf[i + 4], f = buf[i + 5], g = buf[i + 6], h = buf[i + 7];
    if ((a | b | c | d | e | f | g | h) > 0x7f) return null;
    out += fromCharCode(a, b, c, d, e, f, g, h);
  }
  for (; i < stop; i++) {
    const a = buf[i];
    if (a > 0x7f) return null;
    out += fromCharCode(a);
  }
  return out;
}

const CACHE_SLOTS = 4096;
/** Longest string kept in a {@link StringCache}; it takes 4 to this many bytes. */
export const MAX_CACHED_BYTES = 64;

/**
 * A direct-mapped cache of recently decoded short strings (4 to {@link MAX_CACHED_BYTES} UTF-8
 * bytes): the string, its bytes and length per slot. A string decoded again is found by its
 * bytes, compared four at a time, and handed out as the identical object: no decoding, no
 * allocation, and a string whose hash V8 has already computed and which later readers compare by
 * pointer. Bounded (4096 slots × 64 bytes); it holds decoded strings, never request buffers.
 */
export class StringCache {
  private readonly strings: string[] = new Array<string>(CACHE_SLOTS).fill('');
  private readonly bytes = new Uint8Array(CACHE_SLOTS * MAX_CACHED_BYTES);
  private readonly view = new DataView(this.bytes.buffer);
  private readonly lengths = new Int32Array(CACHE_SLOTS).fill(-1);

  /**
   * The string in `buf[start, stop)` (`view` covers the same bytes as `buf`), from the cache when
   * identical bytes were decoded before; otherwise decoded with `decode` and cached.
   */
  get(buf: Uint8Array, view: DataView, start: number, stop: number, decode: (start: number, stop: number) => string): string {
    const len = stop - start;
    // Hash the length and the first and last four bytes only; the compare below verifies.
    const h =
      Math.imul(len, 0x9e3779b1) ^
      Math.imul(view.getUint32(start, true), 0x85ebca6b) ^
      Math.imul(view.getUint32(stop - 4, true), 0xc2b2ae35);
    const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
    const base = slot * MAX_CACHED_BYTES;
    if (this.lengths[slot] === len) {
      const cached = this.view;
      const last = len - 4;
      let i = 0;
      while (i < last && cached.getUint32(base + i, true) === view.getUint32(start + i, true)) i += 4;
      if (i >= last && cached.getUint32(base + last, true) === view.getUint32(start + last, true)) {
        return this.strings[slot];
      }
    }
    const s = decode(start, stop);
    this.strings[slot] = s;
    this.lengths[slot] = len;
    for (let i = 0; i < len; i++) this.bytes[base + i] = buf[start + i];
    return s;
  }
}
