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
/** Longest string kept in the cache; {@link cachedString} takes 4 to this many bytes. */
export const MAX_CACHED_BYTES = 64;
/** Direct-mapped cache of recently decoded short strings: the string, its UTF-8 bytes, length. */
const cachedStrings: string[] = new Array<string>(CACHE_SLOTS).fill('');
const cachedBytes = new Uint8Array(CACHE_SLOTS * MAX_CACHED_BYTES);
const cachedView = new DataView(cachedBytes.buffer);
const cachedLengths = new Int32Array(CACHE_SLOTS).fill(-1);

/**
 * Returns the string in `buf[start, stop)` (4 to {@link MAX_CACHED_BYTES} bytes; `view` covers
 * the same bytes as `buf`) from the cache when identical bytes were decoded before, comparing
 * four bytes at a time; otherwise decodes it with `decode` and caches it. Attribute keys repeat
 * on every record, so this saves decoding and an allocation per key and hands `Map#set` a string
 * whose hash V8 has already computed. The cache is module-wide and bounded (4096 slots × 64
 * bytes); it holds decoded strings, never request buffers.
 */
export function cachedString(
  buf: Uint8Array,
  view: DataView,
  start: number,
  stop: number,
  decode: (start: number, stop: number) => string,
): string {
  const len = stop - start;
  // Hash the length and the first and last four bytes only; the compare below verifies.
  const h =
    Math.imul(len, 0x9e3779b1) ^
    Math.imul(view.getUint32(start, true), 0x85ebca6b) ^
    Math.imul(view.getUint32(stop - 4, true), 0xc2b2ae35);
  const slot = (h ^ (h >>> 15)) & (CACHE_SLOTS - 1);
  const base = slot * MAX_CACHED_BYTES;
  if (cachedLengths[slot] === len) {
    const last = len - 4;
    let i = 0;
    while (i < last && cachedView.getUint32(base + i, true) === view.getUint32(start + i, true)) i += 4;
    if (i >= last && cachedView.getUint32(base + last, true) === view.getUint32(start + last, true)) {
      return cachedStrings[slot];
    }
  }
  const s = decode(start, stop);
  cachedStrings[slot] = s;
  cachedLengths[slot] = len;
  for (let i = 0; i < len; i++) cachedBytes[base + i] = buf[start + i];
  return s;
}
