/** What a rate limit is keyed by. */
export type RateLimitKey = 'ingest_token' | 'client_ip' | 'service.name' | 'app.installation.id';

export interface RateLimitRule {
  key: RateLimitKey;
  /** Sustained records (spans or log records) per second for each value of the key. */
  recordsPerSecond: number;
  /** Records a key may send at once after being idle (bucket size). */
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Token buckets per rule and key value. A request is admitted only if every bucket it touches has
 * room for its records; then all of them are charged. Otherwise nothing is charged and the caller
 * answers 429 with the returned `retryAfterMs`. Idle (full) buckets are swept so memory follows
 * the number of active keys.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweepMs = 0;

  constructor(readonly rules: readonly RateLimitRule[]) {}

  /**
   * @param demands for each rule index, the records the request brings per key value
   * @returns 0 when admitted, else milliseconds until the request would fit
   */
  admit(demands: Array<Map<string, number>>, nowMs = Date.now()): number {
    let waitMs = 0;
    const touched: Array<[Bucket, number]> = [];
    demands.forEach((perKey, i) => {
      const rule = this.rules[i];
      for (const [value, records] of perKey) {
        const bucket = this.bucket(i, value, nowMs);
        // A request larger than the bucket can still pass when the bucket is full.
        const cost = Math.min(records, rule.burst);
        if (bucket.tokens < cost) waitMs = Math.max(waitMs, ((cost - bucket.tokens) / rule.recordsPerSecond) * 1000);
        else touched.push([bucket, cost]);
      }
    });
    if (waitMs > 0) return Math.ceil(waitMs);
    for (const [bucket, cost] of touched) bucket.tokens -= cost;
    this.sweep(nowMs);
    return 0;
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
