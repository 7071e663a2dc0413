/**
 * Checks that turn a regex candidate into a finding: checksums (Luhn, IBAN mod-97), number
 * ranges (IPv4 octets, SSN areas, card issuer prefixes) and structure (IPv6, JWT headers).
 * Pure functions of a string; no Node APIs.
 */

/** Digits of `s`, every other character dropped. */
export function digitsOf(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) out += s[i];
  }
  return out;
}

/** The Luhn (mod 10) checksum over the digits of `s` (other characters are skipped). */
export function luhn(s: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = s.length - 1; i >= 0; i--) {
    let d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) continue;
    if (double && (d *= 2) > 9) d -= 9;
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/**
 * A 13–19 digit number (separators allowed) with a card issuer's prefix (Visa 4; Mastercard 51–55
 * and 2221–2720; Amex 34/37; Diners 300–305, 36, 38, 39; JCB 3528–3589; Discover, UnionPay and
 * Maestro 5x/6x) and a valid Luhn checksum. The prefix check keeps the 10% of order numbers and
 * nanosecond timestamps (which start with 1) that pass Luhn by chance from looking like cards.
 */
export function isCardNumber(text: string): boolean {
  let digits = 0;
  let p4 = 0; // the first four digits as a number
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) continue;
    if (digits++ < 4) p4 = p4 * 10 + d;
  }
  if (digits < 13 || digits > 19) return false;
  const p2 = Math.floor(p4 / 100);
  const p3 = Math.floor(p4 / 10);
  const first = Math.floor(p4 / 1000);
  const issuer =
    first === 4 || first === 5 || first === 6 ||
    (p4 >= 2221 && p4 <= 2720) ||
    p2 === 34 || p2 === 37 || p2 === 36 || p2 === 38 || p2 === 39 ||
    (p3 >= 300 && p3 <= 305) ||
    (p4 >= 3528 && p4 <= 3589);
  return issuer && luhn(text);
}

/** IBAN length per country (ISO 13616 registry). */
const IBAN_LENGTHS: Record<string, number> = Object.fromEntries(
  ('AD24 AE23 AL28 AT20 AZ28 BA20 BE16 BG22 BH22 BI27 BR29 BY28 CH21 CR22 CY28 CZ24 DE22 DJ27 DK18 DO28 ' +
    'EE20 EG29 ES24 FI18 FK18 FO18 FR27 GB22 GE22 GI23 GL18 GR27 GT28 HN28 HR21 HU28 IE22 IL23 IQ23 IS26 ' +
    'IT27 JO30 KW30 KZ20 LB28 LC32 LI21 LT20 LU20 LV21 LY25 MC27 MD24 ME22 MK19 MN20 MR27 MT31 MU30 NI28 ' +
    'NL18 NO15 OM23 PK24 PL28 PS29 PT25 QA29 RO24 RS22 RU33 SA24 SC31 SD18 SE24 SI19 SK24 SM27 SO23 ST25 ' +
    'SV28 TL23 TN24 TR26 UA29 VA22 VG24 XK20 YE30')
    .split(' ')
    .map((e) => [e.slice(0, 2), Number(e.slice(2))]),
);

/** The IBAN length of a country code, or 0 for a country without IBANs. */
export function ibanLength(country: string): number {
  return IBAN_LENGTHS[country] ?? 0;
}

/** ISO 7064 mod 97-10 over an IBAN without spaces: the first four characters move to the end, letters count 10–35. */
export function ibanChecksum(iban: string): boolean {
  const rearranged = iban.slice(4) + iban.slice(0, 4);
  let rem = 0;
  for (let i = 0; i < rearranged.length; i++) {
    const c = rearranged.charCodeAt(i);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return false;
  }
  return rem === 1;
}

/** US SSN `AAA-GG-SSSS`: area not 000, 666 or 9xx; group not 00; serial not 0000. */
export function isSsn(area: string, group: string, serial: string): boolean {
  return area !== '000' && area !== '666' && area[0] !== '9' && group !== '00' && serial !== '0000';
}

/** A dotted-quad IPv4 address: four decimal octets 0–255 without leading zeros. */
export function isIpv4(s: string): boolean {
  // A character scan rather than split('.'): this runs on every dotted-number candidate.
  let parts = 0;
  let value = 0;
  let digits = 0;
  for (let i = 0; i <= s.length; i++) {
    const c = i < s.length ? s.charCodeAt(i) : 46;
    if (c === 46) {
      if (digits === 0 || value > 255 || ++parts > 4) return false;
      value = 0;
      digits = 0;
    } else if (c >= 48 && c <= 57) {
      if (digits === 3 || (digits === 1 && value === 0)) return false; // 4 digits, or a leading zero
      value = value * 10 + (c - 48);
      digits++;
    } else {
      return false;
    }
  }
  return parts === 4;
}

/**
 * IPv4 addresses that never point at a person: 0.0.0.0/8 ("this host"), 127.0.0.0/8 (loopback)
 * and 255.x.x.x (netmasks, broadcast). They are left alone.
 */
export function isNonPersonalIpv4(s: string): boolean {
  return s.startsWith('0.') || s.startsWith('127.') || s.startsWith('255.');
}

const HEX_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/**
 * An RFC 4291 text IPv6 address: eight groups of 1–4 hex digits, one `::` for a run of zero
 * groups, an optional embedded IPv4 tail and an optional `%zone`.
 */
export function isIpv6(s: string): boolean {
  const zone = s.indexOf('%');
  const addr = zone >= 0 ? s.slice(0, zone) : s;
  if (zone >= 0 && zone === s.length - 1) return false;
  const halves = addr.split('::');
  if (halves.length > 2) return false;
  let groups = 0;
  for (let h = 0; h < halves.length; h++) {
    if (halves[h] === '') continue;
    const parts = halves[h].split(':');
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i];
      const last = h === halves.length - 1 && i === parts.length - 1;
      if (last && p.includes('.')) {
        if (!isIpv4(p)) return false;
        groups += 2;
      } else if (HEX_GROUP.test(p)) {
        groups += 1;
      } else {
        return false;
      }
    }
  }
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/** `::` (unspecified) and `::1` (loopback): never personal, left alone. */
export function isNonPersonalIpv6(s: string): boolean {
  return s === '::' || s === '::1';
}

/** A JWT's first segment decodes (base64url) to a JSON object naming its `alg`. */
export function isJwtHeader(segment: string): boolean {
  try {
    const b64 = segment.replace(/-/g, '+').replace(/_/g, '/');
    const json = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    return json.startsWith('{') && json.includes('"alg"');
  } catch {
    return false;
  }
}

/** CRC-32 (IEEE 802.3, as zlib's) of an ASCII string. */
export function crc32(s: string): number {
  let crc = 0xffffffff;
  for (let i = 0; i < s.length; i++) crc = CRC_TABLE[(crc ^ s.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** `n` in base 62 (0-9, A-Z, a-z), left-padded with `0` to `width`. */
export function base62(n: number, width: number): string {
  let out = '';
  for (let v = n; v > 0; v = Math.floor(v / 62)) out = BASE62[v % 62] + out;
  return out.padStart(width, '0');
}

/**
 * The checksum of GitHub's and npm's token format (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `npm_`
 * + 30 random characters + 6): the last six are the CRC-32 of the thirty, in base 62. A random
 * 36-character string passes one time in 56 billion.
 */
export function hasTokenChecksum(token: string): boolean {
  const body = token.slice(token.indexOf('_') + 1);
  return body.length === 36 && base62(crc32(body.slice(0, 30)), 6) === body.slice(30);
}

/** A token of that format: `prefix` (`ghp_`, `npm_`) + the 30 characters of `body` + their checksum. */
export function withTokenChecksum(prefix: string, body: string): string {
  return `${prefix}${body}${base62(crc32(body), 6)}`;
}

/** A Discord bot token's first segment is a user id (a snowflake: 17–20 digits) in base64. */
export function isDiscordId(segment: string): boolean {
  let decoded: string;
  try {
    decoded = atob(segment.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(segment.length / 4) * 4, '='));
  } catch {
    return false;
  }
  return /^\d{17,20}$/.test(decoded);
}
