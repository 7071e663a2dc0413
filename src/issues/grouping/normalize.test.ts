import { describe, expect, it } from 'vitest';
import { hostileMessages } from '../fixtures/hostile.ts';
import { normalizeMessage } from './normalize.ts';

describe('message normalization', () => {
  it.each([
    ['User jane.doe+test@example.co.uk not allowed', 'User <email> not allowed'],
    ['GET https://api.example.com/v1/orders/123?expand=items failed.', 'GET <url> failed.'],
    ['connect ECONNREFUSED 10.0.3.17:5432', 'connect ECONNREFUSED <ip>:<int>'],
    ['connect ECONNREFUSED [2001:db8::1]:443', 'connect ECONNREFUSED [<ip>]:<int>'],
    ['no route to fe80::1ff:fe23:4567:890a', 'no route to <ip>'],
    ['session 3f2504e0-4f89-11d3-9a0c-0305e82c3301 expired', 'session <uuid> expired'],
    ['object da39a3ee5e6b4b0d3255bfef95601890afd80709 missing', 'object <hash> missing'],
    ['etag d41d8cd98f00b204e9800998ecf8427e changed', 'etag <hash> changed'],
    ['document 507f1f77bcf86cd799439011 not found', 'document <hash> not found'],
    ['job ran at 2024-03-05T12:30:45.123Z', 'job ran at <date>'],
    ['batch of 2024-03-05 late', 'batch of <date> late'],
    ['expired on Tue, 05 Mar 2024 12:30:45 GMT', 'expired on <date>'],
    ['lock held since 12:30:45', 'lock held since <date>'],
    ['datetime.datetime(2024, 3, 5, 12, 30) is in the past', '<date> is in the past'],
    ['timeout after 30s', 'timeout after <duration>'],
    ['query took 150ms', 'query took <duration>'],
    ['context deadline 1m30s exceeded', 'context deadline <duration> exceeded'],
    ['gave up after 5 seconds', 'gave up after <duration>'],
    ['segfault at 0x7ffd1234beef', 'segfault at <hex>'],
    ['price 12.50 exceeds 1e3 limit 99.99', 'price <float> exceeds 1e3 limit <float>'],
    ['Order 4521 not found', 'Order <int> not found'],
    ['ORD-2024-000123 failed', 'ORD-<int>-<int> failed'],
    ['balance is -17', 'balance is <int>'],
    ["name='bob' active=true", 'name=<quoted_str> active=<bool>'],
  ])('%j → %j', (input, expected) => {
    expect(normalizeMessage(input)).toBe(expected);
  });

  it.each([
    "Cannot read properties of undefined (reading 'id')",
    'utf8mb4 and sha256 over http2',
    'user_12345 is not in v1.2.3',
    'Foo::bar failed',
  ])('leaves identifiers and words alone: %j', (input) => {
    expect(normalizeMessage(input)).toBe(input);
  });

  it('keeps the first two non-empty lines, trimmed', () => {
    expect(normalizeMessage('  first 1  \n\n\tsecond 2\nthird 3\n')).toBe('first <int>\nsecond <int>');
  });

  it('does not let a leading line break merge the lines after it', () => {
    expect(normalizeMessage('\nfirst 1\nsecond 2\nthird 3')).toBe('first <int>\nsecond <int>');
  });

  it('looks at the first 16 384 characters only', () => {
    expect(normalizeMessage(`${'\n'.repeat(16_380)}late`)).toBe('late');
    expect(normalizeMessage(`${'\n'.repeat(16_384)}late`)).toBe('');
  });

  it('returns an empty string for a message that is not a string (an attribute of another type)', () => {
    expect(normalizeMessage(undefined as unknown as string)).toBe('');
    expect(normalizeMessage(42 as unknown as string)).toBe('');
  });

  it('returns an empty string for an empty or blank message', () => {
    expect(normalizeMessage('')).toBe('');
    expect(normalizeMessage(' \n \n')).toBe('');
  });

  // That each grows linearly with its size is measured by `npm run bench` (phase `hostile`), not timed here.
  it.each(hostileMessages)('bounds its output on %s', (_name, make) => {
    expect(normalizeMessage(make(1)).length).toBeLessThanOrEqual(1_024);
  });
});
