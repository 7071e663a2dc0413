import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from '../errors.ts';
import { concat, fixed32, fixed64, I64, str, tag, varint, vint } from '../fixtures/proto-writer.ts';
import { ProtoReader } from './reader.ts';

const reader = (...parts: Uint8Array[]): ProtoReader => new ProtoReader(concat(...parts));

describe('ProtoReader', () => {
  it.each([
    [0n, 0n],
    [1n, 1n],
    [127n, 127n],
    [128n, 128n],
    [300n, 300n],
    [2n ** 32n - 1n, 2n ** 32n - 1n],
    [2n ** 32n, 2n ** 32n],
    [2n ** 53n + 1n, 2n ** 53n + 1n],
    [2n ** 63n - 1n, 2n ** 63n - 1n],
    [-1n, -1n],
    [-(2n ** 31n), -(2n ** 31n)],
    [-(2n ** 53n) - 3n, -(2n ** 53n) - 3n],
    [-(2n ** 63n), -(2n ** 63n)],
  ])('reads the int64 varint %s exactly', (value, expected) => {
    expect(reader(varint(value)).int64()).toBe(expected);
  });

  it('truncates uint32 and int32 varints to their low 32 bits, as protobuf does', () => {
    expect(reader(varint(2n ** 32n + 5n)).uint32()).toBe(5);
    expect(reader(varint(-2)).int32()).toBe(-2);
    expect(reader(varint(-2)).uint32()).toBe(2 ** 32 - 2);
  });

  it('reads fixed64 as an exact unsigned bigint and fixed32 as an unsigned number', () => {
    const r = reader(fixed64(1, 1544712660000000001n).subarray(1), fixed64(1, 2n ** 64n - 1n).subarray(1), fixed32(1, 0xffffffff).subarray(1));
    expect(r.fixed64()).toBe(1544712660000000001n);
    expect(r.fixed64()).toBe(2n ** 64n - 1n);
    expect(r.fixed32()).toBe(0xffffffff);
  });

  it('reads a bool as true for any non-zero varint, including one with only high bits set', () => {
    expect(reader(varint(0)).bool()).toBe(false);
    expect(reader(varint(2n ** 40n)).bool()).toBe(true);
  });

  it.each([
    ['empty', ''],
    ['tiny ASCII', 'ab'],
    ['short ASCII', 'http.method'],
    ['ASCII of exactly 64 bytes', 'x'.repeat(64)],
    ['long ASCII', 'x'.repeat(300)],
    ['short non-ASCII', 'héllo'],
    ['tiny non-ASCII', 'é'],
    ['long non-ASCII with astral characters', 'żółw 🚀 '.repeat(20)],
  ])('reads a %s string, and as a key (the second time from the cache)', (_label, s) => {
    expect(reader(str(1, s).subarray(1)).string()).toBe(s);
    expect(reader(str(1, s).subarray(1)).key()).toBe(s);
    expect(reader(str(1, s).subarray(1)).key()).toBe(s);
  });

  it('returns the identical string object for a repeated key', () => {
    const a = reader(str(1, 'http.response.status_code').subarray(1)).key();
    const b = reader(str(1, 'http.response.status_code').subarray(1)).key();
    expect(b).toBe(a);
  });

  it.each(['key', 'string'] as const)('never confuses %ss that share their length, first and last four bytes', (method) => {
    const inputs = ['abcd-one-wxyz', 'abcd-two-wxyz', 'abcd-one-wxyz', 'abcd-0ne-wxyz', 'abcdone-wxyz', 'abcd', 'abcd-é-wxyz', 'abcd-è-wxyz'];
    expect(inputs.map((s) => reader(str(1, s).subarray(1))[method]())).toEqual(inputs);
    const long = (c: string) => `abcd${c.repeat(56)}wxyz`; // 64 bytes, the longest cached
    expect([long('a'), long('b'), long('a')].map((s) => reader(str(1, s).subarray(1))[method]())).toEqual([long('a'), long('b'), long('a')]);
  });

  it('reads the same bytes as a value and as a key, in turn, correctly', () => {
    // The same bytes read as a key and as a value, in both orders, with unrelated reads between.
    const words = ['GET', 'POST', 'orders-primary', 'pg-orders-primary.internal', 'user-42', 'user-43', '10.0.12.84'];
    const seen = words.flatMap((w) => [reader(str(1, w).subarray(1)).string(), reader(str(1, w).subarray(1)).key(), reader(str(1, w).subarray(1)).string()]);
    expect(seen).toEqual(words.flatMap((w) => [w, w, w]));
  });

  it.each(['string', 'key'] as const)('decodes invalid UTF-8 leniently in a %s, each bad sequence becoming U+FFFD', (method) => {
    const bad = Uint8Array.from([0x61, 0xff, 0x62, 0xc3]);
    expect(reader(varint(bad.length), bad)[method]()).toBe('a\uFFFDb\uFFFD');
    expect(reader(varint(bad.length), bad)[method]()).toBe('a\uFFFDb\uFFFD');
    expect(reader(varint(2), Uint8Array.from([0xe9, 0x61]))[method]()).toBe('\uFFFDa');
    expect(reader(varint(70), new Uint8Array(70).fill(0xff))[method]()).toBe('\uFFFD'.repeat(70));
  });

  it('copies bytes fields instead of aliasing the request buffer', () => {
    const body = concat(varint(3), Uint8Array.from([1, 2, 3]));
    const bytes = new ProtoReader(body).bytes();
    body[1] = 99;
    expect(bytes).toEqual(Uint8Array.from([1, 2, 3]));
    expect(bytes.constructor).toBe(Uint8Array);
  });

  it.each([
    ['empty', '', ''],
    ['all zero', '00000000000000000000000000000000', ''],
    ['valid', 'A1B2C3D4E5F60718293A4B5C6D7E8F90', 'a1b2c3d4e5f60718293a4b5c6d7e8f90'],
  ])('reads a 16-byte %s ID as lowercase hex', (_label, hex, expected) => {
    const raw = Buffer.from(hex, 'hex');
    expect(reader(varint(raw.length), raw).id(16)).toBe(expected);
  });

  it('returns null for an ID of the wrong length and remembers the length', () => {
    const r = reader(varint(5), Uint8Array.from([1, 2, 3, 4, 5]), varint(1));
    expect(r.id(16)).toBeNull();
    expect(r.lastIdLength).toBe(5);
    expect(r.uint32()).toBe(1);
  });

  it('skips unknown fields of every wire type, including nested groups', () => {
    const group = concat(tag(7, 3), vint(1, 5), tag(8, 3), str(2, 'x'), tag(8, 4), tag(7, 4));
    const r = reader(vint(1, 300), fixed64(2, 1n), str(3, 'abc'), fixed32(4, 9), group, vint(9, 42));
    for (let i = 0; i < 5; i++) r.skip(r.tag());
    expect(r.tag()).toBe(9 << 3);
    expect(r.uint32()).toBe(42);
  });

  it.each([
    ['a truncated varint', concat(Uint8Array.from([0x80, 0x80]))],
    ['a varint longer than 10 bytes', Uint8Array.from(new Array(11).fill(0xff).concat([0x01]))],
    ['a length past the end', concat(tag(1, 2), varint(10), Uint8Array.from([1, 2]))],
    ['a forged 10-byte length', concat(tag(1, 2), varint(2n ** 63n + 3n), Uint8Array.from([1, 2, 3]))],
    ['a truncated fixed64', concat(tag(1, I64), Uint8Array.from([1, 2, 3]))],
    ['wire type 6', concat(tag(1, 6))],
    ['wire type 7', concat(tag(1, 7))],
    ['a stray end-group', concat(tag(1, 4))],
    ['an unterminated group', concat(tag(1, 3), vint(2, 1))],
    ['a mismatched end-group', concat(tag(1, 3), tag(2, 4))],
    ['groups nested too deep', concat(...new Array(100).fill(tag(1, 3)), ...new Array(100).fill(tag(1, 4)))],
  ])('throws OtlpDecodeError for %s', (_label, bytes) => {
    const r = new ProtoReader(bytes);
    expect(() => r.skip(r.tag())).toThrow(OtlpDecodeError);
  });

  it('rejects field number 0', () => {
    expect(() => reader(Uint8Array.from([0x00])).tag()).toThrow(/invalid field number/);
    expect(() => reader(varint(2n ** 35n)).tag()).toThrow(/invalid field number/);
  });

  it('detects a field that runs over the end of its enclosing message', () => {
    // A message claiming 2 bytes whose only field is a 3-byte string.
    const r = reader(varint(2), str(1, 'ab'));
    const end = r.messageEnd();
    r.skip(r.tag());
    expect(() => r.checkEnd(end)).toThrow(/overruns its enclosing message/);
  });

  it('reads at an offset inside a larger ArrayBuffer', () => {
    const backing = concat(Uint8Array.from([0xff, 0xff]), fixed64(1, 7n).subarray(1));
    expect(new ProtoReader(backing.subarray(2)).fixed64()).toBe(7n);
  });
});
