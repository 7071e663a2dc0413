import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { redactionConfigSchema } from '../config.ts';
import { Findings, type Detector } from './detector.ts';
import { hmacHasher } from './hmac.ts';
import { card, email, iban, ipv4, ipv6, phone, ssn } from './pii.ts';
import { Redactor } from './index.ts';

/** The texts a detector finds in `s`, in order (overlapping findings included). */
function found(detector: Detector, s: string): string[] {
  const out = new Findings();
  detector.find(s, out, 0);
  return Array.from({ length: out.length }, (_, i) => s.slice(out.starts[i], out.ends[i]));
}

const SECRET = 'test-secret-0123456789abcdef0123456789';
const hmac = (text: string) => `hmac:${createHmac('sha256', SECRET).update(text).digest('hex').slice(0, 32)}`;
const redact = (options: Record<string, unknown>, text: string) => {
  const redactor = new Redactor(redactionConfigSchema.parse(options), { hmac: hmacHasher });
  return redactor.text(text, redactor.tally());
};

describe('email', () => {
  it('finds an address in text, with `@` or a query string `%40`', () => {
    expect(found(email, 'mail John.Doe@Example.com now')).toEqual(['John.Doe@Example.com']);
    expect(found(email, 'see ?email=jo%40x.example.org&a=1')).toEqual(['jo%40x.example.org']);
    expect(found(email, 'from a / jo@example.com')).toEqual(['jo@example.com']);
  });

  it('needs a local part: leading dots are not one', () => {
    expect(found(email, 'see ...@example.com')).toEqual([]);
  });

  it('leaves URL user info (scheme://user@host) to url_credentials', () => {
    expect(found(email, 'http://jo@example.com')).toEqual([]);
  });

  it('does not cut a top-level domain out of a longer token', () => {
    expect(found(email, 'jo@example.com9')).toEqual([]);
    expect(found(email, 'jo@example.co-uk')).toEqual([]);
  });

  it('leaves file names with an @ (retina images, assets) alone', () => {
    expect(found(email, 'img logo@2x.avif')).toEqual([]);
    expect(found(email, 'img logo%402x.avif')).toEqual([]);
    expect(found(email, 'img icon@assets.png')).toEqual([]);
    expect(found(email, 'img icon@assets.json')).toEqual([]);
    expect(found(email, 'mail ops@assets.example.org')).toEqual(['ops@assets.example.org']);
  });

  it('still finds an address that starts inside a rejected file name', () => {
    expect(found(email, 'img logo@2x.png@example.org')).toEqual(['2x.png@example.org']);
  });

  it('reports an address once, not again from inside it', () => {
    expect(found(email, 'a@b.com@c.org')).toEqual(['a@b.com']);
  });

  it('masks the local part and keeps the `%40` form', () => {
    expect(email.mask('jane%40example.com')).toBe('j***%40example.com');
    expect(email.mask('jane@example.com')).toBe('j***@example.com');
  });
});

describe('card', () => {
  it('finds a Luhn-valid number once', () => {
    expect(found(card, '4242 4242 4242 4242 4242')).toEqual(['4242 4242 4242 4242']);
  });

  it('still finds a valid number after a rejected candidate that overlaps it', () => {
    expect(found(card, '1234 4242 4242 4242 4242')).toEqual(['4242 4242 4242 4242']);
  });

  it('is not part of a decimal, a range or a time', () => {
    for (const tail of ['.50', ',50', '-50', '/50', ':50']) expect(found(card, `total 4111111111111111${tail}`)).toEqual([]);
    expect(found(card, 'pay 4111111111111111 2 times')).toEqual(['4111111111111111']);
  });
});

describe('iban', () => {
  it('has the length of its country, and is not glued to a letter or digit', () => {
    expect(found(iban, 'iban DE89 3704 0044 0532 0130 00 ok')).toEqual(['DE89 3704 0044 0532 0130 00']);
    // mod-97 valid, but a German IBAN has 22 characters, not 20
    expect(found(iban, 'iban DE86 3704 0044 0532 0130.')).toEqual([]);
    expect(found(iban, 'iban DE89370400440532013000X ok')).toEqual([]);
  });

  it('finds groups joined by single dashes or by runs of spaces', () => {
    expect(found(iban, 'iban GB82-WEST-1234-5698-7654-32 ok')).toEqual(['GB82-WEST-1234-5698-7654-32']);
    expect(found(iban, 'iban DE89  3704  0044  0532  0130  00 ok')).toEqual(['DE89  3704  0044  0532  0130  00']);
    expect(found(iban, 'account DE89370400440532013000-EUR')).toEqual(['DE89370400440532013000']);
    // A dash after a dashed IBAN that nothing follows ends it; it does not make it a longer ID.
    expect(found(iban, 'pay to GB82-WEST-1234-5698-7654-32-')).toEqual(['GB82-WEST-1234-5698-7654-32']);
    expect(found(iban, 'pay to GB82-WEST-1234-5698-7654-32-, thanks')).toEqual(['GB82-WEST-1234-5698-7654-32']);
  });

  it('does not join groups across other punctuation, nor take the start of a longer dashed ID', () => {
    for (const sep of ['.', '/', '_', ', ', ' - ', '--']) expect(found(iban, `ref DE89${sep}3704${sep}0044${sep}0532${sep}0130${sep}00 ok`)).toEqual([]);
    expect(found(iban, 'sku DE89-3704-0044-0532-0130-00-17')).toEqual([]);
    expect(found(iban, 'iban DE89 3704 0044 0532 0130 00 -')).toEqual(['DE89 3704 0044 0532 0130 00']);
  });

  it('hashes the compact upper-case form, however the groups are joined', () => {
    for (const text of ['DE89 3704 0044 0532 0130 00', 'DE89-3704-0044-0532-0130-00']) {
      expect(redact({ rules: { iban: 'hash' }, hashSecret: SECRET }, text)).toBe(hmac('DE89370400440532013000'));
    }
  });
});

describe('phone', () => {
  it('cuts a following number off an international one', () => {
    expect(found(phone, 'call +44 20 7946 0958 1234 ok')).toEqual(['+44 20 7946 0958']);
    expect(found(phone, 'call +882 1234 5678 9012 ok')).toEqual(['+882 1234 5678 9012']);
  });

  it('does not take more than 15 digits (E.164) as a phone number', () => {
    expect(found(phone, 'id +12345678901234567')).toEqual([]);
  });

  it('reports a number once, not again from inside it', () => {
    expect(found(phone, 'tel +1 415 555 2671')).toEqual(['+1 415 555 2671']);
  });

  it('needs 10 or 11 digits in national form', () => {
    expect(found(phone, 'invoice 012 345 678')).toEqual([]);
    expect(found(phone, 'ref 0123 4567 8901')).toEqual([]);
    expect(found(phone, 'tel 020 7946 0958')).toEqual(['020 7946 0958']);
  });

  it('still finds a number after a shorter rejected candidate that overlaps it', () => {
    expect(found(phone, 'room 012 415-555-2671')).toEqual(['415-555-2671']);
  });

  it('still finds the national part of an international number glued to a word', () => {
    expect(found(phone, 'Tel+1 415 555 2671')).toEqual(['415 555 2671']);
  });

  it('takes one parenthesized group (`+44 (0)20 …`), not a run of them such as a list of item numbers', () => {
    expect(found(phone, 'call +44 (0)20 7946 0958')).toEqual(['+44 (0)20 7946 0958']);
    expect(found(phone, 'see +1 (2) (3) (4) 5678')).toEqual([]);
  });

  it('does not take a national form right after a `+` (no country code starts with 0)', () => {
    expect(found(phone, 'x +0800 555 0199')).toEqual([]);
  });

  it('is not part of a longer dashed ID', () => {
    expect(found(phone, 'range 415-555-2671-1234 x')).toEqual([]);
  });

  it('hashes digits only, keeping the + of an international number', () => {
    const options = { rules: { phone: 'hash' }, hashSecret: SECRET };
    expect(redact(options, '+1 (415) 555-2671')).toBe(hmac('+14155552671'));
    expect(redact(options, '(415) 555-2671')).toBe(hmac('4155552671'));
  });
});

describe('ssn', () => {
  it('is not part of a longer dashed ID', () => {
    expect(found(ssn, 'id 123-45-6789-01')).toEqual([]);
    expect(found(ssn, 'id 123-45-6789.')).toEqual(['123-45-6789']);
  });
});

describe('ip', () => {
  it('finds an IPv4 address at the end of a sentence', () => {
    expect(found(ipv4, 'from 203.0.113.7.')).toEqual(['203.0.113.7']);
  });

  it('does not take an IPv6 address out of a dotted or longer colon run', () => {
    expect(found(ipv6, 'addr 127.0.0.1::1')).toEqual([]);
    expect(found(ipv6, 'seq 1:2:3:4:5:6:7:8:9')).toEqual([]);
    expect(found(ipv6, 'seq 1:2:3:4:5:6:7:8')).toEqual(['1:2:3:4:5:6:7:8']);
  });

  it('masks all but the first three groups', () => {
    expect(ipv6.mask('2001:db8:85a3:0:0:8a2e:370:7334')).toBe('2001:db8:85a3::*');
  });

  it('hashes the lower-case form', () => {
    expect(redact({ rules: { ip: 'hash' }, hashSecret: SECRET }, '2001:DB8::8A2E:370:7334')).toBe(hmac('2001:db8::8a2e:370:7334'));
  });
});
