/**
 * Detectors for personal data: email, payment card, IBAN, US SSN, phone number, IPv4/IPv6.
 * Each pairs a broad precompiled regex with a validator, so shapes that merely look alike
 * (order numbers, versions, timestamps, durations) are left alone.
 */
import { scan, standsAlone, isAlnum, isDigit, isLetter, isWord, maskAllButLast, type Detector } from './detector.ts';
import { AT, CARD_DIGITS, COLONS, DOTTED, IBAN_START, PHONE_DIGITS, SSN_DIGITS } from './features.ts';
import { digitsOf, ibanChecksum, ibanLength, isCardNumber, isIpv4, isIpv6, isNonPersonalIpv4, isNonPersonalIpv6, isSsn } from './validators.ts';

const LABEL = '[\\p{L}\\p{N}](?:[\\p{L}\\p{N}-]*[\\p{L}\\p{N}])?';
/** `@`, or `%40` as in a query string (`?email=jane%40example.com`). */
const EMAIL = new RegExp(`[\\p{L}\\p{N}._%+-]+(?:@|%40)${LABEL}(?:\\.${LABEL})*\\.(?:\\p{L}{2,}|xn--[a-z0-9-]+)`, 'gu');
/** Top-level "domains" that are really file names such as `logo@2x.png`. */
const FILE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'ico', 'bmp', 'css', 'js', 'map', 'json']);
const RETINA = /^\d+x\./;
const LOCAL_CHAR = /[\p{L}\p{N}._%+-]/u;

export const email: Detector = {
  rule: 'email',
  trigger: AT,
  find(s, out, tag) {
    scan(EMAIL, s, (m) => {
      if (m.index > 0 && LOCAL_CHAR.test(s[m.index - 1])) return false; // not at a word start (a retry inside one)
      let start = m.index;
      while (s[start] === '.') start++; // "see...john@x.com"
      const end = m.index + m[0].length;
      const at = atSign(s.slice(start, end));
      if (at <= 0) return false; // no local part
      if (s.charCodeAt(start - 1) === 47 && s.charCodeAt(start - 2) === 47) return false; // scheme://user@host
      const next = s.charCodeAt(end);
      if (isAlnum(next) || next === 45) return false;
      const domain = s.slice(start + at + (s[start + at] === '@' ? 1 : 3), end).toLowerCase();
      if (FILE_EXTENSIONS.has(domain.slice(domain.lastIndexOf('.') + 1)) || RETINA.test(domain)) return false;
      out.push(start, end, tag);
      return true;
    });
  },
  mask(text) {
    return `${String.fromCodePoint(text.codePointAt(0)!)}***${text.slice(atSign(text))}`;
  },
  // `Jane%40Example.com` and `jane@example.com` are the same address: they hash alike.
  canonical: (text) => text.replace('%40', '@').toLowerCase(),
};

/** Index of the `@` (or `%40`) that ends the local part; the domain never holds either. */
function atSign(text: string): number {
  const at = text.lastIndexOf('@');
  return at >= 0 ? at : text.lastIndexOf('%40');
}

/** 16–19 digits in groups of four, Amex/Diners 4-6-5 / 4-6-4, or 13–19 digits in one run. */
const CARD = /\d{4}([ -])\d{4}\1\d{4}\1\d{4}(?:\1\d{1,3})?|\d{4}([ -])\d{6}\2\d{4,5}|\d{13,19}/g;

export const card: Detector = {
  rule: 'card',
  trigger: CARD_DIGITS,
  find(s, out, tag) {
    scan(CARD, s, (m) => {
      const end = m.index + m[0].length;
      if (!isolatedNumber(s, m.index, end) || !isCardNumber(m[0])) return false;
      out.push(m.index, end, tag);
      return true;
    });
  },
  mask: (text) => maskAllButLast(text, 4),
  canonical: digitsOf,
};

const IBAN_HEAD = /[A-Z]{2}\d{2}/g;

export const iban: Detector = {
  rule: 'iban',
  trigger: IBAN_START,
  find(s, out, tag) {
    scan(IBAN_HEAD, s, (m) => {
      const start = m.index;
      const length = ibanLength(m[0].slice(0, 2));
      if (length === 0 || isAlnum(s.charCodeAt(start - 1))) return false;
      // Collect `length` letters/digits in groups joined by spaces (`DE89 3704 …`, also doubled) or
      // single dashes (`DE89-3704-…`).
      let compact = '';
      let dashed = false;
      let j = start;
      while (compact.length < length && j < s.length) {
        const c = s.charCodeAt(j);
        if (isAlnum(c)) {
          compact += s[j++];
          continue;
        }
        let k = j + 1;
        if (c === 32) while (s.charCodeAt(k) === 32) k++;
        else if (c === 45) dashed = true;
        else break;
        if (!isAlnum(s.charCodeAt(k))) break;
        j = k;
      }
      if (compact.length !== length || isAlnum(s.charCodeAt(j)) || !ibanChecksum(compact.toUpperCase())) return false;
      if (dashed && s.charCodeAt(j) === 45 && isAlnum(s.charCodeAt(j + 1))) return false; // a longer dashed ID
      out.push(start, j, tag);
      IBAN_HEAD.lastIndex = j;
      return true;
    });
  },
  mask(text) {
    let letters = 0;
    for (let i = 0; i < text.length; i++) if (isAlnum(text.charCodeAt(i))) letters++;
    let seen = 0;
    let masked = '';
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (!isAlnum(c)) masked += text[i];
      else masked += seen++ < 2 || seen > letters - 4 ? text[i] : '*';
    }
    return masked;
  },
  canonical: (text) => text.replace(/[ -]/g, '').toUpperCase(),
};

const SSN = /(\d{3})-(\d{2})-(\d{4})/g;

export const ssn: Detector = {
  rule: 'ssn',
  trigger: SSN_DIGITS,
  find(s, out, tag) {
    scan(SSN, s, (m) => {
      const end = m.index + m[0].length;
      if (!isolatedNumber(s, m.index, end) || !isSsn(m[1], m[2], m[3])) return false;
      out.push(m.index, end, tag);
      return true;
    });
  },
  mask: (text) => maskAllButLast(text, 4),
  canonical: digitsOf,
};

/**
 * Phone numbers in written forms only; a bare digit run (an ID, a Unix timestamp) is never one:
 * - international: `+` country code and 8–15 digits, with spaces, dots, dashes, slashes or `(…)`;
 * - North American: `(415) 555-2671`, `415-555-2671`, `415.555.2671`, `1-800-555-0199`;
 * - national with a trunk 0: `020 7946 0958`, `07700 900123`, `030 12345678`, `01 23 45 67 89`.
 */
const PHONE = new RegExp(
  [
    '\\+[1-9](?:[ .\\-/]?(?:\\(\\d{1,4}\\)|\\d)){7,17}',
    '(?:1[ .\\-])?(?:\\([2-9]\\d{2}\\) ?|[2-9]\\d{2}[ .\\-]?)[2-9]\\d{2}[ .\\-]\\d{4}',
    '(?:\\(0[1-9]\\d{0,3}\\)|0[1-9]\\d{0,3})[ \\-]\\d{3,4}[ \\-]?\\d{3,4}',
    '0[1-9](?:[ .\\-]\\d{2}){4}',
  ].join('|'),
  'g',
);

export const phone: Detector = {
  rule: 'phone',
  trigger: PHONE_DIGITS,
  find(s, out, tag) {
    scan(PHONE, s, (m) => {
      let text = m[0];
      // A greedy international match may run into a following number: cut whole groups off.
      while (text[0] === '+' && digitsOf(text).length > 15) {
        const cut = Math.max(text.lastIndexOf(' '), text.lastIndexOf('-'), text.lastIndexOf('.'), text.lastIndexOf('/'));
        if (cut <= 0) return false;
        text = text.slice(0, cut);
      }
      const end = m.index + text.length;
      const n = digitsOf(text).length;
      const international = text[0] === '+';
      if (n < (international ? 8 : 10) || n > (international ? 15 : 11) || !balanced(text)) return false;
      if (!isolatedNumber(s, m.index, end) || s.charCodeAt(m.index - 1) === 43) return false;
      out.push(m.index, end, tag);
      PHONE.lastIndex = end;
      return true;
    });
  },
  mask: (text) => maskAllButLast(text, 2),
  canonical: (text) => (text[0] === '+' ? '+' : '') + digitsOf(text),
};

function balanced(text: string): boolean {
  const open = text.indexOf('(');
  const close = text.indexOf(')');
  return open < 0 ? close < 0 : close > open && text.indexOf('(', open + 1) < 0;
}

/**
 * A number that is not part of a bigger token: no letter, digit or `_` right before or after it,
 * and no `.`, `,`, `-`, `/` or `:` that joins it to another digit (decimals, dates, ranges of IDs).
 */
function isolatedNumber(s: string, start: number, end: number): boolean {
  if (!standsAlone(s, start, end)) return false;
  const before = s.charCodeAt(start - 1);
  const after = s.charCodeAt(end);
  if (isJoiner(before) && isDigit(s.charCodeAt(start - 2))) return false;
  if (isJoiner(after) && isDigit(s.charCodeAt(end + 1))) return false;
  return true;
}

const isJoiner = (c: number) => c === 46 || c === 44 || c === 45 || c === 47 || c === 58;

const IPV4 = /\d{1,3}(?:\.\d{1,3}){3}/g;

/**
 * IPv4 in dotted-quad form with valid octets. Version strings are told apart by their context: a
 * quad right after a letter or after a letter and `/`, `-` or `_` (`v1.2.3.4`, `Chrome/120.0.0.0`,
 * `app-1.2.3.4`), or followed by a prerelease/build suffix (`-rc1`, `+b7`) or a fifth part, is a
 * version. A bare `1.2.3.4` is an address, and so is `user@1.2.3.4`. Loopback, 0.x and 255.x are kept.
 */
export const ipv4: Detector = {
  rule: 'ip',
  trigger: DOTTED,
  find(s, out, tag) {
    scan(IPV4, s, (m) => {
      const start = m.index;
      const end = start + m[0].length;
      const before = s.charCodeAt(start - 1);
      if (isWord(before) || before === 46) return false;
      if ((before === 47 || before === 45) && isLetter(s.charCodeAt(start - 2))) return false;
      const after = s.charCodeAt(end);
      if (isWord(after) || after === 43) return false;
      if ((after === 46 && isDigit(s.charCodeAt(end + 1))) || (after === 45 && isLetter(s.charCodeAt(end + 1)))) return false;
      if (!isIpv4(m[0]) || isNonPersonalIpv4(m[0])) return false;
      out.push(start, end, tag);
      return true;
    });
  },
  mask: (text) => text.slice(0, text.lastIndexOf('.') + 1) + '*',
};

/** Candidate IPv6 text: hex groups joined by at least two colons, an IPv4 tail, a `%zone`. */
const IPV6 = /(?:[0-9A-Fa-f]{1,4})?(?::[0-9A-Fa-f]{0,4}){2,7}(?:\.\d{1,3}){0,3}(?:%[0-9A-Za-z_.-]+)?/g;

/** IPv6 in every RFC 4291 text form, validated by a parser (so `12:34:56` and MAC addresses are not). `::` and `::1` are kept. */
export const ipv6: Detector = {
  rule: 'ip',
  trigger: COLONS,
  find(s, out, tag) {
    scan(IPV6, s, (m) => {
      const start = m.index;
      const end = start + m[0].length;
      const before = s.charCodeAt(start - 1);
      const after = s.charCodeAt(end);
      if (isWord(before) || before === 58 || before === 46 || isWord(after) || after === 58) return false;
      if (!isIpv6(m[0]) || isNonPersonalIpv6(m[0])) return false;
      out.push(start, end, tag);
      return true;
    });
  },
  mask(text) {
    const head = text.split('::')[0].split(':').slice(0, 3).filter(Boolean);
    return `${head.join(':')}::*`;
  },
  canonical: (text) => text.toLowerCase(),
};
