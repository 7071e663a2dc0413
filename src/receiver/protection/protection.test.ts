import { describe, expect, it } from 'vitest';
import { describeRefusal, RateLimiter } from './rateLimit.ts';
import { RetryDedup } from './retryDedup.ts';

const demand = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe('the rate limiter', () => {
  const waitMs = (refusal: { retryAfterMs: number } | null) => refusal?.retryAfterMs ?? 0;

  it('admits up to the burst, then refuses with the time until the request fits', () => {
    const limiter = new RateLimiter([{ key: 'service.name', recordsPerSecond: 10, burst: 20 }]);
    expect(limiter.admit([demand({ a: 15 })], 0)).toBeNull();
    expect(waitMs(limiter.admit([demand({ a: 15 })], 0))).toBe(1000); // 5 left, 10 short at 10/s
    expect(limiter.admit([demand({ a: 15 })], 1000)).toBeNull(); // refilled 10
  });

  it('keeps a bucket per key value, and charges nothing when any bucket refuses', () => {
    const limiter = new RateLimiter([{ key: 'service.name', recordsPerSecond: 1, burst: 10 }]);
    expect(limiter.admit([demand({ noisy: 10 })], 0)).toBeNull();
    expect(waitMs(limiter.admit([demand({ noisy: 1, quiet: 5 })], 0))).toBeGreaterThan(0);
    expect(limiter.admit([demand({ quiet: 10 })], 0)).toBeNull(); // quiet was not charged above
  });

  it('applies every rule, and lets a request larger than the bucket through when the bucket is full', () => {
    const limiter = new RateLimiter([
      { key: 'client_ip', recordsPerSecond: 100, burst: 100 },
      { key: 'ingest_token', recordsPerSecond: 5, burst: 5 },
    ]);
    expect(limiter.admit([demand({ ip: 50 }), demand({ tok: 50 })], 0)).toBeNull();
    expect(waitMs(limiter.admit([demand({ ip: 1 }), demand({ tok: 1 })], 0))).toBe(200); // 1 record at 5/s
  });

  it('names the limit with the longest wait when several refuse, and a message that never echoes a token', () => {
    const rules = [
      { key: 'client_ip' as const, recordsPerSecond: 100, burst: 100 },
      { key: 'ingest_token' as const, recordsPerSecond: 5, burst: 5 },
      { key: 'service.name' as const, recordsPerSecond: 2.5, burst: 10 },
    ];
    const limiter = new RateLimiter(rules);
    expect(limiter.admit([demand({ '10.0.0.1': 100 }), demand({ 's3cr3t-token': 5 }), demand({ checkout: 10 })], 0)).toBeNull();
    const refusal = limiter.admit([demand({ '10.0.0.1': 1 }), demand({ 's3cr3t-token': 1 }), demand({ checkout: 5 })], 0);
    expect(refusal).toEqual({ rule: rules[2], value: 'checkout', retryAfterMs: 2000 });
    expect(describeRefusal(refusal!)).toBe('rate limit exceeded: service.name "checkout" is over 2.5 records/s (burst 10); retry in 2 s');
    const token = limiter.admit([demand({ '10.0.0.2': 1 }), demand({ 's3cr3t-token': 1 }), demand({ other: 1 })], 0)!;
    expect(token.rule.key).toBe('ingest_token');
    expect(describeRefusal(token)).toBe("rate limit exceeded: this request's ingest token is over 5 records/s (burst 5); retry in 1 s");
  });

  it('forgets idle buckets so memory follows active keys', () => {
    const limiter = new RateLimiter([{ key: 'client_ip', recordsPerSecond: 1, burst: 1 }]);
    for (let i = 0; i < 100; i++) limiter.admit([demand({ [`10.0.0.${i}`]: 1 })], 0);
    expect(limiter.size).toBe(100);
    limiter.admit([demand({ last: 1 })], 60_000);
    expect(limiter.size).toBe(1); // only the bucket just charged
  });
});

describe('retry deduplication', () => {
  const body = Buffer.from('payload');

  it('replays the acknowledgement of an identical request inside the window', async () => {
    const dedup = new RetryDedup({ windowMs: 1000, maxEntries: 10 });
    const key = dedup.key('/v1/traces', 'protobuf', 'gzip', body);
    const first = await dedup.claim(key, 0);
    expect('settle' in first).toBe(true);
    if ('settle' in first) first.settle(Buffer.from('ack'));
    expect(await dedup.claim(key, 500)).toEqual({ replay: Buffer.from('ack') });
    expect('settle' in (await dedup.claim(key, 1500))).toBe(true); // window passed
  });

  it('tells requests apart by path, encoding and bytes', () => {
    const dedup = new RetryDedup({ windowMs: 1000, maxEntries: 10 });
    const keys = new Set([
      dedup.key('/v1/traces', 'protobuf', '', body),
      dedup.key('/v1/logs', 'protobuf', '', body),
      dedup.key('/v1/traces', 'json', '', body),
      dedup.key('/v1/traces', 'protobuf', 'gzip', body),
      dedup.key('/v1/traces', 'protobuf', '', Buffer.from('payloae')),
    ]);
    expect(keys.size).toBe(5);
  });

  it('makes a retry wait for the original still in progress, and processes it anew if the original was refused', async () => {
    const dedup = new RetryDedup({ windowMs: 1000, maxEntries: 10 });
    const key = dedup.key('/v1/logs', 'json', '', body);
    const original = await dedup.claim(key, 0);
    const retry = dedup.claim(key, 1);
    if ('settle' in original) original.settle(null);
    expect('settle' in (await retry)).toBe(true);
  });

  it('forgets the oldest requests beyond maxEntries', async () => {
    const dedup = new RetryDedup({ windowMs: 60_000, maxEntries: 3 });
    for (let i = 0; i < 5; i++) {
      const claim = await dedup.claim(`k${i}`, i);
      if ('settle' in claim) claim.settle(Buffer.from('ack'));
    }
    expect(dedup.size).toBe(3);
    expect('settle' in (await dedup.claim('k0', 10))).toBe(true);
    expect(await dedup.claim('k4', 10)).toEqual({ replay: Buffer.from('ack') });
  });
});
