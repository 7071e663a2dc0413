/**
 * The bound on the write-ahead log's bytes on disk, shared by every table's log: an append that
 * would pass it is refused (the receiver answers 503 with Retry-After), so a long ClickHouse outage
 * fills the disk only up to the bound and nothing acknowledged is ever dropped to make room.
 */
export class WalBudget {
  private used = 0;

  constructor(readonly maxBytes: number) {}

  get bytes(): number {
    return this.used;
  }

  /** Takes `bytes` if they fit under the bound. */
  reserve(bytes: number): boolean {
    if (this.used + bytes > this.maxBytes) return false;
    this.used += bytes;
    return true;
  }

  /** Counts bytes found on disk at start, whether or not they fit. */
  add(bytes: number): void {
    this.used += bytes;
  }

  release(bytes: number): void {
    this.used -= bytes;
  }
}
