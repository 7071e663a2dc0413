import { describe, expect, it } from 'vitest';
import { OtlpDecodeError } from '../errors.ts';
import { parseJsonBody, quoteBigIntegers } from './parse.ts';

describe('quoteBigIntegers', () => {
  it.each([
    ['a bare 19-digit integer', '{"t":1544712660000000001}', '{"t":"1544712660000000001"}'],
    ['a negative one', '{"i":-9223372036854775808}', '{"i":"-9223372036854775808"}'],
    ['exactly 16 digits', '{"i":1234567890123456}', '{"i":"1234567890123456"}'],
    ['array elements and whitespace', '[ 12345678901234567890 ,\n 1234567890123456789]', '[ "12345678901234567890" ,\n "1234567890123456789"]'],
  ])('quotes %s', (_label, input, output) => {
    expect(quoteBigIntegers(input)).toBe(output);
  });

  it.each([
    ['15-digit integers', '{"i":123456789012345}'],
    ['big integers inside strings', '{"a":"x:1234567890123456789","1234567890123456789":1}'],
    ['big integers after an escaped quote inside a string', '{"a":"\\":1234567890123456789"}'],
    ['floats with many digits', '{"d":1234567890123456789.5,"e":1.2345678901234567e+30,"f":12345678901234567E2}'],
    ['an invalid leading zero (JSON.parse must still refuse it)', '{"i":01234567890123456789}'],
  ])('leaves %s alone', (_label, input) => {
    expect(quoteBigIntegers(input)).toBe(input);
  });
});

describe('parseJsonBody', () => {
  it('keeps bare nanosecond timestamps exact', () => {
    const body = new TextEncoder().encode('{"t":1544712660000000001,"small":42}');
    expect(parseJsonBody(body)).toEqual({ t: '1544712660000000001', small: 42 });
  });

  it.each([
    ['invalid UTF-8', Uint8Array.from([0x7b, 0xc3, 0x28, 0x7d]), 'request body is not valid UTF-8'],
    ['a leading-zero number', new TextEncoder().encode('{"i":01234567890123456789}'), /not valid JSON/],
    ['an array', new TextEncoder().encode('[1]'), 'request body must be a JSON object'],
  ])('throws OtlpDecodeError for %s', (_label, body, message) => {
    expect(() => parseJsonBody(body)).toThrow(OtlpDecodeError);
    expect(() => parseJsonBody(body)).toThrow(message);
  });
});
