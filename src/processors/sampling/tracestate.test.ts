import { describe, expect, it } from 'vitest';
import { readOt, withThreshold } from './tracestate.ts';

describe('reading the ot member of a tracestate', () => {
  it.each([
    ['', undefined],
    ['vendor=abc', undefined],
    ['ot=th:c', { th: 'c', rv: undefined }],
    ['ot=th:0;rv:9b8233f7e3a151', { th: '0', rv: '9b8233f7e3a151' }],
    ['a=1, ot=rv:9b8233f7e3a151;th:8 ,b=2', { th: '8', rv: '9b8233f7e3a151' }],
    ['ot=p:8;r:62', { th: undefined, rv: undefined }],
    ['ot=th:XYZ;rv:short', { th: undefined, rv: undefined }],
    ['xot=th:c', undefined],
    ['rojo=1,ot=th:c ', { th: 'c', rv: undefined }],
    ['ot=th:c;rv:9b8233f7e3a151,rv:1', { th: 'c', rv: '9b8233f7e3a151' }],
    // A ';' in a later member's value (W3C allows it) does not extend the ot member.
    ['ot=th:c,vendor=a;b', { th: 'c', rv: undefined }],
    // Leading whitespace, and a tab as optional whitespace around a member.
    [' ot=th:c', { th: 'c', rv: undefined }],
    ['a=1,\tot=th:c', { th: 'c', rv: undefined }],
    ['ot=th:c\t,rojo=1', { th: 'c', rv: undefined }],
    // Only the sub-keys th and rv, each followed by ':'.
    ['ot=tx:c;rx:9b8233f7e3a151', { th: undefined, rv: undefined }],
    ['ot=th8c;rvx9b8233f7e3a151', { th: undefined, rv: undefined }],
    // th: 1-14 lowercase hex digits; rv: exactly 14.
    ['ot=th:;rv:abc', { th: undefined, rv: undefined }],
    ['ot=th:fd70a3d70a3d71', { th: 'fd70a3d70a3d71', rv: undefined }],
    ['ot=th:123456789abcdef', { th: undefined, rv: undefined }],
    ['ot=th:-8', { th: undefined, rv: undefined }],
    ['ot=th:fg', { th: undefined, rv: undefined }],
  ])('reads %j as %j', (traceState, expected) => {
    const out = { th: 'stale', rv: 'stale' };
    expect(readOt(traceState, out)).toBe(expected !== undefined);
    if (expected) expect(out).toEqual(expected);
  });
});

describe('recording a threshold in a tracestate', () => {
  it.each([
    ['', 'c', 'ot=th:c'],
    ['ot=th:8', 'c', 'ot=th:c'],
    ['ot=rv:9b8233f7e3a151', 'c', 'ot=th:c;rv:9b8233f7e3a151'],
    ['ot=th:0;rv:9b8233f7e3a151', '8', 'ot=th:8;rv:9b8233f7e3a151'],
    ['ot=foo:bar;th:8', 'c', 'ot=th:c;foo:bar'],
    ['congo=t61rcWkgMzE,rojo=00f067aa0ba902b7', 'e666', 'ot=th:e666,congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'],
    ['rojo=1, ot=th:8 , congo=2', 'c', 'ot=th:c,rojo=1,congo=2'],
    ['ot=th:8', undefined, ''],
    ['ot=th:8;rv:9b8233f7e3a151,a=1', undefined, 'ot=rv:9b8233f7e3a151,a=1'],
    ['ot=rv:9b8233f7e3a151;', 'c', 'ot=th:c;rv:9b8233f7e3a151'],
    ['ot=th:8;', undefined, ''],
  ])('turns %j with th %j into %j, keeping other keys and moving ot first', (traceState, th, expected) => {
    expect(withThreshold(traceState, th)).toBe(expected);
  });

  it('keeps at most 32 members, dropping the rightmost', () => {
    const full = Array.from({ length: 32 }, (_, i) => `k${i}=v`).join(',');
    const out = withThreshold(full, 'c').split(',');
    expect(out).toHaveLength(32);
    expect(out[0]).toBe('ot=th:c');
    expect(out.at(-1)).toBe('k30=v');
  });
});
