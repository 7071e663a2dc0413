import { describe, expect, it } from 'vitest';
import { CleanSet, Recent, RedactedMemo } from './memo.ts';

const ofLength = (n: number, c = 'a') => c.repeat(n);

describe('the memories of scanned strings', () => {
  it('Recent knows the two strings remembered last, and only those', () => {
    const recent = new Recent();
    expect(recent.has('GET /users')).toBe(false);
    recent.remember('GET /users');
    expect(recent.has('GET /users')).toBe(true);
    recent.remember('POST /orders');
    expect(recent.has('GET /users')).toBe(true);
    expect(recent.has('POST /orders')).toBe(true);
    expect(recent.has('GET /health')).toBe(false);
    recent.remember('GET /health');
    expect(recent.has('GET /users')).toBe(false);
    expect(recent.has('POST /orders')).toBe(true);
    expect(recent.has('GET /health')).toBe(true);
  });

  it('Recent keeps strings up to 512 characters', () => {
    const recent = new Recent();
    recent.remember(ofLength(512));
    expect(recent.has(ofLength(512))).toBe(true);
    recent.remember(ofLength(513));
    expect(recent.has(ofLength(513))).toBe(false);
    expect(recent.has(ofLength(512))).toBe(true); // the long one did not push it out
  });

  it('CleanSet keeps strings of 32 to 512 characters', () => {
    const clean = new CleanSet();
    for (const n of [31, 32, 200, 512, 513]) clean.remember(ofLength(n));
    expect(clean.has(ofLength(31))).toBe(false);
    expect(clean.has(ofLength(32))).toBe(true);
    expect(clean.has(ofLength(200))).toBe(true);
    expect(clean.has(ofLength(512))).toBe(true);
    expect(clean.has(ofLength(513))).toBe(false);
    expect(clean.has(ofLength(33))).toBe(false); // never remembered
  });

  it('CleanSet holds 4096 strings and starts over with the 4097th', () => {
    const clean = new CleanSet();
    const key = (i: number) => `user-agent/${String(i).padStart(30, '0')}`;
    for (let i = 0; i < 4096; i++) clean.remember(key(i));
    expect(clean.has(key(0))).toBe(true);
    expect(clean.has(key(4095))).toBe(true);
    clean.remember(key(4096));
    expect(clean.has(key(0))).toBe(false);
    expect(clean.has(key(4095))).toBe(false);
    expect(clean.has(key(4096))).toBe(true);
  });

  it('RedactedMemo returns each string’s own redaction, for strings up to 512 characters', () => {
    const memo = new RedactedMemo<string>();
    memo.remember('mail a@b.co', 'mail [email]', [3]);
    memo.remember('ip 10.0.0.1', 'ip [ip]', [5]);
    memo.remember(ofLength(512, 'x'), '[x]', [1, 2]);
    memo.remember(ofLength(513, 'x'), '[y]', [1]);
    expect(memo.get('mail a@b.co')).toEqual({ out: 'mail [email]', rules: [3] });
    expect(memo.get('ip 10.0.0.1')).toEqual({ out: 'ip [ip]', rules: [5] });
    expect(memo.get(ofLength(512, 'x'))).toEqual({ out: '[x]', rules: [1, 2] });
    expect(memo.get(ofLength(513, 'x'))).toBeUndefined();
    expect(memo.get('mail c@d.co')).toBeUndefined();
  });

  it('RedactedMemo holds 4096 strings and starts over with the 4097th', () => {
    const memo = new RedactedMemo<string>();
    for (let i = 0; i < 4096; i++) memo.remember(`ip 10.0.${i >> 8}.${i & 255}`, 'ip [ip]', [i]);
    expect(memo.get('ip 10.0.0.0')).toEqual({ out: 'ip [ip]', rules: [0] });
    expect(memo.get('ip 10.0.15.255')).toEqual({ out: 'ip [ip]', rules: [4095] });
    memo.remember('ip 10.0.16.0', 'ip [ip]', [4096]);
    expect(memo.get('ip 10.0.0.0')).toBeUndefined();
    expect(memo.get('ip 10.0.15.255')).toBeUndefined();
    expect(memo.get('ip 10.0.16.0')).toEqual({ out: 'ip [ip]', rules: [4096] });
  });
});
