import { describe, expect, it } from 'vitest';
import { Findings, type Detector } from './detector.ts';
import { bearer, githubToken, jwt, privateKey, slackToken, stripeKey, urlCredentials } from './secrets.ts';

/** The texts a detector finds in `s`, in order (overlapping findings included). */
function found(detector: Detector, s: string): string[] {
  const out = new Findings();
  detector.find(s, out, 0);
  return Array.from({ length: out.length }, (_, i) => s.slice(out.starts[i], out.ends[i]));
}

/** `{"alg":"HS256"}` in base64url. */
const H = 'eyJhbGciOiJIUzI1NiJ9';
const TOKEN = `${H}.eyJzdWIiOiIxIn0.sig123`;

describe('jwt', () => {
  it.each(['0', '9', 'A', 'Z', 'a', 'z', '-', '_'])('is not cut out of a longer base64url run (after %s)', (before) => {
    expect(found(jwt, `x ${before}${TOKEN}`)).toEqual([]);
  });

  it.each([' ', '[', '{', '~', '"', '='])('starts after %s', (before) => {
    expect(found(jwt, `x ${before}${TOKEN}`)).toEqual([TOKEN]);
  });

  it('reports a JWE once, not again from a later segment', () => {
    expect(found(jwt, `${H}.${H}.aa.bb.cc`)).toEqual([`${H}.${H}.aa.bb.cc`]);
  });

  it('still finds a valid token inside a rejected candidate', () => {
    expect(found(jwt, `x${H}.${H}.abc.def`)).toEqual([`${H}.abc.def`]);
  });
});

describe('bearer', () => {
  it('needs at least 8 characters', () => {
    expect(found(bearer, 'Bearer abcDEF12')).toEqual(['abcDEF12']);
    expect(found(bearer, 'Bearer abcDEF1')).toEqual([]);
  });

  it('finds a second token after a `bearer` inside the first', () => {
    expect(found(bearer, 'Bearer abc/bearer XyzAbc123456')).toEqual(['abc/bearer', 'XyzAbc123456']);
  });

  it('finds the token after a doubled scheme', () => {
    expect(found(bearer, 'Authorization: Bearer Bearer abcDEF123456')).toEqual(['abcDEF123456']);
  });
});

describe('private_key', () => {
  it('reports a truncated block once, even with another block inside it', () => {
    const text = '-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----BEGIN EC PRIVATE KEY-----\nMHc\n-----END EC PRIVATE KEY-----';
    expect(found(privateKey, text)).toEqual([text]);
  });
});

describe('url_credentials', () => {
  it('reports user:password once', () => {
    expect(found(urlCredentials, 'https://user:pw@host/x')).toEqual(['user:pw']);
  });

  it('needs a user or a password, not a lone colon', () => {
    expect(found(urlCredentials, 'https://:@host/x')).toEqual([]);
  });

  it('leaves a user name alone, but takes an address as the user name (the host follows the last @)', () => {
    expect(found(urlCredentials, 'ssh://git@example.org/repo')).toEqual([]);
    expect(found(urlCredentials, 'http://jo@example.com@example.org/x')).toEqual(['jo@example.com']);
    expect(found(urlCredentials, 'http://jo@example.com:pw@example.org/x')).toEqual(['jo@example.com:pw']);
  });

  it('masks a password as ****:**** and a user name alone as ****', () => {
    expect(urlCredentials.mask('user:pw')).toBe('****:****');
    expect(urlCredentials.mask('jo@example.com')).toBe('****');
  });
});

describe('prefixed tokens', () => {
  it('reports a Slack token once, not again from a dash inside it', () => {
    expect(found(slackToken, 'xoxb-1234567890-xoxp-1234567890')).toEqual(['xoxb-1234567890-xoxp-1234567890']);
  });

  it('still finds a token inside a rejected candidate', () => {
    expect(found(slackToken, '_xoxb-1234567890-xoxp-1234567890')).toEqual(['xoxp-1234567890']);
  });

  it('takes a 40-character fine-grained GitHub token by its shape (only gh?_ tokens carry the checksum)', () => {
    const token = `github_pat_${'A1b2C3d4E5'.repeat(2)}abcdefghi`;
    expect(token).toHaveLength(40);
    expect(found(githubToken, `t ${token} x`)).toEqual([token]);
  });

  it('masks keeping the prefix at the start only', () => {
    expect(stripeKey.mask('sk_live_AKIAabcdefghijklmnop')).toBe('sk_live_****');
    expect(slackToken.mask('xoxe.xoxb-1-abcdefghij')).toBe('xoxe.xoxb-****');
  });
});
