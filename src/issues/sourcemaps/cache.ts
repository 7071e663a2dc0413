/** Limits of a {@link TtlLru}. */
export interface TtlLruLimits {
  /** Most entries kept. */
  maxEntries: number;
  /** Most bytes kept, as reported per entry by the caller. */
  maxBytes: number;
}

interface Entry<V> {
  value: V;
  bytes: number;
  expiresAt: number;
}

/**
 * A least-recently-used cache whose entries also expire, bounded by entry count and by the
 * bytes the caller says each entry holds. An entry larger than `maxBytes` is not kept.
 */
export class TtlLru<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private totalBytes = 0;

  constructor(
    private readonly limits: TtlLruLimits,
    private readonly now: () => number = Date.now,
  ) {}

  /** The value, refreshed as most recently used; `undefined` when absent or expired. */
  get(key: string): { value: V } | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    if (entry.expiresAt <= this.now()) {
      this.totalBytes -= entry.bytes;
      return undefined;
    }
    this.entries.set(key, entry);
    return { value: entry.value };
  }

  /** Stores `value` for `ttlMs` milliseconds, evicting the least recently used entries to fit. */
  set(key: string, value: V, bytes: number, ttlMs: number): void {
    this.delete(key);
    if (bytes > this.limits.maxBytes) return;
    this.entries.set(key, { value, bytes, expiresAt: this.now() + ttlMs });
    this.totalBytes += bytes;
    for (const [oldest, entry] of this.entries) {
      if (this.entries.size <= this.limits.maxEntries && this.totalBytes <= this.limits.maxBytes) break;
      this.entries.delete(oldest);
      this.totalBytes -= entry.bytes;
    }
  }

  /** Drops one entry, if present. */
  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.totalBytes -= entry.bytes;
  }

  /** Drops every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const key of [...this.entries.keys()]) if (key.startsWith(prefix)) this.delete(key);
  }

  /** Entries and bytes currently held (expired entries count until touched or evicted). */
  get size(): { entries: number; bytes: number } {
    return { entries: this.entries.size, bytes: this.totalBytes };
  }
}
