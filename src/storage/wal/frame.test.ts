import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { frameHeader, scanFrames } from './frame.ts';

const frame = (text: string) => {
  const payload = Buffer.from(text);
  return Buffer.concat([frameHeader(payload), payload]);
};

describe('frames', () => {
  it('writes the payload length and its CRC-32 little-endian in front of the payload', () => {
    const bytes = frame('abc');
    expect(bytes.readUInt32LE(0)).toBe(3);
    // CRC-32 (IEEE) of "abc" is 0x352441c2.
    expect(bytes.readUInt32LE(4)).toBe(0x352441c2);
    expect(crc32(Buffer.from('abc'))).toBe(0x352441c2);
    expect(bytes.subarray(8).toString()).toBe('abc');
  });

  it('reads back every whole frame of a file in order', () => {
    const file = Buffer.concat([frame('one'), frame('two'), frame('three')]);
    const scanned = scanFrames(file, 1 << 20);
    expect(scanned.payloads.map(String)).toEqual(['one', 'two', 'three']);
    expect(scanned.validBytes).toBe(file.length);
    expect(scanned.cut).toBeUndefined();
  });

  it.each([
    ['a header cut short', (good: Buffer) => Buffer.concat([good, frame('next').subarray(0, 5)]), 'torn', 5],
    ['a header cut after one byte', (good: Buffer) => Buffer.concat([good, frame('next').subarray(0, 1)]), 'torn', 1],
    ['a header cut after three bytes', (good: Buffer) => Buffer.concat([good, frame('next').subarray(0, 3)]), 'torn', 3],
    ['a payload cut short', (good: Buffer) => Buffer.concat([good, frame('next').subarray(0, 10)]), 'torn', 10],
    ['a flipped bit in the last payload', (good: Buffer) => { const bad = frame('next'); bad[9] ^= 0x04; return Buffer.concat([good, bad]); }, 'checksum', 12],
    ['a flipped bit in the last checksum', (good: Buffer) => { const bad = frame('next'); bad[5] ^= 0x80; return Buffer.concat([good, bad]); }, 'checksum', 12],
    ['a zero-filled tail', (good: Buffer) => Buffer.concat([good, Buffer.alloc(4096)]), 'checksum', 4096],
    ['a zero-filled tail as long as a header', (good: Buffer) => Buffer.concat([good, Buffer.alloc(8)]), 'checksum', 8],
    ['a length larger than any frame', (good: Buffer) => { const bad = frame('next'); bad.writeUInt32LE(0x7fffffff, 0); return Buffer.concat([good, bad]); }, 'checksum', 12],
  ] as const)('cuts %s at the last whole frame and says how many bytes and why', (_name, spoil, reason, cutBytes) => {
    const good = Buffer.concat([frame('one'), frame('two')]);
    const scanned = scanFrames(spoil(good), 1 << 20);
    expect(scanned.payloads.map(String)).toEqual(['one', 'two']);
    expect(scanned.validBytes).toBe(good.length);
    expect(scanned.cut).toEqual({ bytes: cutBytes, reason });
  });

  it('reads a frame whose payload is exactly the largest allowed (every batch-ledger key is)', () => {
    const file = Buffer.concat([frame('0123456789abcdef'), frame('fedcba9876543210')]);
    const scanned = scanFrames(file, 16);
    expect(scanned.payloads.map(String)).toEqual(['0123456789abcdef', 'fedcba9876543210']);
    expect(scanned.cut).toBeUndefined();
    expect(scanFrames(file, 15).cut).toEqual({ bytes: file.length, reason: 'checksum' });
  });

  it('skips the checksum when told the frames were verified already, but still cuts a torn tail', () => {
    const flipped = frame('two');
    flipped[8] ^= 0xff;
    const file = Buffer.concat([frame('one'), flipped, frame('three').subarray(0, 9)]);
    const scanned = scanFrames(file, 1 << 20, false);
    expect(scanned.payloads).toHaveLength(2);
    expect(scanned.cut).toEqual({ bytes: 9, reason: 'torn' });
    expect(scanFrames(file, 1 << 20).payloads.map(String)).toEqual(['one']);
  });

  it('keeps nothing after a bad frame in the middle, even whole frames', () => {
    const bad = frame('two');
    bad[8] ^= 0xff;
    const scanned = scanFrames(Buffer.concat([frame('one'), bad, frame('three')]), 1 << 20);
    expect(scanned.payloads.map(String)).toEqual(['one']);
    expect(scanned.cut?.reason).toBe('checksum');
  });
});
