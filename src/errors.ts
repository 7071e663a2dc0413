/**
 * The few error kinds inside the gateway; the receiver maps them to HTTP/OTLP status in one place.
 * Anything else thrown on the data path is an internal failure (500, not retried). `ConfigError`
 * and `StartupError` are the start-up kinds: `main.ts` prints the message (any start-up failure, in
 * one line) and exits 2.
 */

/** The gateway cannot take the data right now; the sender should retry after `retryAfterMs`. */
export class RetryableError extends Error {
  override name = 'RetryableError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
    /** Short reason for metrics (`overloaded`, `wal_full`, `wal_write`, `shutting_down`). */
    readonly reason: string,
  ) {
    super(message);
  }
}

/** Thrown at start-up when the configuration is unusable; the message names each bad field and value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Thrown at start-up when something outside the configuration stops the start: the port or the
 * data directory is taken by another process. The message names the cause in one line.
 */
export class StartupError extends Error {
  override name = 'StartupError';
}
