/**
 * What a decoder returns: the records it could decode, and how many it had to leave out.
 * `message` is an English explanation for OTLP's `partial_success.error_message`, `''` when
 * `rejected` is 0.
 */
export interface DecodeResult<B> {
  batch: B;
  /** Records (spans or log records) left out of `batch` because they were invalid. */
  rejected: number;
  message: string;
}

/** Distinct reasons quoted in the message; the count always covers every rejected record. */
const MAX_REASONS = 5;

/**
 * Collects per-record rejections during one decode. A record decoder calls `flag(reason)` for
 * each problem it meets, then `settle()` once at the end of the record: `true` means the
 * record must be left out (and has been counted).
 */
export class Rejections {
  count = 0;
  private pending = '';
  private readonly reasons: string[] = [];
  private moreReasons = false;

  constructor(
    private readonly singular: string,
    private readonly plural: string,
  ) {}

  /** Marks the record being decoded as invalid; the first reason per record is kept. */
  flag(reason: string): void {
    if (this.pending === '') this.pending = reason;
  }

  /** Ends the current record; returns true (and counts it) when it was flagged. */
  settle(): boolean {
    const reason = this.pending;
    if (reason === '') return false;
    this.pending = '';
    this.count++;
    if (!this.reasons.includes(reason)) {
      if (this.reasons.length < MAX_REASONS) this.reasons.push(reason);
      else this.moreReasons = true;
    }
    return true;
  }

  /** e.g. `"2 spans rejected: trace_id must be 16 bytes, got 5"`; `''` when none. */
  message(): string {
    if (this.count === 0) return '';
    const noun = this.count === 1 ? this.singular : this.plural;
    const more = this.moreReasons ? '; and other reasons' : '';
    return `${this.count} ${noun} rejected: ${this.reasons.join('; ')}${more}`;
  }

  result<B>(batch: B): DecodeResult<B> {
    return { batch, rejected: this.count, message: this.message() };
  }
}
