import { z } from 'zod';
import { geoConfigSchema } from '../receiver/geo.ts';
import { controlConfigSchema } from '../control/config.ts';
import { sqlConfigSchema } from '../query/sql/config.ts';
import { exporterConfigSchema } from '../exporters/config.ts';
import { issuesConfigSchema } from '../issues/config.ts';
import { processorsConfigSchema } from '../processors/config.ts';
import { clientRedactionSchema } from '../processors/redaction/served.ts';
import { authConfigSchema, protectionConfigSchema, receiverConfigSchema } from '../receiver/config.ts';
import { clickHouseConfigSchema } from '../storage/clickhouse/config.ts';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

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
  /** `pretty`: human-readable lines (pino-pretty); `json`: one JSON object a line; `auto`: pretty when stdout is a terminal. */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),

  /** Request limits of the OTLP/HTTP server (`src/receiver/config.ts`). */
  receiver: receiverConfigSchema.prefault({}),

  /** Ingest and admin bearer tokens (`src/receiver/config.ts`). */
  auth: authConfigSchema.prefault({}),

  /** The ClickHouse server or embedded engine, database, table names, retention (`src/storage/clickhouse/config.ts`). */
  clickhouse: clickHouseConfigSchema.prefault({}),

  /** The write-ahead log and the inserts into ClickHouse (`src/exporters/config.ts`). */
  exporter: exporterConfigSchema.prefault({}),

  /** The read-only ClickHouse HTTP endpoint on the embedded store (`src/query/sql/config.ts`). */
  sql: sqlConfigSchema.prefault({}),

  /** Rate limits and retry deduplication of the OTLP routes (`src/receiver/config.ts`). */
  protection: protectionConfigSchema.prefault({}),

  /** The processor chain, in order; by default redaction, the debug-session gate, sampling (`src/processors/config.ts`). */
  processors: processorsConfigSchema,

  /**
   * The redaction rules client SDKs apply before a record is queued, served in `/v1/config`:
   * `pipeline` (the chain's first `redaction` processor, or every rule when it has none), `false`,
   * or `redaction` processor options (`src/processors/redaction/served.ts`). Never the hash secret.
   */
  clientRedaction: clientRedactionSchema,

  /** Debug sessions and collection policies: how often instances re-read them, and limits (`src/control/config.ts`). */
  control: controlConfigSchema.prefault({}),

  /** Errors become issues: grouping, lifecycle, escalation and alerts (`src/issues/config.ts`). */
  issues: issuesConfigSchema.prefault({}),

  /**
   * Retention by rule, on top of `clickhouse.ttlHours` (which keeps every row no rule matches): the
   * first rule a row matches decides, e.g. DEBUG logs 72 hours, errors 2160 (90 days). Reconciled
   * with the tables' TTL at every start; `/api/status` shows each table's TTL.
   */
  retention: z.array(z.strictObject({
    tables: z.array(z.enum(['traces', 'logs', 'metrics', 'errorEvents'])).min(1).optional(),
    service: z.string().min(1).max(256).optional(),
    maxLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional(),
    errors: z.boolean().optional(),
    debugSession: z.boolean().optional(),
    hours: z.number().int().min(1).max(24 * 365 * 100),
  })).default([]),

  /** Geo without IPs: client addresses become `geo.country.iso_code` at the receiver, and are removed (`src/receiver/geo.ts`). */
  geo: geoConfigSchema.prefault({}),

  /** Erasure by data subject (`POST /api/erasures`). */
  erasure: z.strictObject({
    /** Days after a request during which records of the subject that still arrive (retries, offline queues) are dropped at ingest and counted. */
    blockDays: z.number().min(0).max(3650).default(30),
  }).prefault({}),

  /** Grace period for a clean shutdown (stop intake, flush, exit). */
  shutdownTimeoutMs: positiveInt.default(10_000),
});

/** The validated configuration. */
export type Config = z.infer<typeof configSchema>;
/** The configuration as a user writes it (YAML or env): every field optional. */
export type ConfigInput = z.input<typeof configSchema>;
