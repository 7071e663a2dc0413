/**
 * `GET /api/metrics/...` (admin token): the metrics a service reports, and the figures people read
 * from them (request rate, latency quantiles, gauges over time), computed in ClickHouse by the same
 * SQL as the bundled "Service metrics" dashboard (sql.ts).
 */
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import { validate } from '../../http/body.ts';
import { docs } from '../../http/openapi.ts';
import { ApiError, sendApiError } from '../../http/problem.ts';
import { metricTableNames } from '../../storage/clickhouse/schema/options.ts';
import { quoteIdent } from '../../storage/clickhouse/schema/sql.ts';
import { checkRange, instant } from '../params.ts';
import { Params } from '../tempo/conditions.ts';
import { exponentialQuantilesSql, gaugeSql, histogramQuantilesSql, rateSql, type MetricSqlParts } from './sql.ts';

export interface MetricRouteOptions {
  client: ClickHouseClient;
  database: string;
  /** The metrics tables' prefix, default `otel_metrics`. */
  metricsTable?: string;
  now?: () => number;
}

/** How far before `from` a cumulative series' previous point is looked for. */
const LOOKBACK_SECONDS = 3600;
/** Most steps one answer holds. */
const MAX_STEPS = 11_000;

const name = z.string().min(1).max(512);
const range = {
  from: instant.optional().describe('default: an hour before `to`'),
  to: instant.optional().describe('default: now'),
  step: z.coerce.number().int().min(1).max(86_400).optional().describe('seconds per point; default: the range / 120, at least 10'),
};
const series = {
  service: name,
  metric: name,
  groupBy: z.string().min(1).max(256).optional().describe("a data point attribute to split the series by (e.g. `http.route`); default: one series"),
};
const listQuery = z.strictObject({ service: name.optional(), from: range.from, to: range.to });
const rateQuery = z.strictObject({ ...series, ...range });
const quantileList = z.string().max(200).default('0.5,0.95,0.99').describe('comma-separated, each in [0, 1]').transform((text, ctx) => {
  const qs = text.split(',').map((s) => Number(s.trim()));
  if (qs.length === 0 || qs.length > 20 || qs.some((q) => !Number.isFinite(q) || q < 0 || q > 1)) {
    ctx.addIssue({ code: 'custom', message: 'must be up to 20 comma-separated numbers in [0, 1]' });
    return z.NEVER;
  }
  return qs;
});
const quantilesQuery = z.strictObject({ ...series, ...range, quantiles: quantileList });
const gaugeQuery = z.strictObject({ ...series, ...range });

type Window = { from: number; to: number; step: number };

export function registerMetricRoutes(app: FastifyInstance, options: MetricRouteOptions): void {
  const db = quoteIdent(options.database);
  const names = metricTableNames(options.metricsTable ?? 'otel_metrics');
  const tables = {
    gauge: `${db}.${quoteIdent(names.metricsGauge)}`,
    sum: `${db}.${quoteIdent(names.metricsSum)}`,
    histogram: `${db}.${quoteIdent(names.metricsHistogram)}`,
    exponentialHistogram: `${db}.${quoteIdent(names.metricsExponentialHistogram)}`,
    summary: `${db}.${quoteIdent(names.metricsSummary)}`,
  };
  const now = options.now ?? Date.now;

  /** The window in whole seconds, its step, checked. */
  const windowOf = (q: { from?: number; to?: number; step?: number }): Window => {
    checkRange(q.from, q.to);
    const to = Math.ceil((q.to ?? now()) / 1000);
    const from = Math.floor((q.from ?? to * 1000 - 3_600_000) / 1000);
    const step = q.step ?? Math.max(10, Math.ceil((to - from) / 120));
    if ((to - from) / step > MAX_STEPS) throw new ApiError(400, `at most ${MAX_STEPS} steps: widen the step`, 'step');
    return { from, to, step };
  };

  const partsOf = (p: Params, q: { service: string; metric: string; groupBy?: string; quantiles?: number[] }, w: Window): MetricSqlParts => ({
    tables,
    where: `ServiceName = ${p.bind(q.service, 'String')} AND MetricName = ${p.bind(q.metric, 'String')}`,
    from: `toDateTime(${p.bind(w.from, 'UInt32')})`,
    to: `toDateTime(${p.bind(w.to, 'UInt32')})`,
    lookFrom: `toDateTime(${p.bind(Math.max(0, w.from - LOOKBACK_SECONDS), 'UInt32')})`,
    step: p.bind(w.step, 'UInt32'),
    label: q.groupBy === undefined ? "''" : `Attributes[${p.bind(q.groupBy, 'String')}]`,
    quantiles: p.bind(q.quantiles ?? [0.5], 'Array(Float64)'),
  });

  const select = async <T>(query: string, params: Params): Promise<T[]> => {
    const result = await options.client.query({ query, format: 'JSONEachRow', query_params: params.values });
    return result.json<T>();
  };

  /** Rows of `t`, `label`, value columns, as one array of points per label. */
  const bySeries = <R extends { t: number | string; label: string }>(rows: R[], point: (r: R) => Record<string, unknown>) => {
    const out = new Map<string, Array<Record<string, unknown>>>();
    for (const r of rows) {
      let points = out.get(r.label);
      if (!points) out.set(r.label, (points = []));
      points.push({ t: new Date(Number(r.t) * 1000).toISOString(), ...point(r) });
    }
    return [...out].map(([label, points]) => ({ label, points }));
  };

  const number = (v: unknown): number | null => {
    if (v === null || v === undefined) return null;
    const n = typeof v === 'number' ? v : Number(v);
    return Number.isFinite(n) ? n : null;
  };

  app.get('/api/metrics', docs({
    summary: 'The metrics stored for a service (or all), with their kind, unit and last point', tag: 'read', query: listQuery,
    answers: { 200: '`{ metrics: [{ service, name, kind, unit, description, points, lastSeen }] }`' },
  }), async (request, reply) => {
    try {
      const q = validate(listQuery, request.query);
      const w = windowOf({ ...q, step: 86_400 });
      const p = new Params();
      const service = q.service === undefined ? '1' : `ServiceName = ${p.bind(q.service, 'String')}`;
      const from = p.bind(w.from, 'UInt32');
      const to = p.bind(w.to, 'UInt32');
      const part = (kind: string, table: string, extra = "''") => `SELECT ServiceName AS service, MetricName AS name, '${kind}' AS kind, any(MetricUnit) AS unit,
        any(MetricDescription) AS description, count() AS points, toUnixTimestamp(max(TimeUnix)) AS lastSeen, ${extra} AS detail
        FROM ${table} WHERE ${service} AND TimeUnix >= toDateTime(${from}) AND TimeUnix < toDateTime(${to}) GROUP BY service, name`;
      const rows = await select<{ service: string; name: string; kind: string; unit: string; description: string; points: string; lastSeen: number; detail: string }>(
        [
          part('gauge', tables.gauge),
          part('sum', tables.sum, "if(any(IsMonotonic), 'monotonic', 'non-monotonic')"),
          part('histogram', tables.histogram),
          part('exponentialHistogram', tables.exponentialHistogram),
          part('summary', tables.summary),
        ].map((part) => `(${part})`).join('\nUNION ALL\n').replace(/^/, 'SELECT * FROM (') + ')\nORDER BY service, name, kind',
        p,
      );
      return {
        metrics: rows.map((r) => ({
          service: r.service, name: r.name, kind: r.kind, ...(r.kind === 'sum' ? { monotonic: r.detail === 'monotonic' } : {}),
          unit: r.unit, description: r.description, points: Number(r.points), lastSeen: new Date(Number(r.lastSeen) * 1000).toISOString(),
        })),
      };
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  app.get('/api/metrics/rate', docs({
    summary: "A monotonic sum's rate per second (delta and cumulative points, counter resets handled)", tag: 'read', query: rateQuery,
    answers: { 200: '`{ step, series: [{ label, points: [{ t, rate }] }] }`' },
  }), async (request, reply) => {
    try {
      const q = validate(rateQuery, request.query);
      const w = windowOf(q);
      const p = new Params();
      const rows = await select<{ t: number; label: string; rate: number }>(rateSql(partsOf(p, q, w)), p);
      return { step: w.step, series: bySeries(rows, (r) => ({ rate: number(r.rate) })) };
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  app.get('/api/metrics/quantiles', docs({
    summary: "A histogram's quantiles per step (explicit buckets or exponential, whichever the metric is)", tag: 'read', query: quantilesQuery,
    answers: { 200: '`{ step, kind, series: [{ label, points: [{ t, quantiles: { "0.5": … } }] }] }`' },
    problems: { 404: 'no histogram of that name for that service in the range' },
  }), async (request, reply) => {
    try {
      const q = validate(quantilesQuery, request.query);
      const w = windowOf(q);
      const kind = await histogramKind(q.service, q.metric, w);
      if (!kind) throw new ApiError(404, `no histogram ${JSON.stringify(q.metric)} for service ${JSON.stringify(q.service)} in the range`, 'metric');
      const p = new Params();
      const parts = partsOf(p, q, w);
      const rows = await select<{ t: number; label: string; q: number; value: number | string }>(kind === 'histogram' ? histogramQuantilesSql(parts) : exponentialQuantilesSql(parts), p);
      // One point per step: its quantiles side by side.
      const merged = new Map<string, { t: number; label: string; quantiles: Record<string, number | null> }>();
      for (const r of rows) {
        const key = `${r.label}\u0000${r.t}`;
        let row = merged.get(key);
        if (!row) merged.set(key, (row = { t: r.t, label: r.label, quantiles: {} }));
        row.quantiles[String(r.q)] = number(r.value);
      }
      return { step: w.step, kind, series: bySeries([...merged.values()], (r) => ({ quantiles: r.quantiles })) };
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  app.get('/api/metrics/gauge', docs({
    summary: 'A gauge (or a non-monotonic sum) per step: average, minimum, maximum, last', tag: 'read', query: gaugeQuery,
    answers: { 200: '`{ step, series: [{ label, points: [{ t, avg, min, max, last }] }] }`' },
  }), async (request, reply) => {
    try {
      const q = validate(gaugeQuery, request.query);
      const w = windowOf(q);
      const p = new Params();
      const rows = await select<{ t: number; label: string; avg: number; min: number; max: number; last: number }>(gaugeSql(partsOf(p, q, w)), p);
      const p2 = new Params();
      const sums = rows.length ? [] : await select<{ t: number; label: string; avg: number; min: number; max: number; last: number }>(gaugeSql(partsOf(p2, q, w), 'sum'), p2);
      return { step: w.step, series: bySeries(rows.length ? rows : sums, (r) => ({ avg: number(r.avg), min: number(r.min), max: number(r.max), last: number(r.last) })) };
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  /** Which histogram table holds the metric in the window, if any. */
  async function histogramKind(service: string, metric: string, w: Window): Promise<'histogram' | 'exponentialHistogram' | undefined> {
    const p = new Params();
    const where = `ServiceName = ${p.bind(service, 'String')} AND MetricName = ${p.bind(metric, 'String')} AND TimeUnix >= toDateTime(${p.bind(Math.max(0, w.from - LOOKBACK_SECONDS), 'UInt32')}) AND TimeUnix < toDateTime(${p.bind(w.to, 'UInt32')})`;
    const [found] = await select<{ kind: string }>(
      `SELECT 'histogram' AS kind FROM ${tables.histogram} WHERE ${where} LIMIT 1 UNION ALL SELECT 'exponentialHistogram' AS kind FROM ${tables.exponentialHistogram} WHERE ${where} LIMIT 1`,
      p,
    );
    return found?.kind as 'histogram' | 'exponentialHistogram' | undefined;
  }
}
