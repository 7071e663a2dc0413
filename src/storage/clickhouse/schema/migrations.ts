import { createHash } from 'node:crypto';

import { tableNames, validateSchemaOptions, type SchemaOptions } from './options.ts';
import { renderTemplate, type TemplateVars } from './render.ts';
import { commonVars, engine } from './engines.ts';
import { ttlClause } from './sql.ts';
import { controlTableStatements, erasureTableStatements } from './controlPlane.ts';

export { DEDUPLICATION_WINDOW } from './engines.ts';

/** One forward-only schema step. Every statement must be idempotent: a crash may re-run it. */
export interface Migration {
  /** 1, 2, …; applied in ascending order, recorded once applied. */
  version: number;
  description: string;
  /** Rendered SQL, run in order. */
  statements: string[];
}

/** What the server can do; picks between template branches. */
export interface ServerFeatures {
  /** `text(...)` skip indexes, ClickHouse >= 26.2 (the collector's `versionFullTextSearch`). */
  fullTextSearch: boolean;
}

/** Table recording applied migrations, in the telemetry database. */
export const MIGRATIONS_TABLE = 'otelhouse_schema_migrations';

/** Statements run before any migration: the database (unless `default`) and the migrations table. */
export function renderBootstrap(opts: SchemaOptions): string[] {
  validateSchemaOptions(opts);
  const common = commonVars(opts);
  const statements = [
    renderTemplate('migrations_table', { ...common, table: MIGRATIONS_TABLE, engine: engine(opts, 'Replacing') }),
  ];
  return opts.database === 'default' ? statements : [renderTemplate('create_database', common), ...statements];
}

/**
 * Renders every migration for these options.
 * @param server which index branch to render; default: full-text indexes (ClickHouse >= 26.2)
 */
export function renderMigrations(opts: SchemaOptions, server: ServerFeatures = { fullTextSearch: true }): Migration[] {
  validateSchemaOptions(opts);
  const common = commonVars(opts);
  const names = tableNames(opts);
  const table = (template: string, name: string, vars: TemplateVars = {}): string =>
    renderTemplate(template, { ...common, table: name, ...vars });
  const telemetry = { engine: engine(opts, ''), fullTextSearch: server.fullTextSearch };
  return [
    {
      version: 1,
      description: 'create otel_traces, its trace-id lookup table and view, and otel_logs (collector v0.151+ layout)',
      statements: [
        table('traces_table', names.traces, { ...telemetry, ttl: ttlClause(opts.ttlSeconds, 'toDateTime(Timestamp)') }),
        table('traces_id_ts_lookup_table', names.traceIdTs, {
          engine: engine(opts, 'Aggregating'),
          ttl: ttlClause(opts.ttlSeconds, 'toDateTime(Start)'),
        }),
        renderTemplate('traces_id_ts_lookup_mv', { ...common, view: names.traceIdTsMv, target: names.traceIdTs, source: names.traces }),
        table('logs_table', names.logs, { ...telemetry, ttl: ttlClause(opts.ttlSeconds, 'toDateTime(Timestamp)') }),
      ],
    },
    {
      version: 2,
      description: 'adopt collector-created tables: add missing columns, set the insert deduplication window',
      statements: [
        table('adopt_traces', names.traces),
        table('adopt_logs', names.logs),
        ...[names.traces, names.traceIdTs, names.logs].map((name) => table('dedup_window', name)),
      ],
    },
    {
      version: 3,
      description: 'control tables: error events, issues, audit log, source maps',
      statements: [
        table('error_events_table', names.errorEvents, {
          engine: engine(opts, ''),
          ttl: ttlClause(opts.ttlSeconds, 'toDateTime(Timestamp)'),
        }),
        table('issue_stats_table', names.issueStats, { engine: engine(opts, 'Aggregating') }),
        renderTemplate('issue_stats_mv', { ...common, view: names.issueStatsMv, target: names.issueStats, source: names.errorEvents }),
        table('issue_daily_table', names.issueDaily, { engine: engine(opts, 'Summing') }),
        renderTemplate('issue_daily_mv', { ...common, view: names.issueDailyMv, target: names.issueDaily, source: names.errorEvents }),
        table('issue_state_table', names.issueState, { engine: engine(opts, 'Replacing', 'Version') }),
        table('audit_log_table', names.auditLog, { engine: engine(opts, '') }),
        // Owned by src/issues/sourcemaps: a re-upload replaces the map, the latest UploadedAt wins.
        table('sourcemaps_table', names.sourcemaps, { engine: engine(opts, 'Replacing', 'UploadedAt') }),
      ],
    },
    {
      version: 4,
      description: 'control tables: debug sessions and their stats, collection policies, clients seen (fed from logs and traces)',
      statements: controlTableStatements(opts),
    },
    {
      version: 5,
      description: 'error events carry their occurrence count (Occurrences); the issue views sum it instead of counting rows',
      statements: [
        table('error_events_occurrences', names.errorEvents),
        // Replaced, not altered: migration 3's views count rows. An insert landing between a drop and
        // its create (from another instance: this one migrates before it inserts) misses that view.
        renderTemplate('drop_view', { ...common, view: names.issueStatsMv }),
        renderTemplate('issue_stats_mv_v5', { ...common, view: names.issueStatsMv, target: names.issueStats, source: names.errorEvents }),
        renderTemplate('drop_view', { ...common, view: names.issueDailyMv }),
        renderTemplate('issue_daily_mv_v5', { ...common, view: names.issueDailyMv, target: names.issueDaily, source: names.errorEvents }),
      ],
    },
    {
      version: 6,
      description: 'create the five otel_metrics_* tables (collector layout after PR #49438); adopt tables an older collector created',
      statements: METRIC_KINDS.flatMap(([kind, name]) => [
        table('metrics_table', names[name], {
          engine: engine(opts, ''),
          ttl: ttlClause(opts.ttlSeconds, 'toDateTime(TimeUnix)'),
          number: kind === 'gauge' || kind === 'sum',
          sum: kind === 'sum',
          histogram: kind === 'histogram',
          exponentialHistogram: kind === 'exponentialHistogram',
          anyHistogram: kind === 'histogram' || kind === 'exponentialHistogram',
          summary: kind === 'summary',
        }),
        table('adopt_metrics', names[name], { temporality: kind === 'histogram' || kind === 'exponentialHistogram' }),
        table('dedup_window', names[name]),
      ]),
    },
    {
      version: 7,
      description: 'control table: erasure requests by data subject',
      statements: erasureTableStatements(opts),
    },
  ];
}

/** The point kinds and their tables' names. */
const METRIC_KINDS = [
  ['gauge', 'metricsGauge'],
  ['sum', 'metricsSum'],
  ['histogram', 'metricsHistogram'],
  ['exponentialHistogram', 'metricsExponentialHistogram'],
  ['summary', 'metricsSummary'],
] as const;

/** SHA-256 (hex) of a migration's rendered statements: what `migrate` records and compares. */
export function checksum(migration: Migration): string {
  return createHash('sha256').update(migration.statements.join('\n;\n')).digest('hex');
}
