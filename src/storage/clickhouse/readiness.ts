import { ClickHouseError } from '@clickhouse/client';

/**
 * Whether `err` means ClickHouse was not reached — refused, reset, timed out, or a proxy's answer
 * that is not ClickHouse's — rather than that it answered and said no (wrong password, bad SQL:
 * waiting will not fix those).
 */
export function isUnreachable(err: unknown): boolean {
  return !(err instanceof ClickHouseError);
}

export interface StoreReadinessOptions<T> {
  /** Connects and readies the store (migrations, retention, drift, first loads); throws when it cannot. */
  open(): Promise<T>;
  /** Failures of the first attempt that are waited out in the background; any other one fails the start. */
  waitOn(err: unknown): boolean;
  /** First delay between attempts; doubles up to `maxDelayMs`. */
  initialDelayMs: number;
  maxDelayMs: number;
  /** The first attempt failed and the start goes on without the store (said once). */
  onWaiting(reason: string): void;
  /** A later attempt failed for a different reason than the one before (said once per change). */
  onReasonChanged(reason: string): void;
}

/**
 * The store as a starting gateway waits for it. The first attempt is awaited: a store that is there
 * at start (the embedded engine always is) is ready before anything listens, as if nothing waited.
 * A server that cannot be reached is retried with backoff in the background while the gateway
 * accepts data into its write-ahead log; {@link ready} resolves once an attempt succeeds.
 */
export class StoreReadiness<T> {
  /** Why the store is not ready: the last attempt's error, one line; undefined once ready. */
  reason: string | undefined = 'not opened yet';
  /** What the successful attempt returned. */
  value: T | undefined;
  /** Resolves with {@link value} once an attempt succeeds; never rejects (it stays pending after {@link stop}). */
  readonly ready: Promise<T>;
  private resolve!: (value: T) => void;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  private constructor(private readonly options: StoreReadinessOptions<T>) {
    this.ready = new Promise((resolve) => (this.resolve = resolve));
  }

  /** Makes the first attempt; resolves at once if it succeeds or may be waited out, rejects otherwise. */
  static async start<T>(options: StoreReadinessOptions<T>): Promise<StoreReadiness<T>> {
    const store = new StoreReadiness(options);
    try {
      store.succeed(await options.open());
    } catch (err) {
      if (!options.waitOn(err)) throw err;
      store.reason = reasonOf(err);
      options.onWaiting(store.reason);
      store.retry(options.initialDelayMs);
    }
    return store;
  }

  /** Stops retrying (at shutdown); idempotent. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private succeed(value: T): void {
    this.value = value;
    this.reason = undefined;
    this.resolve(value);
  }

  private retry(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      try {
        const value = await this.options.open();
        if (!this.stopped) this.succeed(value);
      } catch (err) {
        const reason = reasonOf(err);
        if (reason !== this.reason) this.options.onReasonChanged(reason);
        this.reason = reason;
        this.retry(Math.min(delayMs * 2, this.options.maxDelayMs));
      }
    }, delayMs);
    // The gateway's server keeps the process up; a pending retry alone must not.
    this.timer.unref();
  }
}

/** An error's message in one line (client errors can span several). */
function reasonOf(err: unknown): string {
  // A connection tried on several addresses (localhost: ::1, then 127.0.0.1) fails with an AggregateError without a message.
  const inner = err instanceof AggregateError ? err.errors.map((e: unknown) => (e as Error).message).join('; ') : '';
  const text = err instanceof Error ? err.message || inner || (err as NodeJS.ErrnoException).code || err.name : String(err);
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join(' ') || 'unknown error';
}
