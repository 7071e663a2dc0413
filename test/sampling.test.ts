import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { logsRequest, post, traceRequest, type SpanSpec } from './support/payloads.ts';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ processors: [{ type: 'sampling', percentage: 10, rules: [{ service: 'thirds', percentage: 30 }] }] });
});
afterAll(() => gateway?.shutdown());

// Seeded pseudo-random IDs: trace-ID randomness like real SDKs', but the same every run, so the
// statistical bounds below are checked against fixed data and cannot fail by chance.
let seed = 0x9e3779b9;
function nextWord(): number {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return (t ^ (t >>> 14)) >>> 0;
}
const hex = (bytes: number) => Array.from({ length: bytes / 4 }, () => nextWord().toString(16).padStart(8, '0')).join('');

async function sendSpans(service: string, total: number, perRequest = 10_000, error = (_i: number) => false): Promise<void> {
  for (let sent = 0; sent < total; sent += perRequest) {
    const spans: SpanSpec[] = Array.from({ length: Math.min(perRequest, total - sent) }, (_, i) => ({
      traceId: hex(16), spanId: hex(8), name: 'GET /items', start: '1700000000000000000', end: '1700000000001000000',
      status: error(sent + i) ? { code: 2 } : undefined,
    }));
    expect((await post(gateway.url, '/v1/traces', traceRequest(service, spans))).status).toBe(200);
  }
}

/** The weighted count a dashboard computes over the stored rows, as text (ClickHouse JSON quotes UInt64). */
const spanCounts = async (service: string) =>
  (await rows<{ stored: string; weighted: string; weightedFloat: number }>(gateway, `
    SELECT toString(count()) AS stored,
           toString(sum(toUInt64OrDefault(SpanAttributes['SampleRate'], toUInt64(1)))) AS weighted,
           sum(toFloat64OrDefault(SpanAttributes['SampleRate'], 1.)) AS weightedFloat
    FROM otel_traces WHERE ServiceName = '${service}'`))[0];

describe('weighted counts over sampled rows in ClickHouse', () => {
  it('reproduce the true total of 100k spans sampled at 10% within 3%', async () => {
    await sendSpans('checkout', 100_000);
    const { stored, weighted } = await spanCounts('checkout');
    expect(Number(stored)).toBeLessThan(11_000);
    expect(Math.abs(Number(weighted) - 100_000) / 100_000).toBeLessThan(0.03);
  });

  it('count errors kept at 100% once, and store their rate only on sampled rows', async () => {
    await sendSpans('payments', 20_000, 10_000, (i) => i % 10 === 0);
    const { weighted } = await spanCounts('payments');
    expect(Math.abs(Number(weighted) - 20_000) / 20_000).toBeLessThan(0.03);
    const [errors] = await rows<{ n: string; withRate: string }>(gateway,
      `SELECT toString(count()) AS n, toString(countIf(mapContains(SpanAttributes, 'SampleRate'))) AS withRate FROM otel_traces WHERE ServiceName = 'payments' AND StatusCode = 'Error'`);
    expect(errors).toEqual({ n: '2000', withRate: '0' });
  });

  it('store the threshold in TraceState and an integer SampleRate for 1-in-N rates', async () => {
    const [row] = await rows<{ TraceState: string; rate: string }>(gateway,
      `SELECT TraceState, SpanAttributes['SampleRate'] AS rate FROM otel_traces WHERE ServiceName = 'checkout' LIMIT 1`);
    expect(row).toEqual({ TraceState: 'ot=th:e666', rate: '10' });
  });

  it('need the float form of the weighted count for rates that are not 1-in-N', async () => {
    await sendSpans('thirds', 20_000);
    const { weightedFloat } = await spanCounts('thirds');
    expect(Math.abs(weightedFloat - 20_000) / 20_000).toBeLessThan(0.03);
  });

  it('reproduce the true total of logs without trace IDs', async () => {
    const logs = Array.from({ length: 20_000 }, (_, i) => ({ time: String(1_700_000_000_000_000_000n + BigInt(i)), severityNumber: 9, severityText: 'INFO', body: `job ${i} done` }));
    expect((await post(gateway.url, '/v1/logs', logsRequest('worker', logs))).status).toBe(200);
    const [row] = await rows<{ weighted: string }>(gateway,
      `SELECT toString(sum(toUInt64OrDefault(LogAttributes['SampleRate'], toUInt64(1)))) AS weighted FROM otel_logs WHERE ServiceName = 'worker'`);
    expect(Math.abs(Number(row.weighted) - 20_000) / 20_000).toBeLessThan(0.03);
  });
});
