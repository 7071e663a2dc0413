/**
 * The metrics queries on stored data with known answers: counter rates from cumulative series
 * (with a reset, a series that starts in the window, two instances of one series) and from delta
 * points, quantiles of explicit-bucket and exponential histograms (points of two scales and
 * negative buckets merged), gauges per step; through `GET /api/metrics/...` and through the
 * bundled "Service metrics" dashboard's SQL with Grafana's macros expanded.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { serviceMetricsText } from '../scripts/build-dashboards.ts';
import { rows, startGateway } from './support/gateway.ts';

const ADMIN = 'admin-token-for-metrics';
let gateway: Gateway;

/** The window's start: a whole minute, 30 minutes ago; points at T + 0, 60, 120, 180 s. */
const T = Math.floor(Date.now() / 60_000) * 60 - 1800;
const ns = (s: number) => String(BigInt(s) * 1_000_000_000n);
const kv = (o: Record<string, string>) => Object.entries(o).map(([key, v]) => ({ key, value: { stringValue: v } }));
const point = (t: number, start: number, extra: Record<string, unknown>, attributes: Record<string, string> = {}) =>
  ({ timeUnixNano: ns(t), startTimeUnixNano: ns(start), attributes: kv(attributes), ...extra });

function request(instance: string, metrics: unknown[]) {
  return { resourceMetrics: [{ resource: { attributes: kv({ 'service.name': 'checkout', 'service.instance.id': instance }) }, scopeMetrics: [{ scope: { name: 'm' }, metrics }] }] };
}

const long = T - 7200; // a series that started long before the window: its first point is a baseline
const requests1 = { name: 'http.requests', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [
  point(T, long, { asDouble: 100 }, { route: '/a' }),
  point(T + 60, long, { asDouble: 160 }, { route: '/a' }),
  point(T + 120, long, { asDouble: 40 }, { route: '/a' }), // a reset without a new start time
  point(T + 180, long, { asDouble: 100 }, { route: '/a' }),
  point(T + 60, long, { asDouble: 10 }, { route: '/b' }),
  point(T + 120, long, { asDouble: 70 }, { route: '/b' }),
] } };
const requests2 = { name: 'http.requests', sum: { aggregationTemporality: 2, isMonotonic: true, dataPoints: [
  // Another instance's series of the same route, started inside the window.
  point(T + 60, T + 30, { asDouble: 30 }, { route: '/a' }),
  point(T + 120, T + 30, { asDouble: 90 }, { route: '/a' }),
] } };
const jobs = { name: 'jobs.done', sum: { aggregationTemporality: 1, isMonotonic: true, dataPoints: [
  point(T, T - 60, { asInt: '6' }), point(T + 60, T, { asInt: '12' }),
] } };
const latency = { name: 'http.duration', unit: 's', histogram: { aggregationTemporality: 2, dataPoints: [
  point(T, long, { count: '40', sum: 20, bucketCounts: ['10', '20', '10', '0'], explicitBounds: [0.1, 0.5, 1] }),
  point(T + 60, long, { count: '100', sum: 60, bucketCounts: ['20', '40', '30', '10'], explicitBounds: [0.1, 0.5, 1] }),
] } };
const sizes = { name: 'payload.size', exponentialHistogram: { aggregationTemporality: 1, dataPoints: [
  point(T + 60, T, { count: '10', scale: 1, zeroCount: '2', positive: { offset: 0, bucketCounts: ['4', '4'] } }),
  point(T + 70, T + 60, { count: '3', scale: 0, positive: { offset: 1, bucketCounts: ['2'] }, negative: { offset: -1, bucketCounts: ['1'] } }),
] } };
const temperature = { name: 'cpu.temperature', gauge: { dataPoints: [
  point(T, 0, { asDouble: 20 }), point(T + 30, 0, { asDouble: 22 }), point(T + 60, 0, { asDouble: 25 }), point(T + 70, 0, { flags: 1 }),
] } };

beforeAll(async () => {
  gateway = await startGateway({ auth: { adminTokens: [ADMIN] } });
  for (const body of [request('i-1', [requests1, jobs, latency, sizes, temperature]), request('i-2', [requests2])]) {
    const res = await fetch(`${gateway.url}/v1/metrics`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
  }
  expect(await gateway.flush()).toBe(true);
});
afterAll(() => gateway?.shutdown());

async function api(path: string, query: Record<string, string | number>): Promise<any> {
  const window = { from: (T * 1000).toString(), to: ((T + 240) * 1000).toString(), ...(path === '/api/metrics' ? {} : { step: '60' }) };
  const qs = new URLSearchParams(Object.entries({ ...window, ...query }).map(([k, v]) => [k, String(v)]));
  const res = await fetch(`${gateway.url}${path}?${qs}`, { headers: { authorization: `Bearer ${ADMIN}` } });
  const body = await res.json();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

const at = (i: number) => new Date((T + i * 60) * 1000).toISOString();

describe('GET /api/metrics/…', () => {
  it('lists a service\'s metrics with their kinds', async () => {
    const { metrics } = await api('/api/metrics', { service: 'checkout' });
    expect(metrics.map((m: { name: string; kind: string }) => [m.name, m.kind])).toEqual([
      ['cpu.temperature', 'gauge'], ['http.duration', 'histogram'], ['http.requests', 'sum'], ['jobs.done', 'sum'], ['payload.size', 'exponentialHistogram'],
    ]);
    expect(metrics.find((m: { name: string }) => m.name === 'http.requests')).toMatchObject({ monotonic: true, points: 8 });
  });

  it('computes a cumulative counter\'s rate: baseline, reset, a series started in the window, two instances', async () => {
    const { series } = await api('/api/metrics/rate', { service: 'checkout', metric: 'http.requests', groupBy: 'route' });
    const rates = Object.fromEntries(series.map((s: { label: string; points: Array<{ t: string; rate: number }> }) => [s.label, s.points.map((p) => [p.t, Number(p.rate.toFixed(4))])]));
    expect(rates).toEqual({
      // i-1: baseline 100, +60, reset to 40 (+40), +60; i-2 started at T+30: +30, +60
      '/a': [[at(0), 0], [at(1), 1.5], [at(2), 1.6667], [at(3), 1]],
      '/b': [[at(1), 0], [at(2), 1]],
    });
    const total = await api('/api/metrics/rate', { service: 'checkout', metric: 'http.requests' });
    expect(total.series).toHaveLength(1);
    expect(total.series[0].points.map((p: { rate: number }) => Number(p.rate.toFixed(4)))).toEqual([0, 1.5, 2.6667, 1]);
  });

  it('computes a delta counter\'s rate from its points as they are', async () => {
    const { series } = await api('/api/metrics/rate', { service: 'checkout', metric: 'jobs.done' });
    expect(series).toEqual([{ label: '', points: [{ t: at(0), rate: 0.1 }, { t: at(1), rate: 0.2 }] }]);
  });

  it('computes quantiles of an explicit-bucket histogram from the increase of its buckets', async () => {
    const body = await api('/api/metrics/quantiles', { service: 'checkout', metric: 'http.duration', quantiles: '0.5,0.75,0.95' });
    expect(body.kind).toBe('histogram');
    // T+60 increased by [10, 20, 20, 10]: the median ends the second bucket, 0.75 is inside the third, 0.95 in +Inf.
    expect(body.series).toEqual([{ label: '', points: [{ t: at(1), quantiles: { '0.5': 0.5, '0.75': 0.875, '0.95': 1 } }] }]);
  });

  it('computes quantiles of an exponential histogram, merging two scales and negative buckets', async () => {
    const body = await api('/api/metrics/quantiles', { service: 'checkout', metric: 'payload.size', quantiles: '0.05,0.5,0.99' });
    expect(body.kind).toBe('exponentialHistogram');
    // At scale 0: [-1, -0.5) ×1, zero ×2, (1, 2] ×8, (2, 4] ×2.
    const [{ points }] = body.series;
    expect(points).toHaveLength(1);
    expect(points[0].t).toBe(at(1));
    expect(points[0].quantiles['0.05']).toBeCloseTo(-0.675, 9);
    expect(points[0].quantiles['0.5']).toBeCloseTo(1.4375, 9);
    expect(points[0].quantiles['0.99']).toBeCloseTo(2 + 2 * (12.87 - 11) / 2, 9);
  });

  it('computes a gauge per step, leaving out points without a recorded value', async () => {
    const { series } = await api('/api/metrics/gauge', { service: 'checkout', metric: 'cpu.temperature' });
    expect(series).toEqual([{ label: '', points: [{ t: at(0), avg: 21, min: 20, max: 22, last: 22 }, { t: at(1), avg: 25, min: 25, max: 25, last: 25 }] }]);
  });

  it('answers problems for bad parameters and an unknown histogram, and 401 without a token', async () => {
    const get = (query: string, auth = true) => fetch(`${gateway.url}/api/metrics/quantiles?${query}`, { headers: auth ? { authorization: `Bearer ${ADMIN}` } : {} });
    expect((await get('service=checkout&metric=nope')).status).toBe(404);
    const bad = await get('service=checkout&metric=http.duration&quantiles=2');
    expect(bad.status).toBe(400);
    expect((await bad.json()).detail ?? '').toMatch(/\[0, 1\]/);
    expect((await get('service=checkout&metric=http.duration&from=5000&to=1000')).status).toBe(400);
    expect((await get('service=checkout&metric=http.duration&from=0&to=99999999999&step=1')).status).toBe(400);
    expect((await get('service=checkout&metric=http.duration', false)).status).toBe(401);
  });
});

describe('the Service metrics dashboard', () => {
  const dashboard = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'dashboards', 'grafana', 'dashboards', 'otelhouse-service-metrics.json'), 'utf8')) as {
    panels: Array<{ title: string; targets: Array<{ rawSql: string }> }>;
    templating: { list: Array<{ name: string; query: string }> };
  };
  /** Grafana's macros and this dashboard's variables, as the ClickHouse plugin expands them. */
  const expand = (sql: string, vars: Record<string, string>) =>
    sql
      .replace(/\$__timeFilter\(([^)]+)\)/g, (_m, c: string) => `${c} >= toDateTime(${T}) AND ${c} <= toDateTime(${T + 240})`)
      .replace(/\$__fromTime/g, `toDateTime(${T})`)
      .replace(/\$__toTime/g, `toDateTime(${T + 240})`)
      .replace(/\$__interval_s/g, '60')
      .replace(/\$\{(\w+):singlequote\}/g, (_m, name: string) => `'${vars[name]}'`)
      .replace(/\$(\w+)/g, (_m, name: string) => vars[name] ?? `$${name}`);
  const panel = (title: string, vars: Record<string, string>) => expand(dashboard.panels.find((p) => p.title === title)!.targets[0]!.rawSql, vars);

  it('is the file `npm run build:dashboards` writes from the API\'s SQL', () => {
    expect(readFileSync(join(import.meta.dirname, '..', 'dashboards', 'grafana', 'dashboards', 'otelhouse-service-metrics.json'), 'utf8')).toBe(serviceMetricsText());
  });

  it('lists services and metrics of each kind in its variables', async () => {
    const values = async (name: string, vars: Record<string, string> = {}) =>
      (await rows<Record<string, string>>(gateway, expand(dashboard.templating.list.find((v) => v.name === name)!.query, vars))).map((r) => Object.values(r)[0]);
    expect(await values('service')).toContain('checkout');
    expect(await values('counter', { service: 'checkout' })).toEqual(['http.requests', 'jobs.done']);
    expect(await values('histogram', { service: 'checkout' })).toEqual(['http.duration', 'payload.size']);
    expect(await values('gauge', { service: 'checkout' })).toEqual(['cpu.temperature']);
  });

  it('shows the same rates, quantiles and gauges as the API', async () => {
    const rate = await rows<{ t: number; rate: number }>(gateway, panel('Rate per second', { service: 'checkout', counter: 'http.requests' }));
    expect(rate.map((r) => Number(Number(r.rate).toFixed(4)))).toEqual([0, 1.5, 2.6667, 1]);
    const explicit = await rows<{ q: number; value: number }>(gateway, panel('Latency quantiles', { service: 'checkout', histogram: 'http.duration' }));
    expect(explicit.map((r) => [r.q, r.value])).toEqual([[0.5, 0.5], [0.95, 1], [0.99, 1]]);
    const exponential = await rows<{ q: number; value: number }>(gateway, panel('Latency quantiles', { service: 'checkout', histogram: 'payload.size' }));
    expect(exponential.map((r) => r.q)).toEqual([0.5, 0.95, 0.99]);
    expect(Number(exponential[0]!.value)).toBeCloseTo(1.4375, 9);
    const gauge = await rows<{ avg: number }>(gateway, panel('Gauge', { service: 'checkout', gauge: 'cpu.temperature' }));
    expect(gauge.map((r) => Number(r.avg))).toEqual([21, 25]);
  });
});
