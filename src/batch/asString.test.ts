import { describe, expect, it } from 'vitest';
import { asString } from './asString.ts';
import { AS_STRING_CASES as cases } from './asStringCases.ts';

describe('asString matches the Collector AsString', () => {
  it.each(cases)('%s', (_name, value, expected) => {
    expect(asString(value)).toBe(expected);
  });
});
