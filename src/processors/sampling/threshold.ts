/**
 * OpenTelemetry consistent probability sampling (OTEP 235; spec
 * `trace/tracestate-probability-sampling.md`): a 56-bit rejection threshold `th`, kept when the
 * 56-bit randomness `rv` ≥ `th`. Everything here runs when a threshold is first seen (config
 * compilation, a new incoming `th`); results are cached by callers, never recomputed per record.
 */

const MAX = 1n << 56n;
const MAX_FLOAT = 2 ** 56;
/** The smallest probability a 56-bit threshold can express (2^-56). */
export const MIN_PROBABILITY = 1 / MAX_FLOAT;

/** A compiled rejection threshold. */
export interface Threshold {
  /** Encoded `th` value: lowercase hex with trailing zeros removed; `'0'` means 100%. */
  readonly th: string;
  /** The threshold as 14 zero-padded hex digits: compares as strings like the numbers do. */
  readonly hex14: string;
  /** The 56-bit threshold. */
  readonly value: bigint;
  /** High and low 28 bits, to compare with numeric randomness without bigint. */
  readonly hi28: number;
  readonly lo28: number;
  /** Probability of keeping, (2^56 − th) / 2^56. */
  readonly probability: number;
  /**
   * The adjusted count 1/p as written to `SampleRate`: a `bigint` N when 1/p is N to within 2^-10
   * (so `'10'` is stored for 10% at the default precision, which ClickStack/HyperDX read as an
   * integer), otherwise the exact `number` 2^56 / (2^56 − th).
   */
  readonly sampleRate: bigint | number;
}

/** Parses an encoded `th` value (1–14 lowercase hex digits); `undefined` when malformed. */
export function parseThreshold(th: string): Threshold | undefined {
  if (th.length < 1 || th.length > 14 || !/^[0-9a-f]+$/.test(th)) return undefined;
  return fromValue(BigInt(`0x${th.padEnd(14, '0')}`));
}

/**
 * The threshold of a 56-bit value (0 ≤ value < 2^56). `oneIn` is the N of a 1-in-N rate the
 * caller meant (from config); it is preferred when the threshold encodes it.
 */
export function fromValue(value: bigint, oneIn?: number): Threshold {
  const hex14 = value.toString(16).padStart(14, '0');
  const th = value === 0n ? '0' : hex14.replace(/0+$/, '');
  const kept = Number(MAX - value);
  return {
    th,
    hex14,
    value,
    hi28: Number(value >> 28n),
    lo28: Number(value & 0xfffffffn),
    probability: kept / MAX_FLOAT,
    sampleRate: sampleRateOf(MAX_FLOAT / kept, oneIn),
  };
}

/**
 * Encodes a probability in [2^-56, 1] as a `th` value with `precision` hex digits, exactly as the
 * spec's reference algorithm ("Converting floating-point probability to threshold value"): the
 * precision grows with the number of leading `f` digits of small probabilities, and the last
 * digit is rounded to nearest.
 */
export function probabilityToTh(probability: number, precision: number): string {
  if (probability >= 1) return '0';
  // Raise precision by the number of leading 'f' digits: frexp's base-2 exponent, floored /4.
  const digits = Math.max(1, Math.min(12, precision + Math.floor(frexpExponent(probability) / -4)));
  // Map (0, 1] onto [1, 2) as 1 + rejection probability, plus half a unit of the last kept digit.
  const rejection = 2 - probability + 0.5 * 2 ** (-4 * digits);
  // The 13 hex digits of the float's mantissa: exact, since rejection − 1 has at most 52 bits.
  const mantissa = rejection >= 2 ? 'fffffffffffff' : ((rejection - 1) * 2 ** 52).toString(16).padStart(13, '0');
  return mantissa.slice(0, digits).replace(/0+$/, '') || '0';
}

/** The threshold for a probability; `undefined` when it is below 2^-56 (never sampled). */
export function thresholdFor(probability: number, precision: number): Threshold | undefined {
  if (!(probability >= MIN_PROBABILITY)) return undefined;
  const th = probabilityToTh(probability, precision);
  return fromValue(BigInt(`0x${th.padEnd(14, '0')}`), Math.round(1 / probability));
}

/** The larger (more selective) of two thresholds. */
export function maxThreshold(a: Threshold, b: Threshold): Threshold {
  return a.value >= b.value ? a : b;
}

/**
 * 1/p, as the integer N when it is N to within 2^-10 (a weighted count off by at most 0.1 %, far
 * inside sampling's own error), else exact. The candidates are the caller's N, then 1/p rounded.
 * A coarse threshold that keeps another share than the N configured (10 % at precision 1 is `e`,
 * which keeps 1 in 8) gives the N it keeps: weighted counts follow what was kept.
 */
function sampleRateOf(adjusted: number, oneIn: number | undefined): bigint | number {
  for (const n of oneIn === undefined ? [Math.round(adjusted)] : [oneIn, Math.round(adjusted)]) {
    if (n >= 1 && n <= Number.MAX_SAFE_INTEGER && Math.abs(adjusted - n) <= n * 2 ** -10) return BigInt(n);
  }
  return adjusted;
}

const view = new DataView(new ArrayBuffer(8));

/** Python's `math.frexp(x)[1]` for a normal positive double: x = m·2^e with m in [0.5, 1). */
function frexpExponent(x: number): number {
  view.setFloat64(0, x);
  return ((view.getUint16(0) >>> 4) & 0x7ff) - 1022;
}
