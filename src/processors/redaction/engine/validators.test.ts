import { describe, expect, it } from 'vitest';
import { words } from './keys.ts';
import { ibanChecksum, ibanLength, isCardNumber, isIpv4, isIpv6, isJwtHeader, isSsn, luhn } from './validators.ts';

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
