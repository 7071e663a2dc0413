import { describe, expect, it } from 'vitest';
import { Findings, type Detector } from './detector.ts';
import { awsSecretKey, gitlabToken, googleApiKey } from './providers.ts';

/** The texts a detector finds in `s`, in order (overlapping findings included). */
function found(detector: Detector, s: string): string[] {
  const out = new Findings();
  detector.find(s, out, 0);
  return Array.from({ length: out.length }, (_, i) => s.slice(out.starts[i], out.ends[i]));
}

/** The example key pair of the AWS documentation. */
const ID = 'AKIAIOSFODNN7EXAMPLE';
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

describe('aws_secret_key', () => {
  it('finds the secret before or after its key id', () => {
    expect(found(awsSecretKey, `${ID} ${SECRET}`)).toEqual([SECRET]);
    expect(found(awsSecretKey, `${SECRET} ${ID}`)).toEqual([SECRET]);
  });

  it.each(['0', '9', 'A', 'Z', 'a', 'z', '+', '/'])('is not 40 characters cut out of a longer base64 run (after %s)', (before) => {
    expect(found(awsSecretKey, `${ID} ${before}${SECRET}`)).toEqual([]);
  });

  it.each(['0', 'Z', 'z', '+', '/', '='])('is not 40 characters cut out of a longer base64 run (before %s)', (after) => {
    expect(found(awsSecretKey, `${ID} ${SECRET}${after}`)).toEqual([]);
  });

  it.each(['_', '~', '{', '"', ':', '='])('starts after %s', (before) => {
    expect(found(awsSecretKey, `${ID} ${before}${SECRET}`)).toEqual([SECRET]);
  });

  it('finds the secret as the value of a query parameter whose name is not denied', () => {
    expect(found(awsSecretKey, `?id=${ID}&k=${SECRET}&x=1`)).toEqual([SECRET]);
  });

  it('looks 200 characters after the key id', () => {
    expect(found(awsSecretKey, `${ID}${'.'.repeat(150)}${SECRET}`)).toEqual([SECRET]);
    expect(found(awsSecretKey, `${ID}${'.'.repeat(161)}${SECRET}`)).toEqual([]);
  });

  it('reports a secret once when two key ids are near it', () => {
    expect(found(awsSecretKey, `${ID} ${SECRET} ASIAIOSFODNN7EXAMPLE`)).toEqual([SECRET]);
  });

  it('leaves digests and words that lack a lower-case letter, an upper-case letter, or a digit, / or +', () => {
    expect(found(awsSecretKey, `${ID} ${'A1'.repeat(20)}`)).toEqual([]);
    expect(found(awsSecretKey, `${ID} ${'a1'.repeat(20)}`)).toEqual([]);
    expect(found(awsSecretKey, `${ID} ${'aB'.repeat(20)}`)).toEqual([]);
    expect(found(awsSecretKey, `${ID} ${'a/B'.repeat(13)}a`)).toEqual([`${'a/B'.repeat(13)}a`]);
  });
});

describe('prefixed provider tokens', () => {
  const KEY = `AIzaSy${'A1b2C3d4e5'.repeat(3)}XyZ`;

  it('still finds a token after a rejected candidate that overlaps it', () => {
    expect(KEY).toHaveLength(39);
    expect(found(googleApiKey, `xAIza-${KEY} ok`)).toEqual([KEY]);
  });

  it('reports a token once, not again from inside it', () => {
    const token = `glpat-abcd.glpat-${'a1B2'.repeat(6)}`;
    expect(found(gitlabToken, `t ${token} x`)).toEqual([token]);
  });
});
