/**
 * The error storm limit (issue 14, point 5): at most `perSecond` error records a second. The first
 * occurrence of an error is recorded at once; repeats of it within its second, and occurrences over
 * the budget, are folded into one record made in a later second, carrying how many occurrences it
 * stands for (`otelhouse.occurrences`, which the gateway counts as that many events). A loop that
 * throws 10,000 times a second thus sends about one record a second for that error.
 */

/** Makes the record of one error, standing for `occurrences` of it. */
export type MakeRecord = (occurrences: number) => void;

/** Distinct errors waiting at once (each a record to make); the occurrences of further ones are dropped (and counted). */
const MAX_PENDING = 1000;

export class ErrorStorm {
  private second = -1;
  private sent = 0;
  /** Errors recorded this second: their repeats wait for the next. */
  private readonly recorded = new Set<string>();
  private readonly pending = new Map<string, { count: number; make: MakeRecord }>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  /** `onDrop`: an occurrence was dropped, too many distinct errors waiting. */
  constructor(
    private readonly onDrop: () => void,
    private readonly perSecond = 10,
    private readonly now: () => number = Date.now,
  ) {}

  /** One occurrence of the error `key`: recorded now by `make(1)`, or folded into a later record. */
  capture(key: string, make: MakeRecord): void {
    this.roll();
    const waiting = this.pending.get(key);
    if (waiting) {
      waiting.count++;
      return;
    }
    if (!this.recorded.has(key) && this.sent < this.perSecond) {
      this.sent++;
      this.recorded.add(key);
      make(1);
      return;
    }
    if (this.pending.size >= MAX_PENDING) {
      this.onDrop();
      return;
    }
    this.pending.set(key, { count: 1, make });
    this.schedule();
  }

  /** Makes every waiting record now, whatever the budget (the app is flushing, or going away). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const waiting = [...this.pending.values()];
    this.pending.clear();
    for (const { count, make } of waiting) make(count);
  }

  private roll(): void {
    const second = Math.floor(this.now() / 1000);
    if (second === this.second) return;
    this.second = second;
    this.sent = 0;
    this.recorded.clear();
  }

  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release();
    }, 1000 - (this.now() % 1000) + 1);
    (this.timer as { unref?: () => void }).unref?.();
  }

  /** A new second: waiting records are made, oldest first, within its budget; the rest wait again. */
  private release(): void {
    this.roll();
    for (const [key, { count, make }] of this.pending) {
      if (this.sent >= this.perSecond) break;
      this.pending.delete(key);
      this.sent++;
      this.recorded.add(key);
      make(count);
    }
    if (this.pending.size > 0) this.schedule();
  }
}
