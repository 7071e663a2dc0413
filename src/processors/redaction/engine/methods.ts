/**
 * How a finding is rendered by each method. Hashing is HMAC-SHA256 from @noble/hashes (pure JS,
 * synchronous, runs in browsers too) keyed with the configured secret.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { AnyValue } from '../../../batch/types.ts';

/** `hmac:` + the first 16 bytes (32 hex chars) of HMAC-SHA256(secret, text). */
export type Hasher = (text: string) => string;

export function hmacHasher(secret: string): Hasher {
  const encoder = new TextEncoder();
  const keyed = hmac.create(sha256, encoder.encode(secret));
  return (text) => `hmac:${bytesToHex(keyed.clone().update(encoder.encode(text)).digest().subarray(0, 16))}`;
}

/** Used when no rule hashes, so no secret is needed; never called. */
export const noHasher: Hasher = () => {
  throw new Error('redaction: the hash method needs hashSecret');
};

const HASH_OUTPUT = /^hmac:[0-9a-f]{32}$/;

/** Output of an earlier redaction pass (placeholder, mask or hash) that must not be counted again. */
export function isRedactionOutput(v: string, placeholder: string): boolean {
  return v === placeholder || v === '****' || HASH_OUTPUT.test(v);
}

/** A stable text form of any value, hashed when a denylisted key holds a number, a list or a map. */
export function stableText(v: AnyValue): string {
  if (v === null) return 'null';
  if (typeof v !== 'object') return String(v);
  if (v instanceof Uint8Array) return bytesToHex(v);
  if (Array.isArray(v)) return JSON.stringify(v.map(stableText));
  return JSON.stringify([...v].map(([k, x]) => [k, stableText(x)]));
}
