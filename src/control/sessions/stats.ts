import type { StatsIncrement } from './store.ts';

/**
 * What this gateway instance counted for each debug session since the last flush. Counting is a
 * map update (per resource group, never per record); a timer flushes the counts as increments, so
 * the stats of several instances add up in ClickHouse. Counts a failed flush could not write are
 * kept for the next one.
 */
export class SessionStatsBuffer {
  private pending = new Map<string, StatsIncrement>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();

  /**
   * @param write stores increments (`SessionStore.addStats`)
   * @param options.flushMs flush period, ms; default 5000
   * @param options.onError told about a failed periodic flush (counts are kept)
   */
  constructor(
    private readonly write: (increments: StatsIncrement[]) => Promise<void>,
    private readonly options: { flushMs?: number; onError?: (err: unknown) => void } = {},
  ) {}

  /** Adds what a session received; `nowMs` is when. */
  add(sessionId: string, logs: number, spans: number, errors: number, nowMs: number): void {
    const entry = this.pending.get(sessionId);
    if (entry) {
      entry.logs += logs;
      entry.spans += spans;
      entry.errors += errors;
      if (nowMs > entry.lastSeenMs) entry.lastSeenMs = nowMs;
    } else {
      this.pending.set(sessionId, { sessionId, logs, spans, errors, lastSeenMs: nowMs });
    }
  }

  /** Counts not yet flushed, by session (a copy). */
  unflushed(): Map<string, StatsIncrement> {
    return new Map([...this.pending].map(([id, i]) => [id, { ...i }]));
  }

  /**
   * Writes the counts gathered so far (after any flush already running); on failure they are
   * merged back and the error is thrown.
   */
  flush(): Promise<void> {
    const run = this.chain.catch(() => undefined).then(() => this.flushOnce());
    this.chain = run;
    return run;
  }

  private async flushOnce(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    try {
      await this.write(batch);
    } catch (err) {
      for (const i of batch) this.add(i.sessionId, i.logs, i.spans, i.errors, i.lastSeenMs);
      throw err;
    }
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.flush().catch((err) => this.options.onError?.(err)), this.options.flushMs ?? 5_000);
    this.timer.unref();
  }

  /** Stops the timer and flushes; idempotent. */
  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.flush();
  }
}
