/**
 * The TraceQL tokenizer: strings ("…" or `…`), numbers, durations (ns us µs ms s m h), identifiers
 * (attribute paths such as `span.http.status_code`, `.foo`, `resource."a b"`), and punctuation.
 */

/** A query outside the supported TraceQL subset, or malformed; the message names what is wrong. */
export class TraceQLError extends Error {}

export interface Token {
  kind: 'ident' | 'string' | 'number' | 'duration' | 'punct' | 'end';
  text: string;
  offset: number;
  /** For `duration`: nanoseconds. */
  ns?: bigint;
  /** For an attribute path with a quoted key (`span."a b"`): the key. */
  quotedKey?: string;
}

/** Longest first, so `>=` wins over `>`. */
const PUNCT = ['&>>', '&<<', '!>>', '!<<', '&&', '||', '>=', '<=', '!=', '=~', '!~', '>>', '<<', '&>', '&<', '&~', '{', '}', '(', ')', '=', '>', '<', '|', '~', '!', '+', '-', '*', '/', '%', '^', ','];

const UNIT_NS: Record<string, bigint> = { ns: 1n, us: 1_000n, 'µs': 1_000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, h: 3_600_000_000_000n };
const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?/;
const DURATION = /^(\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+/;
const DURATION_PART = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
const IDENT_CHAR = /[A-Za-z0-9_.:\-/@$#]/;

/** Splits a query into tokens; throws {@link TraceQLError} on an unterminated string or a stray character. */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '"' || c === '`') {
      const { text, end } = readString(query, i);
      tokens.push({ kind: 'string', text, offset: start });
      i = end;
      continue;
    }
    const rest = query.slice(i);
    const duration = DURATION.exec(rest);
    if (duration && !IDENT_CHAR.test(rest[duration[0].length] ?? ' ')) {
      tokens.push({ kind: 'duration', text: duration[0], offset: start, ns: durationNs(duration[0]) });
      i += duration[0].length;
      continue;
    }
    // A leading minus is part of a number only where an operand is expected (after an operator).
    const number = NUMBER.exec(rest);
    const previous = tokens.at(-1);
    if (number && (c !== '-' || previous?.kind === 'punct') && !/[A-Za-z_]/.test(rest[number[0].length] ?? ' ')) {
      tokens.push({ kind: 'number', text: number[0], offset: start });
      i += number[0].length;
      continue;
    }
    if (/[A-Za-z_.]/.test(c)) {
      let end = i;
      while (end < query.length && IDENT_CHAR.test(query[end]!)) end++;
      const text = query.slice(i, end);
      // `span."a b"`, `resource."x"`, `."y"`: a quoted attribute key after the scope's dot.
      if (text.endsWith('.') && (query[end] === '"' || query[end] === '`')) {
        const { text: key, end: after } = readString(query, end);
        tokens.push({ kind: 'ident', text: `${text}${key}`, offset: start, quotedKey: key });
        i = after;
        continue;
      }
      tokens.push({ kind: 'ident', text, offset: start });
      i = end;
      continue;
    }
    const punct = PUNCT.find((p) => query.startsWith(p, i));
    if (!punct) throw new TraceQLError(`unexpected character ${JSON.stringify(c)} at offset ${i}`);
    tokens.push({ kind: 'punct', text: punct, offset: start });
    i += punct.length;
  }
  tokens.push({ kind: 'end', text: '', offset: query.length });
  return tokens;
}

function readString(query: string, start: number): { text: string; end: number } {
  const quote = query[start]!;
  let text = '';
  let i = start + 1;
  while (i < query.length) {
    const c = query[i]!;
    if (c === quote) return { text, end: i + 1 };
    if (c === '\\' && quote === '"') {
      const n = query[i + 1];
      if (n === undefined) break;
      text += n === 'n' ? '\n' : n === 't' ? '\t' : n === 'r' ? '\r' : n;
      i += 2;
      continue;
    }
    text += c;
    i++;
  }
  throw new TraceQLError(`unterminated string starting at offset ${start}`);
}

/** `1h30m`, `1.5s`, `250ms` → nanoseconds (fractions rounded down to a nanosecond). */
function durationNs(text: string): bigint {
  let total = 0n;
  for (const [, amount, unit] of text.matchAll(DURATION_PART)) {
    const [whole, fraction = ''] = amount!.split('.');
    const scale = UNIT_NS[unit!]!;
    total += BigInt(whole!) * scale + (fraction ? (BigInt(fraction) * scale) / 10n ** BigInt(fraction.length) : 0n);
  }
  return total;
}
