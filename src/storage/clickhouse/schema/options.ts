import { isClusterName, isIdentifier } from './sql.ts';

/** Where and how the telemetry tables live. Names match the contrib `clickhouseexporter`. */
export interface SchemaOptions {
  /** Database of the telemetry and migration tables. Default `'default'`; any other is created if absent. */
  database: string;
  /**
   * Spans table. Default `'otel_traces'`. The trace-ID lookup table is `<tracesTable>_trace_id_ts`
   * and its materialized view `<tracesTable>_trace_id_ts_mv`.
   */
  tracesTable: string;
  /** Logs table. Default `'otel_logs'`. */
  logsTable: string;
  /** Prefix of the metrics tables (`<prefix>_gauge`, …). Default `'otel_metrics'`. */
  metricsTable?: string;
  /** Retention in seconds (whole seconds); 0 = keep forever. Default 0, as the collector. */
  ttlSeconds: number;
  /** Cluster name from the server's `remote_servers`; adds `ON CLUSTER` to every DDL. Default none. */
  cluster?: string;
  /**
   * Use `ReplicatedMergeTree()` / `ReplicatedAggregatingMergeTree()` with the server's default
   * replica path and name. Default false.
   */
  replicated?: boolean;
}

/** The collector's defaults. */
export const defaultSchemaOptions: SchemaOptions = Object.freeze({
  database: 'default',
  tracesTable: 'otel_traces',
  logsTable: 'otel_logs',
  ttlSeconds: 0,
});

/** The table names derived from the options. */
export interface TableNames {
  traces: string;
  traceIdTs: string;
  traceIdTsMv: string;
  logs: string;
  /** The Collector's five metrics tables, one per point kind. */
  metricsGauge: string;
  metricsSum: string;
  metricsHistogram: string;
  metricsExponentialHistogram: string;
  metricsSummary: string;
  /** Control tables: fixed names, in the same database. */
  errorEvents: string;
  issueStats: string;
  issueStatsMv: string;
  issueDaily: string;
  issueDailyMv: string;
  issueState: string;
  auditLog: string;
  sourcemaps: string;
}

/** The control tables' fixed names (issues, audit log, source maps). */
export const controlTableNames = Object.freeze({
  errorEvents: 'otelhouse_error_events',
  issueStats: 'otelhouse_issue_stats',
  issueStatsMv: 'otelhouse_issue_stats_mv',
  issueDaily: 'otelhouse_issue_daily',
  issueDailyMv: 'otelhouse_issue_daily_mv',
  issueState: 'otelhouse_issue_state',
  auditLog: 'otelhouse_audit_log',
  sourcemaps: 'otelhouse_sourcemaps',
});

/** Derives the lookup table and view names from the traces table name. */
export function tableNames(opts: SchemaOptions): TableNames {
  return {
    traces: opts.tracesTable,
    traceIdTs: `${opts.tracesTable}_trace_id_ts`,
    traceIdTsMv: `${opts.tracesTable}_trace_id_ts_mv`,
    logs: opts.logsTable,
    ...metricTableNames(opts.metricsTable ?? 'otel_metrics'),
    ...controlTableNames,
  };
}

/** The metrics tables' names from their prefix, as the Collector names them. */
export function metricTableNames(prefix: string) {
  return {
    metricsGauge: `${prefix}_gauge`,
    metricsSum: `${prefix}_sum`,
    metricsHistogram: `${prefix}_histogram`,
    metricsExponentialHistogram: `${prefix}_exponential_histogram`,
    metricsSummary: `${prefix}_summary`,
  };
}

/** Fails fast with the offending field and value; called before any SQL is rendered. */
export function validateSchemaOptions(opts: SchemaOptions): void {
  for (const field of ['database', 'tracesTable', 'logsTable', 'metricsTable'] as const) {
    if (opts[field] !== undefined && !isIdentifier(opts[field])) {
      throw new Error(`schema option ${field} ${JSON.stringify(opts[field])} is not a plain identifier ([A-Za-z_][A-Za-z0-9_]*)`);
    }
  }
  const control: readonly string[] = Object.values(controlTableNames);
  for (const field of ['tracesTable', 'logsTable'] as const) {
    if (control.includes(opts[field])) {
      throw new Error(`schema option ${field} ${JSON.stringify(opts[field])} collides with a control table name`);
    }
  }
  if (opts.tracesTable === opts.logsTable) {
    throw new Error(`schema options tracesTable and logsTable are both ${JSON.stringify(opts.logsTable)}`);
  }
  if (opts.cluster !== undefined && !isClusterName(opts.cluster)) {
    throw new Error(`schema option cluster ${JSON.stringify(opts.cluster)} is not a valid cluster name`);
  }
  if (!Number.isSafeInteger(opts.ttlSeconds) || opts.ttlSeconds < 0) {
    throw new Error(`schema option ttlSeconds ${String(opts.ttlSeconds)} must be a whole number of seconds >= 0`);
  }
}
