import { tableNames, type SchemaOptions } from './options.ts';

/** A column as `system.columns` shows it (Nested columns appear flattened, `Events.Name`). */
export interface ExpectedColumn {
  name: string;
  type: string;
  /** Other types that collector-created tables carry and our inserts still fit (reference §1.1–1.2). */
  alsoAccepted?: string[];
  /** For computed columns: `system.columns.default_kind` and `default_expression`. */
  computed?: { kind: 'MATERIALIZED' | 'ALIAS'; expression: string };
}

/** The shape the code relies on. Extra columns are fine; keys may be any of the listed layouts. */
export interface ExpectedTable {
  table: string;
  /** `MaterializedView` tables are checked for existence and, when set, for {@link selects}. */
  view?: boolean;
  /**
   * For a view a later migration replaced: an expression its query must hold
   * (`system.tables.create_table_query`, whitespace squashed), so an older definition is reported.
   */
  selects?: string;
  columns: ExpectedColumn[];
  /** `system.tables.sorting_key`: ours first, then collector layouts we adopt as they are. */
  sortingKeys: string[];
  /** `system.tables.partition_key`, likewise. */
  partitionKeys: string[];
}

const LC = 'LowCardinality(String)';
const MAP = 'Map(LowCardinality(String), String)';
const plain = (type: string, ...names: string[]): ExpectedColumn[] => names.map((name) => ({ name, type }));
const items = (map: string): string =>
  `arrayMap(kv -> concat(kv.1, '=', kv.2), CAST(${map}, 'Array(Tuple(String, String))'))`;

/** The resource attributes the current logs layout copies into `__otel_materialized_<key>` columns. */
export const MATERIALIZED_RESOURCE_KEYS = [
  'k8s.cluster.name', 'k8s.container.name', 'k8s.deployment.name', 'k8s.namespace.name',
  'k8s.node.name', 'k8s.pod.name', 'k8s.pod.uid', 'deployment.environment.name',
];

const TRACES: ExpectedColumn[] = [
  ...plain('DateTime64(9)', 'Timestamp'),
  ...plain('String', 'TraceId', 'SpanId', 'ParentSpanId', 'TraceState'),
  ...plain(LC, 'SpanName', 'SpanKind', 'ServiceName'),
  ...plain(MAP, 'ResourceAttributes'),
  ...plain('String', 'ScopeName', 'ScopeVersion'),
  ...plain(MAP, 'SpanAttributes'),
  { name: 'Duration', type: 'UInt64', alsoAccepted: ['Int64'] },
  ...plain(LC, 'StatusCode'),
  ...plain('String', 'StatusMessage'),
  ...plain('Array(DateTime64(9))', 'Events.Timestamp'),
  ...plain(`Array(${LC})`, 'Events.Name'),
  ...plain(`Array(${MAP})`, 'Events.Attributes'),
  ...plain('Array(String)', 'Links.TraceId', 'Links.SpanId', 'Links.TraceState'),
  ...plain(`Array(${MAP})`, 'Links.Attributes'),
  { name: 'ResourceAttributeItems', type: 'Array(String)', computed: { kind: 'ALIAS', expression: items('ResourceAttributes') } },
  { name: 'SpanAttributeItems', type: 'Array(String)', computed: { kind: 'ALIAS', expression: items('SpanAttributes') } },
];

const TRACE_ID_TS: ExpectedColumn[] = [
  ...plain('String', 'TraceId'),
  { name: 'Start', type: 'SimpleAggregateFunction(min, DateTime)', alsoAccepted: ['DateTime64(9)'] },
  { name: 'End', type: 'SimpleAggregateFunction(max, DateTime)', alsoAccepted: ['DateTime64(9)'] },
];

const LOGS: ExpectedColumn[] = [
  ...plain('DateTime64(9)', 'Timestamp'),
  ...plain('String', 'TraceId', 'SpanId'),
  ...plain('UInt8', 'TraceFlags'),
  ...plain(LC, 'SeverityText'),
  ...plain('UInt8', 'SeverityNumber'),
  ...plain(LC, 'ServiceName'),
  ...plain('String', 'Body'),
  ...plain(LC, 'ResourceSchemaUrl'),
  ...plain(MAP, 'ResourceAttributes'),
  ...plain(LC, 'ScopeSchemaUrl'),
  ...plain('String', 'ScopeName'),
  ...plain(LC, 'ScopeVersion'),
  ...plain(MAP, 'ScopeAttributes', 'LogAttributes'),
  ...plain('String', 'EventName'),
  ...MATERIALIZED_RESOURCE_KEYS.map((key): ExpectedColumn => ({
    name: `__otel_materialized_${key}`,
    type: LC,
    computed: { kind: 'MATERIALIZED', expression: `ResourceAttributes['${key}']` },
  })),
];

/** Metrics: the current layout's types first; an earlier collector's DateTime64(9) times and String name take the same inserts. */
const METRIC_TIME = { type: 'DateTime', alsoAccepted: ['DateTime64(9)'] };
const METRICS_COMMON: ExpectedColumn[] = [
  ...plain(MAP, 'ResourceAttributes'),
  ...plain('String', 'ResourceSchemaUrl', 'ScopeName', 'ScopeVersion'),
  ...plain(MAP, 'ScopeAttributes'),
  ...plain('UInt32', 'ScopeDroppedAttrCount'),
  ...plain('String', 'ScopeSchemaUrl'),
  ...plain(LC, 'ServiceName'),
  { name: 'MetricName', type: LC, alsoAccepted: ['String'] },
  ...plain('String', 'MetricDescription', 'MetricUnit'),
  ...plain(MAP, 'Attributes'),
  { name: 'StartTimeUnix', ...METRIC_TIME },
  { name: 'TimeUnix', ...METRIC_TIME },
];
const EXEMPLARS: ExpectedColumn[] = [
  ...plain(`Array(${MAP})`, 'Exemplars.FilteredAttributes'),
  { name: 'Exemplars.TimeUnix', type: 'Array(DateTime)', alsoAccepted: ['Array(DateTime64(9))'] },
  ...plain('Array(Float64)', 'Exemplars.Value'),
  ...plain('Array(String)', 'Exemplars.SpanId', 'Exemplars.TraceId'),
];
const HISTOGRAM_TAIL: ExpectedColumn[] = [...plain('UInt32', 'Flags'), ...plain('Float64', 'Min', 'Max'), ...plain('Int32', 'AggregationTemporality')];
const METRICS: Record<'gauge' | 'sum' | 'histogram' | 'exponentialHistogram' | 'summary', ExpectedColumn[]> = {
  gauge: [...METRICS_COMMON, ...plain('Float64', 'Value'), ...plain('UInt32', 'Flags'), ...EXEMPLARS],
  sum: [...METRICS_COMMON, ...plain('Float64', 'Value'), ...plain('UInt32', 'Flags'), ...EXEMPLARS, ...plain('Int32', 'AggregationTemporality'), ...plain('Bool', 'IsMonotonic')],
  histogram: [
    ...METRICS_COMMON, ...plain('UInt64', 'Count'), ...plain('Float64', 'Sum'), ...plain('Array(UInt64)', 'BucketCounts'), ...plain('Array(Float64)', 'ExplicitBounds'),
    ...EXEMPLARS, ...HISTOGRAM_TAIL,
  ],
  exponentialHistogram: [
    ...METRICS_COMMON, ...plain('UInt64', 'Count'), ...plain('Float64', 'Sum'), ...plain('Int32', 'Scale'), ...plain('UInt64', 'ZeroCount'),
    ...plain('Int32', 'PositiveOffset'), ...plain('Array(UInt64)', 'PositiveBucketCounts'), ...plain('Int32', 'NegativeOffset'), ...plain('Array(UInt64)', 'NegativeBucketCounts'),
    ...EXEMPLARS, ...HISTOGRAM_TAIL,
  ],
  summary: [...METRICS_COMMON, ...plain('UInt64', 'Count'), ...plain('Float64', 'Sum'), ...plain('Array(Float64)', 'ValueAtQuantiles.Quantile', 'ValueAtQuantiles.Value'), ...plain('UInt32', 'Flags')],
};
/** Ours (the collector's current key), then the keys of the layouts before it, which stay as they are. */
const METRICS_SORTING_KEYS = [
  'ServiceName, MetricName, toStartOfHour(TimeUnix), cityHash64(Attributes), TimeUnix',
  'ServiceName, MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix)',
  'MetricName, Attributes, toUnixTimestamp64Nano(TimeUnix)',
];

const ERROR_EVENTS: ExpectedColumn[] = [
  ...plain('DateTime64(9)', 'Timestamp'),
  ...plain('String', 'EventId', 'Fingerprint'),
  ...plain(LC, 'Source', 'ServiceName', 'ServiceVersion', 'Environment', 'Platform'),
  ...plain('String', 'ExceptionType', 'Message', 'NormalizedMessage', 'StackTrace', 'Culprit'),
  ...plain(LC, 'Severity'),
  ...plain('String', 'TraceId', 'SpanId', 'UserId', 'InstallationId', 'DeviceId', 'SessionId'),
  ...plain('UInt32', 'Occurrences'),
];

const argMax = 'AggregateFunction(argMax, String, DateTime64(9))';
const ISSUE_STATS: ExpectedColumn[] = [
  ...plain('String', 'Fingerprint'),
  ...plain('SimpleAggregateFunction(min, DateTime64(9))', 'FirstSeen'),
  ...plain('SimpleAggregateFunction(max, DateTime64(9))', 'LastSeen'),
  ...plain('SimpleAggregateFunction(sum, UInt64)', 'Events'),
  ...plain('SimpleAggregateFunction(max, UInt8)', 'SeverityRank'),
  ...plain('AggregateFunction(uniq, Nullable(String))', 'Users'),
  ...plain('AggregateFunction(groupUniqArray(100), String)', 'Versions'),
  ...plain('AggregateFunction(groupUniqArray(20), String)', 'Services', 'Environments'),
  ...plain(argMax, 'LatestEventId', 'LatestType', 'LatestMessage', 'LatestCulprit', 'LatestService', 'LatestEnvironment'),
];

const ISSUE_DAILY: ExpectedColumn[] = [
  ...plain('String', 'Fingerprint'),
  ...plain('Date', 'Day'),
  ...plain(LC, 'Severity'),
  ...plain('UInt64', 'Events'),
];

const ISSUE_STATE: ExpectedColumn[] = [
  ...plain('String', 'Fingerprint'),
  ...plain(LC, 'Status', 'Severity'),
  ...plain('DateTime64(3)', 'FirstSeen'),
  ...plain('String', 'ResolvedInVersion'),
  ...plain('DateTime64(3)', 'ResolvedAt', 'IgnoreUntil'),
  ...plain('UInt64', 'IgnoreUntilEvents', 'IgnoreBaseEvents'),
  ...plain('String', 'Assignee'),
  ...plain('Array(Tuple(Time DateTime64(3), Author String, Text String))', 'Notes'),
  ...plain('DateTime64(3)', 'UpdatedAt'),
  ...plain('String', 'UpdatedBy'),
  ...plain('UInt64', 'Version'),
];

const AUDIT_LOG: ExpectedColumn[] = [
  ...plain('DateTime64(3)', 'Time'),
  ...plain('String', 'Id'),
  ...plain(LC, 'Actor', 'Action', 'EntityType'),
  ...plain('String', 'EntityId', 'Before', 'After'),
];

const view = (table: string, selects?: string): ExpectedTable => ({ table, view: true, selects, columns: [], sortingKeys: [''], partitionKeys: [''] });

/** Migration 5's issue views count an event as the occurrences it stands for; migration 3's counted rows. */
const SUMMED_EVENTS = 'sum(Occurrences)';

/** The control tables (migrations 3 and 5): error events, issue aggregates and state, the audit log. */
function controlTables(names: ReturnType<typeof tableNames>): ExpectedTable[] {
  return [
    { table: names.errorEvents, columns: ERROR_EVENTS, sortingKeys: ['Fingerprint, Timestamp'], partitionKeys: ['toDate(Timestamp)'] },
    { table: names.issueStats, columns: ISSUE_STATS, sortingKeys: ['Fingerprint'], partitionKeys: [''] },
    view(names.issueStatsMv, SUMMED_EVENTS),
    { table: names.issueDaily, columns: ISSUE_DAILY, sortingKeys: ['Fingerprint, Day, Severity'], partitionKeys: ['toYYYYMM(Day)'] },
    view(names.issueDailyMv, SUMMED_EVENTS),
    { table: names.issueState, columns: ISSUE_STATE, sortingKeys: ['Fingerprint'], partitionKeys: [''] },
    { table: names.auditLog, columns: AUDIT_LOG, sortingKeys: ['EntityType, EntityId, Time'], partitionKeys: ['toYYYYMM(Time)'] },
  ];
}

/** Every table and view the code expects, for these options. */
export function expectedTables(opts: SchemaOptions): ExpectedTable[] {
  const names = tableNames(opts);
  return [
    {
      table: names.traces,
      columns: TRACES,
      sortingKeys: [
        'ServiceName, SpanName, toDateTime(Timestamp), Timestamp',
        'ServiceName, SpanName, toDateTime(Timestamp)',
        'ServiceName, SpanName, toUnixTimestamp(Timestamp), TraceId',
      ],
      partitionKeys: ['toDate(Timestamp)'],
    },
    {
      table: names.traceIdTs,
      columns: TRACE_ID_TS,
      sortingKeys: ['(TraceId)', 'TraceId', 'TraceId, toUnixTimestamp(Start)'],
      partitionKeys: ['toStartOfWeek(Start)', ''],
    },
    { table: names.traceIdTsMv, view: true, columns: [], sortingKeys: [''], partitionKeys: [''] },
    {
      table: names.logs,
      columns: LOGS,
      sortingKeys: [
        'toStartOfFiveMinutes(Timestamp), ServiceName, Timestamp',
        'ServiceName, TimestampTime, Timestamp',
      ],
      partitionKeys: ['toDate(Timestamp)', 'toDate(TimestampTime)'],
    },
    ...(Object.keys(METRICS) as Array<keyof typeof METRICS>).map((kind): ExpectedTable => ({
      table: names[`metrics${kind[0]!.toUpperCase()}${kind.slice(1)}` as 'metricsGauge'],
      columns: METRICS[kind],
      sortingKeys: METRICS_SORTING_KEYS,
      partitionKeys: ['toDate(TimeUnix)'],
    })),
    ...controlTables(names),
  ];
}
