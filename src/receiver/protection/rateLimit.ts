/** What a rate limit is keyed by. */
export type RateLimitKey = 'ingest_token' | 'client_ip' | 'service.name' | 'app.installation.id';

export interface RateLimitRule {
  key: RateLimitKey;
  /** Sustained records (spans or log records) per second for each value of the key. */
  recordsPerSecond: number;
  /** Records a key may send at once after being idle (bucket size). */
  burst: number;
}

/** The limit a refused request hit: the rule, the key value over it, and when the request would fit. */
export interface RateLimitRefusal {
  rule: RateLimitRule;
  /** The value of the rule's key (an ingest token's value is never put in a message). */
  value: string;
  retryAfterMs: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Token buckets per rule and key value. A request is admitted only if every bucket it touches has
 * room for its records; then all of them are charged. Otherwise nothing is charged and the caller
 * answers 429 naming the returned limit, with its `retryAfterMs`. Idle (full) buckets are swept so memory follows
 * the number of active keys.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweepMs = 0;

  constructor(readonly rules: readonly RateLimitRule[]) {}

  /**
   * @param demands for each rule index, the records the request brings per key value
   * @returns null when admitted, else the limit with the longest wait (the one `Retry-After` follows)
   */
  admit(demands: Array<Map<string, number>>, nowMs = Date.now()): RateLimitRefusal | null {
    let refusal: RateLimitRefusal | null = null;
    const touched: Array<[Bucket, number]> = [];
    demands.forEach((perKey, i) => {
      const rule = this.rules[i];
      for (const [value, records] of perKey) {
        const bucket = this.bucket(i, value, nowMs);
        // A request larger than the bucket can still pass when the bucket is full.
        const cost = Math.min(records, rule.burst);
        if (bucket.tokens >= cost) {
          touched.push([bucket, cost]);
          continue;
        }
        const retryAfterMs = Math.ceil(((cost - bucket.tokens) / rule.recordsPerSecond) * 1000);
        if (!refusal || retryAfterMs > refusal.retryAfterMs) refusal = { rule, value, retryAfterMs };
      }
    });
    if (refusal) return refusal;
    for (const [bucket, cost] of touched) bucket.tokens -= cost;
    this.sweep(nowMs);
    return null;
  }

  /** Active buckets (for tests and metrics). */
  get size(): number {
    return this.buckets.size;
  }

  private bucket(rule: number, value: string, nowMs: number): Bucket {
    const id = `${rule}\0${value}`;
    const { recordsPerSecond, burst } = this.rules[rule];
    let bucket = this.buckets.get(id);
    if (!bucket) {
      bucket = { tokens: burst, updatedMs: nowMs };
      this.buckets.set(id, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * recordsPerSecond);
      bucket.updatedMs = nowMs;
    }
    return bucket;
  }

  private sweep(nowMs: number): void {
    if (nowMs - this.lastSweepMs < 10_000) return;
    this.lastSweepMs = nowMs;
    for (const [id, bucket] of this.buckets) {
      const { recordsPerSecond, burst } = this.rules[Number(id.slice(0, id.indexOf('\0')))];
      if (bucket.tokens + ((nowMs - bucket.updatedMs) / 1000) * recordsPerSecond >= burst) this.buckets.delete(id);
    }
  }
}

/**
 * What a 429 says: which limit, for which key value, its rate and burst, and when to retry, e.g.
 * `rate limit exceeded: service.name "checkout" is over 10 records/s (burst 20); retry in 2 s`.
 * An ingest token is named by its rule only: the message must not echo a credential.
 */
export function describeRefusal({ rule, value, retryAfterMs }: RateLimitRefusal): string {
  const who = rule.key === 'ingest_token' ? "this request's ingest token" : `${rule.key} ${JSON.stringify(value)}`;
  return `rate limit exceeded: ${who} is over ${rule.recordsPerSecond} records/s (burst ${rule.burst}); retry in ${Math.ceil(retryAfterMs / 1000)} s`;
}
