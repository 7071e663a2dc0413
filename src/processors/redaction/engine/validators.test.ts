import { describe, expect, it } from 'vitest';
import { words } from './keys.ts';
import {
  base62,
  crc32,
  digitsOf,
  hasTokenChecksum,
  ibanChecksum,
  ibanLength,
  isCardNumber,
  isDiscordId,
  isIpv4,
  isIpv6,
  isJwtHeader,
  isSsn,
  luhn,
  withTokenChecksum,
} from './validators.ts';

describe('the validators', () => {
  it.each([
    ['4242424242424242', true],
    ['4242 4242 4242 4242', true],
    ['79927398713', true],
    ['4242424242424241', false],
    ['1234567890123452', true],
  ])('computes the Luhn checksum of %s as %s', (digits, valid) => {
    expect(luhn(digits)).toBe(valid);
  });

  it.each([
    ['4242424242424242', true],
    ['1234567890123452', false], // passes Luhn, but no issuer starts with 1
    ['8000000000000003', false],
    ['2221000000000009', true],
    ['2721000000000004', false],
    ['424242424242', false], // 12 digits
  ])('accepts %s as a card number: %s', (text, valid) => {
    expect(isCardNumber(text)).toBe(valid);
  });

  it('checks IBANs with mod 97 and knows each country’s length', () => {
    expect(ibanChecksum('DE89370400440532013000')).toBe(true);
    expect(ibanChecksum('DE89370400440532013001')).toBe(false);
    expect(ibanChecksum('GB82WEST12345698765432')).toBe(true);
    expect(ibanLength('DE')).toBe(22);
    expect(ibanLength('NO')).toBe(15);
    expect(ibanLength('US')).toBe(0);
  });

  it('rejects SSN areas 000, 666 and 9xx, group 00 and serial 0000', () => {
    expect(isSsn('123', '45', '6789')).toBe(true);
    for (const [a, g, s] of [['000', '45', '6789'], ['666', '45', '6789'], ['900', '45', '6789'], ['123', '00', '6789'], ['123', '45', '0000']]) {
      expect(isSsn(a, g, s)).toBe(false);
    }
  });

  it('parses IPv4 octets without leading zeros', () => {
    expect(isIpv4('192.168.0.1')).toBe(true);
    expect(isIpv4('256.0.0.1')).toBe(false);
    expect(isIpv4('01.2.3.4')).toBe(false);
    expect(isIpv4('1.2.3')).toBe(false);
  });

  it.each(['0.0.0.0', '10.0.3.21', '255.255.255.255', '1.2.3.4'])('accepts %s as an IPv4 address', (s) => {
    expect(isIpv4(s)).toBe(true);
  });

  it.each(['', '.', '1.2.3.4.', '.1.2.3.4', '1..2.3', '1.2.3.4.5', '1000.2.3.4', '1.2.3.a', '00.1.2.3', '1.2.3.256', '1.2.3.-4', '1.2.3.4 '])(
    'rejects %j as an IPv4 address',
    (s) => {
      expect(isIpv4(s)).toBe(false);
    },
  );

  it.each([
    ['2001:db8::1', true],
    ['::ffff:192.0.2.1', true],
    ['fe80::1%eth0', true],
    ['1:2:3:4:5:6:7:8', true],
    ['1:2:3:4:5:6:7:8:9', false],
    ['12:34:56', false],
    ['1::2::3', false],
    ['fe80::1%', false],
    ['2001:db8::12345', false],
  ])('parses %s as IPv6: %s', (text, valid) => {
    expect(isIpv6(text)).toBe(valid);
  });

  it('recognises a JWT header by its alg', () => {
    expect(isJwtHeader('eyJhbGciOiJIUzI1NiJ9')).toBe(true);
    expect(isJwtHeader('eyJzdWIiOiIxIn0')).toBe(false);
    expect(isJwtHeader('eyJ!!!')).toBe(false);
  });

  it('keeps only the digits of a string', () => {
    expect(digitsOf('4242-4242 x:9/0')).toBe('4242424290');
    expect(digitsOf('abc')).toBe('');
  });

  it('skips letters in the Luhn checksum as it skips separators', () => {
    expect(luhn('7992739871x3')).toBe(true);
    expect(luhn('79927398713z')).toBe(true);
  });

  it.each([
    ['4242 4242 4242', false], // 12 digits that pass Luhn: the spaces are not digits
    ['4242x4242x4242', false], // nor are letters
    ['4999999999999996', true], // 9s are digits
    ['4000000000000000006', true], // 19 digits
    ['40000000000000000002', false], // 20 digits
    ['30000000000004', true], // Diners 300
    ['30500000000003', true], // Diners 305
    ['30569309025904', true], // Diners' published test number
    ['340000000000009', true], // Amex 34
    ['38000000000006', true], // Diners 38
    ['39000000000005', true], // Diners 39
    ['2720000000000005', true], // Mastercard 2720
    ['3528000000000007', true], // JCB 3528
    ['3589000000000003', true], // JCB 3589
  ])('accepts %s as a card number: %s (issuer ranges at their bounds)', (text, valid) => {
    expect(isCardNumber(text)).toBe(valid);
  });

  it('accepts only upper-case letters and digits in an IBAN checksum', () => {
    expect(ibanChecksum('GB32ZZZZ12345698765432')).toBe(true); // Z counts 35
    expect(ibanChecksum('XK051212012345678906')).toBe(true);
    // Check digits chosen so that a space counted as digit -16, lower-case letters as 42–67 or
    // '@' as 9 would give remainder 1: only upper-case letters and digits may count.
    expect(ibanChecksum('GB18 WEST12345698765432')).toBe(false);
    expect(ibanChecksum('GB53west12345698765432')).toBe(false);
    expect(ibanChecksum('GB19@EST12345698765432')).toBe(false);
  });

  it.each([
    ['1:2:3:4:5:6:1.2.3.4', true], // six groups and an IPv4 tail are eight
    ['1:2:3:4:5:1.2.3.4', false],
    ['::ffff:999.0.2.1', false],
    ['1.2.3.4::1', false], // the IPv4 part must come last
    ['1.2.3.4::', false],
    ['::1.2.3.4:1', false],
    ['1:2::3:4::5:6:7:8', false], // two '::'
    ['1:2:3:4::5:6:7:8', false], // '::' stands for at least one group
    ['1:2:3::4:5:6:7', true],
  ])('parses %s as IPv6: %s (groups and IPv4 tails)', (text, valid) => {
    expect(isIpv6(text)).toBe(valid);
  });

  it('decodes base64url JWT headers and wants a JSON object', () => {
    // {"k":"ab?de>","alg":"HS256"}: '?' and '>' encode as '_' and '-'
    expect(isJwtHeader('eyJrIjoiYWI_ZGU-IiwiYWxnIjoiSFMyNTYifQ')).toBe(true);
    expect(isJwtHeader('WyJhbGciXQ')).toBe(false); // ["alg"]
  });

  it('computes CRC-32 as zlib does and base62 with padding', () => {
    expect(crc32('123456789')).toBe(0xcbf43926);
    expect(crc32('The quick brown fox jumps over the lazy dog')).toBe(1095738169);
    expect(base62(0, 6)).toBe('000000');
    expect(base62(61, 2)).toBe('0z');
    expect(base62(62, 1)).toBe('10');
  });

  it('checks the CRC-32 base62 suffix of GitHub and npm tokens', () => {
    // checksums from zlib.crc32; the first one's is below 62^5 and so starts with a padding 0
    expect(hasTokenChecksum('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')).toBe(true);
    expect(withTokenChecksum('ghp_', 'k033XTNGcymwgnKR5BLmFg8QysGFbu')).toBe('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');
    expect(hasTokenChecksum('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')).toBe(true);
    expect(hasTokenChecksum('npm_abcdefghijklmnopqrstuvwxyz01232LolCn')).toBe(false);
    expect(hasTokenChecksum('ghp_k033XTNGcymwgnKR5BLmFg8QysGFbuk4tIk')).toBe(false); // without the padding 0
  });

  it('recognises a Discord user id as 17–20 digits in base64', () => {
    expect(isDiscordId('MTIzNDU2Nzg5MDEyMzQ1Njc4')).toBe(true); // 18 digits
    expect(isDiscordId('MTIzNDU2Nzg5MDEyMzQ1Njc')).toBe(true); // 17 digits, unpadded
    expect(isDiscordId('MTIzNDU2Nzg5MDEyMzQ1Njc-')).toBe(false); // decodes to 17 digits and '>'
    expect(isDiscordId('MTIzNDU2Nzg5MDEyMzQ1Njc_')).toBe(false); // 17 digits and '?'
    expect(isDiscordId('MTIzNDU2Nzg5MDEyMzQ1Njc4OTAx')).toBe(false); // 21 digits
    expect(isDiscordId('YTEyMzQ1Njc4OTAxMjM0NTY3')).toBe(false); // 'a' + 17 digits
    expect(isDiscordId('MTIzNDU2Nzg5MDEyMzQ1Njdh')).toBe(false); // 17 digits + 'a'
    expect(isDiscordId('!!!!')).toBe(false); // not base64
  });

  it.each([
    ['http.request.header.x-api-key', ['http', 'request', 'header', 'x', 'api', 'key']],
    ['accessToken', ['access', 'token']],
    ['XMLHttpRequest', ['xml', 'http', 'request']],
    ['AUTH_TOKEN', ['auth', 'token']],
    ['oauth2_client', ['oauth', '2', 'client']],
  ])('splits the key %s into words', (key, expected) => {
    expect(words(key)).toEqual(expected);
  });
});
