/**
 * The OpenTelemetry (`ot`) member of a W3C `tracestate` (spec `trace/tracestate-handling.md`):
 * `ot=th:<threshold>;rv:<randomness>;…`, sub-keys other than `th` and `rv` kept as they came.
 */

/** What the `ot` member says about sampling; a malformed value reads as absent. */
export interface OtValues {
  /** Encoded rejection threshold, 1–14 lowercase hex digits. */
  th: string | undefined;
  /** Explicit randomness, exactly 14 lowercase hex digits. */
  rv: string | undefined;
}

/** W3C: at most 32 list members. */
const maxMembers = 32;

/**
 * Reads `th` and `rv` of the `ot` member into `out`; returns false (leaving `out` alone) when the
 * tracestate has no `ot` member. Scans in place: no split, one slice per value found.
 */
export function readOt(traceState: string, out: OtValues): boolean {
  // Fast path: most spans carry no tracestate, or one without an `ot` member.
  if (traceState === '') return false;
  let start = traceState.indexOf('ot=');
  while (start > 0 && !isMemberStart(traceState, start)) start = traceState.indexOf('ot=', start + 1);
  if (start === -1) return false;
  start += 3;
  let end = traceState.indexOf(',', start);
  if (end === -1) end = traceState.length;
  out.th = undefined;
  out.rv = undefined;
  for (let at = start; at < end; ) {
    let next = traceState.indexOf(';', at);
    if (next === -1 || next > end) next = end;
    const c0 = traceState.charCodeAt(at);
    if (traceState.charCodeAt(at + 2) === 0x3a /* : */ && traceState.charCodeAt(at + 1) === (c0 === 0x74 /* t */ ? 0x68 /* h */ : 0x76 /* v */)) {
      const valueEnd = trimEnd(traceState, at + 3, next);
      const length = valueEnd - at - 3;
      if (c0 === 0x74 && length >= 1 && length <= 14 && isHex(traceState, at + 3, valueEnd)) out.th = traceState.slice(at + 3, valueEnd);
      else if (c0 === 0x72 && length === 14 && isHex(traceState, at + 3, valueEnd)) out.rv = traceState.slice(at + 3, valueEnd);
    }
    at = next + 1;
  }
  return true;
}

/**
 * The tracestate with the `ot` member's `th` set to `th` (or removed when `undefined`), every
 * other `ot` sub-key and every other vendor's member kept. The updated `ot` member moves to the
 * front, as W3C Trace Context asks of a mutated member; an `ot` left empty is removed.
 */
export function withThreshold(traceState: string, th: string | undefined): string {
  const others: string[] = [];
  let subKeys: string[] = [];
  for (const raw of traceState.split(',')) {
    const member = raw.trim();
    if (member === '') continue;
    if (member.startsWith('ot=')) subKeys = member.slice(3).split(';').filter((e) => e !== '' && !e.startsWith('th:'));
    else others.push(member);
  }
  if (th !== undefined) subKeys.unshift(`th:${th}`);
  const members = subKeys.length ? [`ot=${subKeys.join(';')}`, ...others] : others;
  if (members.length > maxMembers) members.length = maxMembers;
  return members.join(',');
}

/** `ot=` at `i` begins a member: preceded by `,` or optional whitespace after one. */
function isMemberStart(s: string, i: number): boolean {
  for (let j = i - 1; j >= 0; j--) {
    const c = s.charCodeAt(j);
    if (c === 0x2c) return true;
    if (c !== 0x20 && c !== 0x09) return false;
  }
  return true;
}

function trimEnd(s: string, from: number, to: number): number {
  while (to > from && (s.charCodeAt(to - 1) === 0x20 || s.charCodeAt(to - 1) === 0x09)) to--;
  return to;
}

/** Lowercase hex digits only. */
function isHex(s: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}
