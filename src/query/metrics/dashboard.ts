/**
 * The bundled Grafana "Service metrics" dashboard, built from the same SQL as `/api/metrics/...`
 * with Grafana's macros and the dashboard's variables in place of bound parameters.
 * `npm run build:dashboards` writes it to `dashboards/grafana/dashboards/otelhouse-service-metrics.json`;
 * a test checks that the committed file is what this builds.
 */
import { exponentialQuantilesSql, gaugeSql, histogramQuantilesSql, rateSql, type MetricSqlParts } from './sql.ts';

const datasource = { type: 'grafana-clickhouse-datasource', uid: 'otelhouse-clickhouse' };

/** The SQL parts for a panel on metric variable `variable`. */
const parts = (variable: string): MetricSqlParts => ({
  tables: { sum: 'otel_metrics_sum', gauge: 'otel_metrics_gauge', histogram: 'otel_metrics_histogram', exponentialHistogram: 'otel_metrics_exponential_histogram' },
  where: `ServiceName = \${service:singlequote} AND MetricName = \${${variable}:singlequote}`,
  from: '$__fromTime',
  to: '$__toTime',
  lookFrom: '($__fromTime - INTERVAL 1 HOUR)',
  step: '$__interval_s',
  label: "''",
  quantiles: '[0.5, 0.95, 0.99]',
});

const variable = (name: string, label: string, query: string, multi = false) => ({
  name, label, type: 'query', datasource, multi, includeAll: false, query, refresh: 2,
});

const panel = (id: number, title: string, unit: string, rawSql: string, gridPos: { x: number; y: number; w: number; h: number }) => ({
  id, type: 'timeseries', title, datasource, gridPos,
  fieldConfig: { defaults: { unit }, overrides: [] },
  targets: [{ datasource, editorType: 'sql', format: 0, queryType: 'timeseries', rawSql, refId: 'A' }],
});

const metricNames = (table: string, extra = '') =>
  `SELECT DISTINCT MetricName FROM ${table} WHERE ServiceName = \${service:singlequote} AND $__timeFilter(TimeUnix)${extra} ORDER BY MetricName`;

export function serviceMetricsDashboard() {
  return {
    uid: 'otelhouse-service-metrics',
    title: 'otelhouse — Service metrics',
    tags: ['otelhouse', 'opentelemetry', 'metrics'],
    timezone: 'browser',
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    templating: {
      list: [
        variable('service', 'Service', ['sum', 'gauge', 'histogram', 'exponential_histogram'].map((k) => `SELECT DISTINCT ServiceName FROM otel_metrics_${k} WHERE $__timeFilter(TimeUnix)`).join(' UNION DISTINCT ') + ' ORDER BY ServiceName'),
        variable('counter', 'Counter', metricNames('otel_metrics_sum', ' AND IsMonotonic')),
        variable('histogram', 'Histogram', `SELECT MetricName FROM (${metricNames('otel_metrics_histogram')} UNION DISTINCT ${metricNames('otel_metrics_exponential_histogram')}) ORDER BY MetricName`),
        variable('gauge', 'Gauge', metricNames('otel_metrics_gauge')),
      ],
    },
    panels: [
      panel(1, 'Rate per second', 'ops', `SELECT toDateTime(t) AS time, rate FROM (\n${rateSql(parts('counter'))}\n) ORDER BY time`, { x: 0, y: 0, w: 12, h: 8 }),
      panel(2, 'Latency quantiles', '', `SELECT toDateTime(t) AS time, q, concat('p', toString(q * 100)) AS quantile, value FROM (\n${histogramQuantilesSql(parts('histogram'))}\nUNION ALL\n${exponentialQuantilesSql(parts('histogram'))}\n) ORDER BY time, q`, { x: 12, y: 0, w: 12, h: 8 }),
      panel(3, 'Gauge', '', `SELECT toDateTime(t) AS time, avg, min, max FROM (\n${gaugeSql(parts('gauge'))}\n) ORDER BY time`, { x: 0, y: 8, w: 24, h: 8 }),
    ],
  };
}
