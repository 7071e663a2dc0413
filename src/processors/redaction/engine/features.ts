/**
 * The prefilter: one pass over a string's char codes that sets a bit for each cheap, *necessary*
 * condition of a detector (an '@' for emails, thirteen digits in a row for cards, 'eyJ' for
 * JWTs…). A detector runs only when all the bits of its trigger are set, so a clean value costs
 * one short loop instead of a dozen regex scans. Every bit must be implied by any finding of the
 * detectors that rely on it: the prefilter may only skip work, never change a result (a test
 * checks this against the corpus with the prefilter off).
 */

export const AT = 1 << 0; // '@' or '%40': email, url_credentials
export const CARD_DIGITS = 1 << 1; // ≥ 13 digits joined only by ' ' or '-': card
export const IBAN_START = 1 << 2; // two capitals at a word start, then two digits: iban
export const DOTTED = 1 << 3; // a number with ≥ 3 dots not glued to a word (not `Chrome/1.2.3.4`): IPv4
export const COLONS = 1 << 4; // ≥ 2 ':': IPv6
export const EYJ = 1 << 5; // 'eyJ' (base64 of '{"'): jwt
export const BEARER = 1 << 6; // 'bearer', any case: bearer
export const DASHES = 1 << 7; // '-----': PEM private keys
export const AWS = 1 << 8; // 'AKIA' | 'ASIA' | 'ABIA' | 'ACCA': aws_access_key
export const GITHUB = 1 << 9; // 'gh?_' | 'github_pat_': github_token
export const STRIPE = 1 << 10; // 'sk_' | 'rk_' | 'whsec_': stripe_key
export const SLACK = 1 << 11; // 'xox' | '://hooks.slack.com/': slack_token
export const PAIR = 1 << 12; // ':' or '=': key=value pairs
export const SSN_DIGITS = 1 << 13; // ≥ 9 digits joined only by '-', two '-' among them: ssn
export const PHONE_DIGITS = 1 << 14; // a phone-shaped digit run (see below): phone
export const SCHEME = 1 << 15; // '://': url_credentials (with AT)
export const PROVIDER = 1 << 16; // a provider's token prefix (`AIza`, `npm_`, `glpat-`, `SG.`, …, see providerBits): the provider detectors
/** Every bit: what a string looks like with the prefilter off. */
export const ALL = (1 << 17) - 1;

const PLAIN = 0;
const DIGIT = 1;
const SEPARATOR = 2; // may join the digits of a phone number: ' ', '-', '.', '/', '(', ')', '+'
const SPECIAL = 3;
// One lookup per character, for every UTF-16 code unit (no `c < 128` branch on the hot path).
const CLASS = new Uint8Array(65536);
for (let c = 48; c <= 57; c++) CLASS[c] = DIGIT;
for (const ch of ' -./()+') CLASS[ch.charCodeAt(0)] = SEPARATOR;
for (const ch of ':=@%_JAbBxK~') CLASS[ch.charCodeAt(0)] = SPECIAL;

const isUpper = (c: number) => c >= 65 && c <= 90;
const isHex = (c: number) => (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
const isLetter = (c: number) => isUpper(c) || (c >= 97 && c <= 122);
const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlnum = (c: number) => isDigit(c) || isLetter(c);

/**
 * The prefilter bits of `s`. Hot: every string value passes through here, so every read stays in
 * bounds (an out-of-range `charCodeAt` deoptimizes the loop) and the common character costs one
 * table lookup.
 *
 * Digit runs are counted three ways, each matching what its detector's regex can span:
 * - `card`: digits joined by ' ' or '-' only;
 * - `ssn`: digits joined by '-' only, with the dashes among them;
 * - `phone`: digits joined by any separator. After a '+' (international form) every group counts;
 *   otherwise a phone number has at least one separator and no single-digit group but its
 *   first (`1-800-…`), so a run like `126.0.6478.61` (a version) restarts the count at the `0`.
 */
export function features(s: string): number {
  let f = 0;
  let active = false; // some digit counter below is non-zero
  let card = 0;
  let ssn = 0;
  let ssnDashes = 0;
  let phone = 0;
  let phoneSep = false;
  let phonePlus = false;
  let groups = 0; // digit groups of the phone count so far
  let group = 0; // digits in the current group
  let dots = 0; // digit.digit joints in the current number (−1: glued to a word, a version)
  let colons = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    const k = CLASS[c];
    if (k === PLAIN) {
      if (active) {
        active = phoneSep = phonePlus = false;
        card = ssn = ssnDashes = phone = groups = group = 0;
      }
      continue;
    }
    if (k === DIGIT) {
      if (group === 0) {
        const prev = i > 0 ? s.charCodeAt(i - 1) : 0;
        if (prev !== 46 && !isDigit(prev)) {
          dots = i > 0 && gluedToWord(s, i) ? -1 : 0;
          if (i >= 2 && i + 1 < n && isIbanStart(s, i)) f |= IBAN_START;
        }
      }
      active = true;
      group++;
      if (++card >= 13) f |= CARD_DIGITS;
      if (++ssn >= 9 && ssnDashes >= 2) f |= SSN_DIGITS;
      if (phonePlus ? ++phone >= 8 : ++phone >= 10 && phoneSep) f |= PHONE_DIGITS;
      continue;
    }
    if (k === SEPARATOR) {
      if (group > 0) {
        if (group === 1 && groups > 0 && !phonePlus) {
          phone = groups = 0; // a single-digit inner group: no phone spans it
          phoneSep = false;
        } else {
          groups++;
          phoneSep = true;
        }
        group = 0;
      }
      switch (c) {
        case 45: // '-'
          if (ssn > 0) ssnDashes++;
          if (i >= 4 && s.charCodeAt(i - 1) === 45 && s.charCodeAt(i - 2) === 45 && s.charCodeAt(i - 3) === 45 && s.charCodeAt(i - 4) === 45) f |= DASHES;
          if (i >= 2 && isLetter(s.charCodeAt(i - 1))) f |= dashPrefixBefore(s, i);
          // Mailgun's `<32 hex>-<8 hex>-<8 hex>`.
          if (i >= 32 && i + 9 < n && s.charCodeAt(i + 9) === 45) f |= PROVIDER;
          break;
        case 32: // ' '
          ssn = ssnDashes = 0;
          break;
        case 43: // '+': an international number starts here
          card = ssn = ssnDashes = phone = groups = 0;
          phoneSep = false;
          phonePlus = true;
          break;
        case 46: // '.'
          card = ssn = ssnDashes = 0;
          // `ya29.`, `SG.`, `hvs.`, `.atlasv1.`, `dp.pt.`; a Discord token's 6-character middle segment.
          if (i >= 2 && (prefixBefore(s, i, DOT_PREFIXES) || (i >= 24 && i + 7 < n && s.charCodeAt(i + 7) === 46 && discordShape(s, i)))) f |= PROVIDER;
          if (i > 0 && i + 1 < n && isDigit(s.charCodeAt(i - 1)) && isDigit(s.charCodeAt(i + 1))) {
            if (dots >= 0 && ++dots >= 3) f |= DOTTED;
          } else {
            dots = 0;
          }
          break;
        case 47: // '/'
          card = ssn = ssnDashes = 0;
          if (i >= 2 && s.charCodeAt(i - 1) === 47 && s.charCodeAt(i - 2) === 58) {
            f |= SCHEME;
            if (s.startsWith('hooks.slack.com/', i + 1)) f |= SLACK;
            if (s.startsWith('discord', i + 1)) f |= PROVIDER;
          } else if (i >= 2 && i + 1 < n && s.charCodeAt(i - 1) === 47 && s.charCodeAt(i - 2) === 49 && s.charCodeAt(i + 1) === 48) {
            f |= PROVIDER; // '1//0': a Google refresh token
          }
          break;
        default: // '(' ')'
          card = ssn = ssnDashes = 0;
      }
      continue;
    }
    // SPECIAL: not part of any number.
    if (active) {
      active = phoneSep = phonePlus = false;
      card = ssn = ssnDashes = phone = groups = group = 0;
    }
    switch (c) {
      case 58: // ':'
        f |= PAIR;
        if (++colons >= 2) f |= COLONS;
        // `<bot id>:AA…`: a Telegram bot token.
        if (i >= 1 && i + 2 < n && isDigit(s.charCodeAt(i - 1)) && s.charCodeAt(i + 1) === 65 && s.charCodeAt(i + 2) === 65) f |= PROVIDER;
        break;
      case 61: // '='
        f |= PAIR;
        break;
      case 64: // '@'
        f |= AT;
        break;
      case 37: // '%' → '%40', an encoded '@'; '1%2F%2F0' and '<digit>%3AAA' (Google and Telegram tokens in a URL)
        if (i + 2 < n && s.charCodeAt(i + 1) === 52 && s.charCodeAt(i + 2) === 48) f |= AT;
        else if (i >= 1 && (s.startsWith('%2F%2F0', i) ? s.charCodeAt(i - 1) === 49 : s.startsWith('%3AAA', i) && isDigit(s.charCodeAt(i - 1)))) f |= PROVIDER;
        break;
      case 95: // '_'
        f |= secretPrefixBefore(s, i);
        break;
      case 74: // 'J' ← 'eyJ'; 'IQoJ' (an AWS session token)
        if (i >= 2 && s.charCodeAt(i - 1) === 121 && s.charCodeAt(i - 2) === 101) f |= EYJ;
        else if (i >= 3 && s.charCodeAt(i - 1) === 111 && s.charCodeAt(i - 2) === 81 && s.charCodeAt(i - 3) === 73) f |= PROVIDER;
        break;
      case 65: // 'A' → AKIA, ASIA, ABIA, ACCA; AIza (Google), EAAA (Square), NRA… (New Relic)
        if (i + 3 < n && isAwsPrefix(s, i)) f |= AWS;
        else if (i + 3 < n && s.charCodeAt(i + 1) === 73 && s.charCodeAt(i + 2) === 122 && s.charCodeAt(i + 3) === 97) f |= PROVIDER;
        else if (i >= 1 && i + 2 < n && s.charCodeAt(i - 1) === 69 && s.charCodeAt(i + 1) === 65 && s.charCodeAt(i + 2) === 65) f |= PROVIDER;
        else if (i >= 2 && s.charCodeAt(i - 1) === 82 && s.charCodeAt(i - 2) === 78) f |= PROVIDER;
        break;
      case 75: // 'K' ← 'SK' + hex (a Twilio API key)
        if (i >= 1 && i + 1 < n && s.charCodeAt(i - 1) === 83 && isHex(s.charCodeAt(i + 1))) f |= PROVIDER;
        break;
      case 126: // '~' ← '<digit>Q~' (an Azure AD client secret)
        if (i >= 2 && s.charCodeAt(i - 1) === 81 && isDigit(s.charCodeAt(i - 2))) f |= PROVIDER;
        break;
      case 66: // 'B' / 'b' → bearer
      case 98:
        if (i + 5 < n && isBearer(s, i)) f |= BEARER;
        break;
      case 120: // 'x' → 'xox'
        if (i + 2 < n && s.charCodeAt(i + 1) === 111 && s.charCodeAt(i + 2) === 120) f |= SLACK;
        break;
    }
  }
  return f;
}

/**
 * A number right after a letter or `_`, or after a letter and `/` or `-` (`v1.2.3.4`,
 * `Chrome/120.0.0.0`, `app-1.2.3.4`): a version, which the IPv4 detector rejects too.
 */
function gluedToWord(s: string, i: number): boolean {
  const before = s.charCodeAt(i - 1);
  if (isLetter(before) || before === 95) return true;
  return (before === 47 || before === 45) && i >= 2 && isLetter(s.charCodeAt(i - 2));
}

/** Two capitals at a word start, then this digit and another: an IBAN's country code and check digits. */
function isIbanStart(s: string, i: number): boolean {
  return isDigit(s.charCodeAt(i + 1)) && isUpper(s.charCodeAt(i - 1)) && isUpper(s.charCodeAt(i - 2)) && (i === 2 || !isAlnum(s.charCodeAt(i - 3)));
}

const isB64Url = (c: number) => isAlnum(c) || c === 45 || c === 95;

/** The '.' at `i` (with another 7 on) may end a Discord token's first segment: 24 characters of base64url before it, 6 after. */
function discordShape(s: string, i: number): boolean {
  for (let k = 1; k <= 6; k++) if (!isB64Url(s.charCodeAt(i + k))) return false;
  for (let k = 1; k <= 24; k++) if (!isB64Url(s.charCodeAt(i - k))) return false;
  return true;
}

/** Where the run of ASCII letters and digits that ends before `i` starts (at most 8 back). */
function wordStart(s: string, i: number): number {
  let j = i;
  while (j > 0 && i - j < 8 && isAlnum(s.charCodeAt(j - 1))) j--;
  return j;
}

/** Lengths of the provider prefixes: a word of another length is no prefix, and is not sliced to be looked up. */
const PREFIX_LENGTHS = new Uint8Array(9);

/** Provider token prefixes, by the character that ends them (see the provider detectors). */
const UNDERSCORE_PREFIXES = new Set(['npm', 'dckr', 'shpat', 'shpca', 'shppa', 'shpss', 'dop', 'doo', 'dor', 'sntrys', 'sntryu', 'hf', 'glsa', 'glc', 'lin']);
const DASH_PREFIXES = new Set(['glpat', 'gldt', 'glrt', 'glptt', 'glcbt', 'glft', 'glsoat', 'gloas', 'glimt', 'glagent', 'pypi', 'key', 'PMAK', 'GOCSPX', 'pul', 'sq0atp', 'sq0csp', 'sq0idp', 'NRII', 'NRJS', 'NRAK', 'NRAA', 'sk', 'KEY']);
const DOT_PREFIXES = new Set(['ya29', 'SG', 'hvs', 'hvb', 'hvr', 'atlasv1', 'dp']);
for (const p of [...UNDERSCORE_PREFIXES, ...DASH_PREFIXES, ...DOT_PREFIXES]) PREFIX_LENGTHS[p.length] = 1;

/** The '-' at `i` ends a provider's prefix (`glpat-`, `sk-`, …: PROVIDER) or Slack's `xapp-` (SLACK). */
function dashPrefixBefore(s: string, i: number): number {
  if (i >= 4 && s.startsWith('xapp', i - 4) && wordStart(s, i) === i - 4) return SLACK;
  return prefixBefore(s, i, DASH_PREFIXES) ? PROVIDER : 0;
}

/** The word ending before `i` is one of `prefixes` (the length is checked before any string is made). */
function prefixBefore(s: string, i: number, prefixes: ReadonlySet<string>): boolean {
  const start = wordStart(s, i);
  return PREFIX_LENGTHS[i - start] === 1 && prefixes.has(s.slice(start, i));
}

/** The '_' at `i` ends `gh?` or `github_pat` (GitHub), `sk`, `rk`, `whsec` (Stripe), or a provider's prefix (`npm_`, `dckr_`, …). */
function secretPrefixBefore(s: string, i: number): number {
  if (i < 2) return 0;
  if (prefixBefore(s, i, UNDERSCORE_PREFIXES)) return PROVIDER;
  const a = s.charCodeAt(i - 1);
  const b = s.charCodeAt(i - 2);
  if (a === 107 && (b === 115 || b === 114)) return STRIPE; // sk_ rk_
  if (i >= 3 && b === 104 && s.charCodeAt(i - 3) === 103) return GITHUB; // gh?_
  if (i >= 10 && a === 116 && b === 97 && s.charCodeAt(i - 4) === 95) return GITHUB; // github_pat_
  if (i >= 5 && a === 99 && b === 101 && s.charCodeAt(i - 3) === 115) return STRIPE; // whsec_
  return 0;
}

function isAwsPrefix(s: string, i: number): boolean {
  const a = s.charCodeAt(i + 1);
  const b = s.charCodeAt(i + 2);
  const c = s.charCodeAt(i + 3);
  return (
    (a === 75 && b === 73 && c === 65) || // KIA
    (a === 83 && b === 73 && c === 65) || // SIA
    (a === 66 && b === 73 && c === 65) || // BIA
    (a === 67 && b === 67 && c === 65) // CCA
  );
}

function isBearer(s: string, i: number): boolean {
  // 'earer' in any case: OR-ing 32 lower-cases an ASCII letter.
  return (
    (s.charCodeAt(i + 1) | 32) === 101 &&
    (s.charCodeAt(i + 2) | 32) === 97 &&
    (s.charCodeAt(i + 3) | 32) === 114 &&
    (s.charCodeAt(i + 4) | 32) === 101 &&
    (s.charCodeAt(i + 5) | 32) === 114
  );
}
