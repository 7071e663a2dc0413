import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import * as sdk from '../src/sdk/node/index.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';

// Client-side sampling (issue 14, point 2) in Node against the real gateway: a policy's rates
// apply in the SDK, kept records carry OTEP 235 thresholds that the gateway turns into SampleRate
// (so weighted counts are right), errors are always kept, whole traces are kept or dropped, and a
// throttled policy lets at most N records a minute per event name through, counting the rest.

const INGEST = 'sdk-sampling-ingest';
const ADMIN = 'sdk-sampling-admin';
let gateway: Gateway;
const dirs: Array<{ remove: () => void }> = [];

beforeAll(async () => {
  gateway = await startGateway({ auth: { ingestTokens: [INGEST], adminTokens: [ADMIN] } });
});
afterEach(async () => {
  await sdk.shutdown(5000);
});
afterAll(async () => {
  await gateway?.shutdown();
  for (const d of dirs) d.remove();
});

async function policy(service: string, sampling: Record<string, number>): Promise<void> {
  const res = await fetch(`${gateway.url}/api/policies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: service, targeting: { services: [service] }, settings: { sampling } }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
}

async function start(service: string): Promise<void> {
  const d = tempDataDir('otelhouse-sdk-sampling-');
  dirs.push(d);
  await sdk.init({ endpoint: gateway.url, token: INGEST, service, dataDir: d.dir, batchDelayMs: 100, handleProcessEvents: false });
  const deadline = Date.now() + 20_000;
  while (sdk.health().config.etag === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  expect(sdk.health().config.etag).toBeDefined();
}

describe('SDK sampling from the collection policy', () => {
  it('keeps about 10 % of logs, each with its threshold, so the weighted count is the number made; errors all kept', async () => {
    const service = `sampling-logs-${randomUUID()}`;
    await policy(service, { logsPercentage: 10 });
    await start(service);
    expect(sdk.health().sampling).toMatchObject({ logsPercentage: 10, tracesPercentage: 100 });
    // 100,000 rather than 20,000: at 10 % the weighted count's standard deviation is then 0.95 %,
    // so ±5 % is 5 of them and the check cannot fail by chance (at 20,000 it would, 1 run in 55).
    const made = 100_000;
    for (let i = 0; i < made; i++) sdk.log('info', 'page viewed', { i });
    for (let i = 0; i < 50; i++) sdk.log('error', 'payment failed', { i });
    expect(await sdk.flush(60_000)).toBe(true);
    const [kept] = await rows<{ n: string; weighted: string; thresholds: string; rates: string }>(gateway, `SELECT count() AS n,
      sum(toFloat64OrDefault(LogAttributes['SampleRate'], 1.)) AS weighted, groupUniqArray(LogAttributes['sampling.threshold']) AS thresholds,
      groupUniqArray(LogAttributes['SampleRate']) AS rates FROM otel_logs WHERE ServiceName = '${service}' AND Body = 'page viewed'`);
    expect(Number(kept!.n)).toBeGreaterThan(9_000);
    expect(Number(kept!.n)).toBeLessThan(11_000);
    expect(Math.abs(Number(kept!.weighted) / made - 1)).toBeLessThanOrEqual(0.05);
    expect(kept!.thresholds).toEqual(['e6666666666666']);
    expect(kept!.rates).toEqual(['10']);
    expect(sdk.health().sampling.sampledOut).toBe(made - Number(kept!.n));
    const [errors] = await rows<{ n: string; rates: string }>(gateway, `SELECT count() AS n, groupUniqArray(LogAttributes['SampleRate']) AS rates FROM otel_logs WHERE ServiceName = '${service}' AND Body = 'payment failed'`);
    expect({ n: Number(errors!.n), rates: errors!.rates }).toEqual({ n: 50, rates: [''] });
  }, 120_000);

  it('keeps or drops whole traces at the traces rate, their logs with them, and keeps failed spans of dropped traces', async () => {
    const service = `sampling-traces-${randomUUID()}`;
    await policy(service, { tracesPercentage: 25, logsPercentage: 25 });
    await start(service);
    const traces = 2_000;
    for (let i = 0; i < traces; i++) {
      sdk.trace('checkout', () => {
        sdk.trace('charge card', (span) => {
          sdk.log('info', 'charging', { i });
          if (i % 100 === 0) span.setStatus({ code: 2, message: 'declined' });
        });
      });
    }
    expect(await sdk.flush(60_000)).toBe(true);
    const spans = await rows<{ trace: string; name: string; rate: string; state: string }>(gateway, `SELECT TraceId AS trace, SpanName AS name, SpanAttributes['SampleRate'] AS rate, TraceState AS state
      FROM otel_traces WHERE ServiceName = '${service}'`);
    const byTrace = new Map<string, string[]>();
    for (const s of spans) byTrace.set(s.trace, [...(byTrace.get(s.trace) ?? []), s.name]);
    const whole = [...byTrace.values()].filter((names) => names.length === 2);
    // 500 expected (standard deviation 19).
    expect(whole.length).toBeGreaterThan(400);
    expect(whole.length).toBeLessThan(600);
    const lone = [...byTrace.entries()].filter(([, names]) => names.length === 1);
    // Every 100th child failed: those of dropped traces are kept alone, counted once (no SampleRate, no threshold).
    expect(lone.length).toBeGreaterThan(5);
    for (const [trace] of lone) {
      const span = spans.find((s) => s.trace === trace)!;
      expect([span.name, span.rate, span.state]).toEqual(['charge card', '', '']);
    }
    for (const s of spans.filter((x) => byTrace.get(x.trace)!.length === 2)) expect([s.rate, s.state]).toEqual(['4', 'ot=th:c']);
    // A log made inside a trace shares the trace's fate.
    const logs = await rows<{ trace: string }>(gateway, `SELECT TraceId AS trace FROM otel_logs WHERE ServiceName = '${service}' AND Body = 'charging'`);
    const logTraces = new Set(logs.map((l) => l.trace.toLowerCase()));
    const keptTraces = new Set([...byTrace.entries()].filter(([, n]) => n.length === 2).map(([t]) => t.toLowerCase()));
    expect(logTraces).toEqual(keptTraces);
  }, 120_000);

  it('throttles to N records a minute per event name, counting and reporting the rest', async () => {
    const service = `sampling-throttle-${randomUUID()}`;
    await policy(service, { logsPerMinute: 5 });
    await start(service);
    for (let i = 0; i < 100; i++) {
      sdk.log('info', 'scrolled', { i });
      sdk.log('info', 'hovered', { i });
      sdk.log('error', 'crashed', { i });
    }
    expect(await sdk.flush(30_000)).toBe(true);
    const stored = await rows<{ body: string; n: string }>(gateway, `SELECT Body AS body, toString(count()) AS n FROM otel_logs WHERE ServiceName = '${service}' AND Body IN ('scrolled', 'hovered', 'crashed') GROUP BY Body ORDER BY Body`);
    const n = Object.fromEntries(stored.map((r) => [r.body, Number(r.n)]));
    // At most 5 a minute: 10 if the burst straddles a minute.
    expect(n.crashed).toBe(100);
    for (const name of ['hovered', 'scrolled']) expect(n[name]).toBeGreaterThanOrEqual(5), expect(n[name]).toBeLessThanOrEqual(10);
    const throttled = 200 - n.hovered! - n.scrolled!;
    expect(sdk.health().dropped.throttled).toBe(throttled);
    // The drop report reaches the gateway with a later batch.
    sdk.log('info', 'after');
    expect(await sdk.flush(30_000)).toBe(true);
    const [report] = await rows<{ throttled: string }>(gateway, `SELECT sum(toUInt64OrZero(LogAttributes['otelhouse.dropped.throttled'])) AS throttled FROM otel_logs WHERE ServiceName = '${service}' AND Body = 'records dropped on the client'`);
    expect(Number(report!.throttled)).toBe(throttled);
  }, 60_000);
});
