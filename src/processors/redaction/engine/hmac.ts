/**
 * The `hash` method's HMAC-SHA256, from @noble/hashes (pure JS, synchronous). Kept apart from the
 * rule engine so the client SDK, which never holds the secret, does not carry it.
 */
import { hmac } from '@noble/hashes/hmac.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { hex, type Hasher } from './methods.ts';

export function hmacHasher(secret: string): Hasher {
  const encoder = new TextEncoder();
  const keyed = hmac.create(sha256, encoder.encode(secret));
  return (text) => `hmac:${hex(keyed.clone().update(encoder.encode(text)).digest().subarray(0, 16))}`;
}
