import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/** Request limits of the OTLP/HTTP receiver (`receiver`). */
export const receiverConfigSchema = z
  .strictObject({
    /** Largest request body accepted, measured after decompression (OTLP recommends 64 MiB). */
    maxRequestBytes: positiveInt.default(64 * 1024 * 1024),
    /**
     * Bound on decompressed request bytes received but not yet answered; a request that would take
     * the total above it gets 503 + Retry-After. At least `maxRequestBytes`, so the largest request
     * accepted always fits, and the only request in flight is never refused.
     */
    maxInFlightBytes: positiveInt.default(256 * 1024 * 1024),
    /** Seconds suggested to senders in `Retry-After` when refusing for overload. */
    retryAfterSeconds: positiveInt.default(5),
  })
  .check((ctx) => {
    const { maxRequestBytes, maxInFlightBytes } = ctx.value;
    if (maxInFlightBytes < maxRequestBytes) {
      ctx.issues.push({
        code: 'custom',
        input: maxInFlightBytes,
        path: ['maxInFlightBytes'],
        message: `must be at least receiver.maxRequestBytes (${maxRequestBytes}): a request of the largest accepted size would be refused with 503 forever`,
      });
    }
  });

/** Bearer tokens of the OTLP and admin endpoints (`auth`). */
export const authConfigSchema = z.strictObject({
  /** Bearer tokens accepted on `/v1/*`; empty = no ingest auth. */
  ingestTokens: z.array(z.string().min(8)).default([]),
  /**
   * Bearer tokens accepted on `/api/*`; empty = no admin auth. Each is a token, or `{name, token}`:
   * the audit log records changes under the token's name (`token:<8 hex of its SHA-256>` for a token
   * given without one).
   */
  adminTokens: z
    .array(
      z.union([
        z.string().min(8),
        z.strictObject({
          name: z.string().regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/, 'must be 1–64 printable ASCII characters'),
          token: z.string().min(8),
        }),
      ]),
    )
    .default([])
    .check((ctx) => {
      const names = ctx.value.flatMap((t) => (typeof t === 'string' ? [] : [t.name]));
      const twice = names.find((name, i) => names.indexOf(name) !== i);
      if (twice !== undefined) ctx.issues.push({ code: 'custom', input: twice, path: [], message: `two admin tokens are named "${twice}"` });
    }),
});

/** Rate limits and retry deduplication of the OTLP routes (`protection`). */
export const protectionConfigSchema = z.strictObject({
  /**
   * Token-bucket limits on records per second, each keyed by `ingest_token`, `client_ip`,
   * `service.name` or `app.installation.id`. Over a limit, the whole request gets 429 with
   * `Retry-After`. `burst` (records) defaults to one second's worth.
   */
  rateLimits: z
    .array(
      z.strictObject({
        key: z.enum(['ingest_token', 'client_ip', 'service.name', 'app.installation.id']),
        recordsPerSecond: z.number().positive(),
        burst: positiveInt.optional(),
      }),
    )
    .default([]),
  /** Exact retries of an acknowledged request within `windowMs` are acknowledged again, not stored twice. */
  retryDedup: z
    .strictObject({
      enabled: z.boolean().default(true),
      windowMs: positiveInt.default(300_000),
      maxEntries: positiveInt.default(100_000),
    })
    .prefault({}),
});

export type ReceiverConfig = z.infer<typeof receiverConfigSchema>;
export type AuthConfig = z.infer<typeof authConfigSchema>;
export type ProtectionConfig = z.infer<typeof protectionConfigSchema>;
