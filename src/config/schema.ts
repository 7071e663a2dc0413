import { z } from 'zod';
import { autoTriggersSchema } from '../control/triggers/config.ts';
import { exporterConfigSchema } from '../exporters/config.ts';
import { issuesConfigSchema } from '../issues/config.ts';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

/** A processor entry in the chain: `type` picks the factory, the rest is that processor's own config. */
const processorEntry = z.looseObject({ type: z.string().min(1) });

/** The chain a gateway runs when `processors` is not configured. */
export const DEFAULT_PROCESSORS: ReadonlyArray<{ type: string }> = [{ type: 'redaction' }, { type: 'debugsessions' }, { type: 'sampling' }];

/**
 * The whole gateway configuration. Every option carries its unit in its name; defaults are the
 * values a fresh `npm start` runs with.
 */
export const configSchema = z.strictObject({
  /** Interface the OTLP/HTTP server binds. */
  host: z.string().min(1).default('127.0.0.1'),
  /** OTLP/HTTP port (the OTLP default is 4318). */
  port: port.default(4318),
  /** Where the embedded ClickHouse keeps its data and the write-ahead log lives (`<dataDir>/wal`). */
  dataDir: z.string().min(1).default('./data'),
  /** Log level of the gateway's own structured logs (pino). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),

  receiver: z
    .strictObject({
      /** Largest request body accepted, measured after decompression (OTLP recommends 64 MiB). */
      maxRequestBytes: positiveInt.default(64 * 1024 * 1024),
      /** Bound on decoded-but-not-yet-stored request bytes; above it requests get 503. */
      maxInFlightBytes: positiveInt.default(256 * 1024 * 1024),
      /** Seconds suggested to senders in `Retry-After` when refusing for overload. */
      retryAfterSeconds: positiveInt.default(5),
    })
    .prefault({}),

  auth: z
    .strictObject({
      /** Bearer tokens accepted on `/v1/*`; empty = no ingest auth. */
      ingestTokens: z.array(z.string().min(8)).default([]),
      /** Bearer tokens accepted on `/api/*`; empty = no admin auth. */
      adminTokens: z.array(z.string().min(8)).default([]),
    })
    .prefault({}),

  clickhouse: z
    .strictObject({
      /** ClickHouse HTTP(S) URL; unset = the embedded engine (chDB) under `dataDir`. */
      url: z.url().optional(),
      username: z.string().optional(),
      password: z.string().optional(),
      /** Database of the telemetry and control tables (the Collector's default is `default`). */
      database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('default'),
      tracesTable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('otel_traces'),
      logsTable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').default('otel_logs'),
      /**
       * Row retention in hours; 0 keeps rows forever. When set, existing tables are altered to match
       * at start; when unset, new tables keep rows forever and existing tables keep their TTL.
       */
      ttlHours: nonNegativeInt.optional(),
      /**
       * Retention in hours of spans and logs kept for a debug session (tagged
       * `otelhouse.debug_session.id`): a TTL rule on the telemetry tables that deletes them sooner
       * than `ttlHours`. 0 = no separate rule. Default 168 (7 days).
       */
      debugSessionTtlHours: nonNegativeInt.default(168),
      /** Adds `ON CLUSTER` to DDL. */
      cluster: z.string().regex(/^[A-Za-z_][A-Za-z0-9_.-]*$/).optional(),
      /** Use Replicated* engines (with `cluster`). */
      replicated: z.boolean().default(false),
      /** Fail start-up (instead of warning) when a table's shape differs from what the code expects. */
      failOnDrift: z.boolean().default(false),
    })
    .prefault({}),

  /** The write-ahead log and the inserts into ClickHouse (`src/exporters/config.ts`). */
  exporter: exporterConfigSchema.prefault({}),

  protection: z
    .strictObject({
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
    })
    .prefault({}),

  /**
   * The processor chain, in order. Default: {@link DEFAULT_PROCESSORS} — PII redaction with its
   * default rules, the debug-session and policy gate, then sampling at 100 % (which keeps every record but honours
   * `sampling.priority` and records the adjusted count of spans an SDK or upstream tier sampled).
   * A chain set here replaces the default entirely; start-up warns when it has no `redaction`.
   */
  processors: z.array(processorEntry).default(() => DEFAULT_PROCESSORS.map((entry) => ({ ...entry }))),

  /** Debug sessions and collection policies: how often instances re-read them, and limits. */
  control: z
    .strictObject({
      /** How often each instance re-reads sessions and policies from ClickHouse. Default 2000. */
      refreshMs: positiveInt.default(2_000),
      /** How often session stats counted here are added to ClickHouse. Default 5000. */
      statsFlushMs: positiveInt.default(5_000),
      /** Debug sessions each admin token may create per hour. Default 10. */
      sessionCreatesPerHour: positiveInt.default(10),
      /** Rules that open a debug session for a client that keeps hitting one issue (`src/control/triggers/config.ts`). */
      autoTriggers: autoTriggersSchema,
    })
    .prefault({}),

  /** Errors become issues: grouping, lifecycle, escalation and alerts (`src/issues/config.ts`). */
  issues: issuesConfigSchema.prefault({}),

  /** Grace period for a clean shutdown (stop intake, flush, exit). */
  shutdownTimeoutMs: positiveInt.default(10_000),
});

/** The validated configuration. */
export type Config = z.infer<typeof configSchema>;
/** The configuration as a user writes it (YAML or env): every field optional. */
export type ConfigInput = z.input<typeof configSchema>;
