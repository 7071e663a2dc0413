import { describe, expect, it } from 'vitest';
import { Findings } from './detector.ts';
import { KeyClassifier } from './keys.ts';
import { pairDetector } from './pairs.ts';

/** The values the pair detector finds in `s`, in order (overlapping findings included). */
function found(s: string, denyKeys: string[] = [], defaultDenyKeys = true): string[] {
  const out = new Findings();
  pairDetector(new KeyClassifier({ allowKeys: [], denyKeys, defaultDenyKeys })).find(s, out, 0);
  return Array.from({ length: out.length }, (_, i) => s.slice(out.starts[i], out.ends[i]));
}

/** Only the key that the regex matches as a whole is denied. */
const exactly = (s: string, pattern: string) => found(s, [`/^${pattern}$/`], false);

describe('the name before a separator', () => {
  it.each([
    ['AZ=1', 'AZ'],
    ['pw0=1', 'pw0'],
    ['pw2=1', 'pw2'],
    ['pw9=1', 'pw9'],
    ['db.pw=1', 'db\\.pw'],
    ['user[pw]=1', 'user\\[pw\\]'],
    ['zpw=1', 'zpw'],
    ['Zpw=1', 'Zpw'],
    ['_pw=1', '_pw'],
  ])('reads letters, digits, `_`, `.`, `-`, `[` and `]`: %s', (text, pattern) => {
    expect(exactly(text, pattern)).toEqual(['1']);
  });

  it('stops at any other character', () => {
    expect(exactly('x~pw=1', 'pw')).toEqual(['1']);
    expect(exactly('x~pw=1', 'x~pw')).toEqual([]);
  });

  it('starts at a letter or `_`', () => {
    expect(exactly('1pw=1', 'pw')).toEqual(['1']);
    expect(exactly('[pw]=1', 'pw\\]')).toEqual(['1']);
  });

  it('is never empty, whatever the deny patterns match', () => {
    for (const text of ['=abc', ':abc', '123=abc', '-.=abc']) expect(found(text, ['/.*/'], false)).toEqual([]);
    expect(found('k=abc', ['/.*/'], false)).toEqual(['abc']);
  });

  it('may follow a separator at the very start of the string', () => {
    expect(found('=1 password=abc')).toEqual(['abc']);
    expect(found(':1 password:abc')).toEqual(['abc']);
    expect(found('=1 password=a:b token:xyz')).toEqual(['a:b', 'xyz']);
  });
});

describe('the value', () => {
  it.each([',', '"', "'", ')', ']', '<', '>', '\\', ';', '&', '}', ' '])('ends at %s', (end) => {
    expect(found(`password=abc${end}z`)).toEqual(['abc']);
  });

  it('is one finding: a pair inside a value is not another', () => {
    expect(found('password=user:token=abc')).toEqual(['user:token=abc']);
  });

  it('takes the credentials after an HTTP auth scheme, and only after a space', () => {
    expect(found('Authorization: Basic dXNlcjpwdw==')).toEqual(['Basic dXNlcjpwdw==']);
    expect(found('?password=token&page=2')).toEqual(['token']);
    expect(found('authorization: Basic ')).toEqual(['Basic']);
  });

  it('reads quoted and escaped-quoted values to their closing quote', () => {
    expect(found('pw="a\\"b" x', ['pw'])).toEqual(['a\\"b']);
    expect(found('{\\"password\\":\\"a\\nb\\"}')).toEqual(['a\\nb']);
    expect(found("{\\'password\\':\\'abc\\'}")).toEqual(['abc']);
    expect(found('password=a"b c')).toEqual(['a']);
    expect(found('password=\\x y')).toEqual([]);
  });

  it('is not counted again when an earlier pass redacted it', () => {
    for (const value of ['****', 'null', 'undefined', '[redacted]', 'hmac:0123']) expect(found(`password=${value}`)).toEqual([]);
  });
});
