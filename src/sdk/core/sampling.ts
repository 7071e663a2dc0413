/**
 * Client-side sampling (issue 14, point 2) as OpenTelemetry's consistent probability sampling
 * (OTEP 235) has it, so the gateway's `SampleRate` makes weighted counts right:
 * - a record is kept when its 56-bit randomness `rv` is at least the rejection threshold `th` of
 *   the served percentage, and leaves with both: `sampling.threshold` / `sampling.randomness` on a
 *   log record, `ot=th:…;rv:…` in a span's tracestate (what the gateway's sampler reads);
 * - the randomness is the session's in browsers (the last 14 hex digits of its random UUID), so a
 *   session is kept or dropped whole, with its logs and traces; in Node, a trace's own (the trace
 *   ID's last 14 hex digits) for spans and logs inside it, and a fresh value per log outside one;
 * - errors (severity ≥ 17, spans with an error status) are always kept, without a threshold;
 * - a throttled policy keeps at most N records per minute per event name (its `eventName`, else
 *   its message); the rest are dropped and counted (`otelhouse.dropped.throttled`).
 */

/** The served `sampling`: percentages (100: keep everything) and the throttle (0: none). */
export interface SamplingConfig {
  tracesPercentage: number;
  logsPercentage: number;
  logsPerMinute: number;
}

const TWO_56 = 2 ** 56;
const HEX14 = /^[0-9a-f]{14}$/;

/** The encoded rejection threshold of `percentage` (trailing zeros dropped), or undefined at 100 %. */
export function thresholdOf(percentage: number): string | undefined {
  if (!(percentage < 100)) return undefined;
  const p = Math.max(percentage, 0) / 100;
  // The kept share as 56 bits, at least 1 (2^-56, the smallest probability a threshold expresses).
  const kept = Math.max(1, Math.round(p * TWO_56));
  // BigInt: above 2^53 a double would round the difference (2^56 − 1 to 2^56).
  const hex = ((1n << 56n) - BigInt(kept)).toString(16).padStart(14, '0');
  return hex.replace(/0+$/, '') || '0';
}

/** `rv ≥ th`, both as hex (14 digits of rv; th as encoded). */
export function keeps(rv: string, th: string): boolean {
  return rv >= th.padEnd(14, '0');
}

/** The randomness a session carries: the last 14 hex digits of its UUID (random in a v4 UUID). */
export function sessionRandomness(sessionId: string): string {
  const hex = sessionId.replace(/-/g, '').slice(-14).toLowerCase();
  return HEX14.test(hex) ? hex : randomHex14();
}

/** The randomness of a trace: its ID's last 14 hex digits (W3C Trace Context level 2). */
export const traceRandomness = (traceId: string): string => traceId.slice(-14);

export function randomHex14(): string {
  let hex = '';
  for (const b of crypto.getRandomValues(new Uint8Array(7))) hex += (b < 16 ? '0' : '') + b.toString(16);
  return hex;
}

/** Per event name, the records of the current minute, to throttle by. */
export class Throttle {
  private minute = -1;
  private counts = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether one more record named `name` fits in `perMinute` this minute (counts it when it does). */
  admit(name: string, perMinute: number): boolean {
    const minute = Math.floor(this.now() / 60_000);
    if (minute !== this.minute) {
      this.minute = minute;
      this.counts = new Map();
    }
    const n = this.counts.get(name) ?? 0;
    if (n >= perMinute) return false;
    // Bounded: a flood of distinct names cannot grow the map past 1,000 names a minute.
    if (n === 0 && this.counts.size >= 1000) return false;
    this.counts.set(name, n + 1);
    return true;
  }
}
