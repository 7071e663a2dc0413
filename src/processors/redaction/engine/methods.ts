/**
 * How a finding is rendered by each method. The `hash` method's HMAC is given to the rule set
 * (`hmac.ts` on the gateway); a client never holds the secret, so its rule sets have none.
 */
import type { AnyValue } from '../../../batch/types.ts';

/** `hmac:` + the first 16 bytes (32 hex chars) of HMAC-SHA256(secret, text). */
export type Hasher = (text: string) => string;

/** Makes the {@link Hasher} of a secret. */
export type HasherFactory = (secret: string) => Hasher;

/** Used when no rule hashes, so no secret is needed; never called. */
export const noHasher: Hasher = () => {
  throw new Error('redaction: the hash method needs hashSecret');
};

/** Lowercase hex of `bytes`. */
export function hex(bytes: Uint8Array): string {
  let out = '';
  for (const b of bytes) out += (b < 16 ? '0' : '') + b.toString(16);
  return out;
}

const HASH_OUTPUT = /^hmac:[0-9a-f]{32}$/;

/** Output of an earlier redaction pass (placeholder, mask or hash) that must not be counted again. */
export function isRedactionOutput(v: string, placeholder: string): boolean {
  return v === placeholder || v === '****' || HASH_OUTPUT.test(v);
}

/** A stable text form of any value, hashed when a denylisted key holds a number, a list or a map. */
export function stableText(v: AnyValue): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return String(v);
  if (v instanceof Uint8Array) return hex(v);
  if (Array.isArray(v)) return JSON.stringify(v.map(stableText));
  return JSON.stringify([...v].map(([k, x]) => [k, stableText(x)]));
}
