import { createHash } from 'node:crypto';

/** What the first of several identical requests ended with. */
type Outcome = { body: Buffer } | null;

interface Entry {
  expiresAt: number;
  /** Settles with the acknowledged response body, or null when the request was not acknowledged. */
  outcome: Promise<Outcome>;
}

export interface RetryDedupOptions {
  /** How long an acknowledged request is remembered. */
  windowMs: number;
  /** Bound on remembered requests; the oldest are forgotten first. */
  maxEntries: number;
}

/** The caller either replays an earlier acknowledgement, or owns the request and must settle it. */
export type Claim = { replay: Buffer } | { settle(acknowledged: Buffer | null): void };

/**
 * Recognises exact retries of requests already acknowledged (same path, encoding and body bytes
 * within `windowMs`) so they are acknowledged again without storing their records twice — senders
 * retry after timeouts and lost responses, and the OTLP spec accepts the duplicates this would
 * otherwise cause. A retry that arrives while the original is still being processed waits for it.
 * Memory is bounded by `maxEntries` (oldest forgotten first).
 */
export class RetryDedup {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: RetryDedupOptions) {}

  /** A digest of everything that makes two requests the same. */
  key(path: string, contentType: string, contentEncoding: string, body: Buffer): string {
    return createHash('sha256').update(`${path}\0${contentType}\0${contentEncoding}\0`).update(body).digest('base64');
  }

  async claim(key: string, now = Date.now()): Promise<Claim> {
    for (;;) {
      const entry = this.entries.get(key);
      if (!entry || entry.expiresAt <= now) break;
      const outcome = await entry.outcome;
      if (outcome) return { replay: outcome.body };
      // The original was refused (e.g. 503): this retry is processed as a new request.
      if (this.entries.get(key) === entry) this.entries.delete(key);
    }
    let settle!: (outcome: Outcome) => void;
    const entry: Entry = { expiresAt: now + this.options.windowMs, outcome: new Promise((resolve) => (settle = resolve)) };
    this.entries.set(key, entry);
    this.evict(now);
    return {
      settle: (acknowledged) => {
        if (!acknowledged && this.entries.get(key) === entry) this.entries.delete(key);
        settle(acknowledged ? { body: acknowledged } : null);
      },
    };
  }

  /** Remembered requests (for metrics and tests). */
  get size(): number {
    return this.entries.size;
  }

  private evict(now: number): void {
    // Maps iterate in insertion order, so the first entries are the oldest.
    for (const [key, entry] of this.entries) {
      if (this.entries.size <= this.options.maxEntries && entry.expiresAt > now) break;
      this.entries.delete(key);
    }
  }
}
