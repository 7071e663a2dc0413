import { describe, expect, it } from 'vitest';

import { ByteWriter } from './writer.ts';

const bytes = (write: (w: ByteWriter) => void, capacity?: number): string => {
  const w = new ByteWriter(capacity);
  write(w);
  return Buffer.from(w.view()).toString('hex');
};

describe('the Native byte writer', () => {
  it.each([
    [0, '00'],
    [1, '01'],
    [127, '7f'],
    [128, '8001'],
    [300, 'ac02'],
    [16_383, 'ff7f'],
    [16_384, '808001'],
    [2 ** 32, '8080808010'],
  ])('writes %d as the LEB128 varint %s', (n, hex) => {
    expect(bytes((w) => w.varint(n))).toBe(hex);
  });

  it('writes UInt8, UInt32, UInt64 and Int64 little-endian', () => {
    expect(bytes((w) => w.u8(0xfe))).toBe('fe');
    expect(bytes((w) => w.u32(500))).toBe('f4010000');
    expect(bytes((w) => w.u32(0xffffffff))).toBe('ffffffff');
    expect(bytes((w) => w.u64(0x0102030405))).toBe('0504030201000000');
    expect(bytes((w) => w.u64(Number.MAX_SAFE_INTEGER))).toBe('ffffffffffff1f00');
    expect(bytes((w) => w.u64n(0xffffffffffffffffn))).toBe('ffffffffffffffff');
    expect(bytes((w) => w.i64(0x7fffffffffffffffn))).toBe('ffffffffffffff7f');
    expect(bytes((w) => w.i64(1_000_000_000n))).toBe('00ca9a3b00000000');
  });

  it.each([
    ['an empty string', '', '00'],
    ['ASCII', 'ab', '026162'],
    ['a NUL byte', 'a\u0000b', '03610062'],
    ['two-byte UTF-8', 'é', '02c3a9'],
    ['a 4-byte emoji', '😀', '04f09f9880'],
    ['U+FFFD', '\ufffd', '03efbfbd'],
    ['a lone high surrogate as U+FFFD', 'a\ud800', '0461efbfbd'],
    ['a lone low surrogate as U+FFFD', '\udc00b', '04efbfbd62'],
    ['surrogates in the wrong order as two U+FFFD', '\udc00\ud800', '06efbfbdefbfbd'],
  ])('writes %s as a length-prefixed UTF-8 String', (_, s, hex) => {
    expect(bytes((w) => w.string(s))).toBe(hex);
  });

  it('writes long strings with a length prefix of as many bytes as their UTF-8 length needs', () => {
    const ascii127 = 'a'.repeat(127);
    expect(bytes((w) => w.string(ascii127))).toBe('7f' + '61'.repeat(127));
    expect(bytes((w) => w.string('a'.repeat(128)))).toBe('8001' + '61'.repeat(128));
    // 100 UTF-16 units, 200 UTF-8 bytes: the prefix grows from the one byte reserved to two.
    expect(bytes((w) => w.string('é'.repeat(100)))).toBe('c801' + 'c3a9'.repeat(100));
    // 42 units of 3 bytes (126 bytes): the longest the short-string path takes; 43 (129 bytes) goes past it.
    expect(bytes((w) => w.string('€'.repeat(42)))).toBe('7e' + 'e282ac'.repeat(42));
    expect(bytes((w) => w.string('€'.repeat(43)))).toBe('8101' + 'e282ac'.repeat(43));
    const mib = 'x'.repeat(2 ** 20);
    expect(bytes((w) => w.string(mib)).slice(0, 8)).toBe('80804078');
  });

  it('keeps what it wrote when it grows, whichever write makes it grow', () => {
    const w = new ByteWriter(64);
    const expected: string[] = [];
    for (let i = 0; i < 500; i++) {
      w.string(`s${i}`);
      w.u64(i);
      w.u32(i);
      w.raw(Uint8Array.of(i & 0xff));
      w.string('é'.repeat(i % 50));
      expected.push(Buffer.from(`s${i}`).length.toString(16).padStart(2, '0') + Buffer.from(`s${i}`).toString('hex'));
      expected.push(Buffer.from([i & 0xff, i >> 8, 0, 0, 0, 0, 0, 0]).toString('hex'));
      expected.push(Buffer.from([i & 0xff, i >> 8, 0, 0]).toString('hex'));
      expected.push((i & 0xff).toString(16).padStart(2, '0'));
      expected.push(((i % 50) * 2).toString(16).padStart(2, '0') + 'c3a9'.repeat(i % 50));
    }
    expect(Buffer.from(w.view()).toString('hex')).toBe(expected.join(''));
  });
});
