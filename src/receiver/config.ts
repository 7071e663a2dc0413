import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/**
 * An allowed browser origin: `https://shop.example.com` (scheme, host and port, as browsers send
 * `Origin`), `https://*.example.com` (any subdomain), or `*` (any origin).
 */
const originPattern = z
  .string()
  .transform((s) => s.trim().toLowerCase().replace(/\/+$/, ''))
  .pipe(z.string().regex(/^(\*|[a-z][a-z0-9+.-]*:\/\/(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)*(:\d{1,5})?)$/, 'must be an origin such as https://app.example.com or https://*.example.com, or *'));

const tokenName = z.string().regex(/^[\x21-\x7e](?:[\x20-\x7e]{0,62}[\x21-\x7e])?$/, 'must be 1–64 printable ASCII characters');

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
    /**
     * Cross-origin requests from browsers to `/v1/*` (as the Collector's `cors`): origins answered
     * besides those of `auth.clientTokens` (which are always allowed), request headers allowed besides
     * `Content-Type`, `Content-Encoding` and `Authorization`, and how long a browser may cache a preflight.
     */
    cors: z
      .strictObject({
        allowedOrigins: z.array(originPattern).default([]),
        allowedHeaders: z.array(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a header name')).default([]),
        maxAgeSeconds: z.coerce.number().int().min(0).max(86_400).default(7200),
      })
      .prefault({}),
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

/** Tokens of the OTLP and admin endpoints (`auth`). */
export const authConfigSchema = z
  .strictObject({
    /** Bearer tokens accepted on `/v1/*` (server-side senders); with none here and no `clientTokens`, ingest auth is off. */
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
            name: tokenName,
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
    /**
     * Browser-safe tokens (a page's source shows them): each may only send spans and logs and read
     * `/v1/config`, only from its `origins` (the request's `Origin` must match one), and at most
     * `recordsPerSecondPerInstallation` records per second per `app.installation.id` after a `burst`
     * (an offline backlog). Accepted as `?token=` (beacons and `fetchLater` cannot send headers) or as a
     * Bearer header. With any ingest or client token configured, `/v1/*` requires one.
     */
    clientTokens: z
      .array(
        z.strictObject({
          name: tokenName,
          token: z.string().min(16).regex(/^[A-Za-z0-9._~-]+$/, 'must be URL-safe: letters, digits and . _ ~ -'),
          origins: z.array(originPattern).min(1),
          recordsPerSecondPerInstallation: z.number().positive().default(100),
          burst: positiveInt.default(5000),
        }),
      )
      .default([]),
  })
  .check((ctx) => {
    const { ingestTokens, adminTokens, clientTokens } = ctx.value;
    const names = clientTokens.map((t) => t.name);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) ctx.issues.push({ code: 'custom', input: twice, path: ['clientTokens'], message: `two client tokens are named "${twice}"` });
    // A client token is public: it must not also open what only a secret token should.
    const secret = new Set([...ingestTokens, ...adminTokens.map((t) => (typeof t === 'string' ? t : t.token))]);
    clientTokens.forEach((t, i) => {
      if (secret.has(t.token)) ctx.issues.push({ code: 'custom', input: '(hidden)', path: ['clientTokens', i, 'token'], message: 'is also an ingest or admin token; a client token is public and must be a token of its own' });
    });
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
  /**
   * Batch ids (`?batch=` or `X-Otelhouse-Batch`, 8–64 of A–Z a–z 0–9 _ -) that SDKs stamp on what
   * they send: a batch acknowledged once is acknowledged again, not stored twice, when it is resent
   * within `retentionHours`, across restarts (kept in `<dataDir>/batches`). About 100 bytes of
   * memory per id; past `maxEntries` the oldest are forgotten first.
   */
  batchDedup: z
    .strictObject({
      enabled: z.boolean().default(true),
      retentionHours: positiveInt.default(168),
      maxEntries: positiveInt.default(1_000_000),
    })
    .prefault({}),
});

export type ReceiverConfig = z.infer<typeof receiverConfigSchema>;
export type AuthConfig = z.infer<typeof authConfigSchema>;
export type ProtectionConfig = z.infer<typeof protectionConfigSchema>;

/** Every secret token an `auth` holds: ingest, admin and client tokens. */
export function tokensOf(auth: AuthConfig): string[] {
  return [...auth.ingestTokens, ...auth.adminTokens.map((t) => (typeof t === 'string' ? t : t.token)), ...auth.clientTokens.map((t) => t.token)];
}
