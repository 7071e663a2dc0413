import { z } from 'zod';

const nonNegativeInt = z.coerce.number().int().nonnegative();
const identifier = () => z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier');

/** Where and how the telemetry and control tables are stored (`clickhouse`). */
export const clickHouseConfigSchema = z.strictObject({
  /** ClickHouse HTTP(S) URL; unset = the embedded engine (chDB) under `dataDir`. */
  url: z.url().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  /** Database of the telemetry and control tables (the Collector's default is `default`). */
  database: identifier().default('default'),
  tracesTable: identifier().default('otel_traces'),
  logsTable: identifier().default('otel_logs'),
  /**
   * Prefix of the five metrics tables, `<prefix>_gauge`, `_sum`, `_histogram`,
   * `_exponential_histogram` and `_summary` (the Collector's `metrics_table_name`).
   */
  metricsTable: identifier().default('otel_metrics'),
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
});

export type ClickHouseConfig = z.infer<typeof clickHouseConfigSchema>;
