import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { post, uniqueSpans } from './support/payloads.ts';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ protection: { rateLimits: [{ key: 'service.name', recordsPerSecond: 10, burst: 20 }] } });
});
afterAll(() => gateway?.shutdown());

const spans = uniqueSpans;
const count = async (service: string) =>
  (await rows<{ n: string }>(gateway, `SELECT toString(count()) AS n FROM otel_traces WHERE ServiceName = '${service}'`))[0].n;

describe('retried requests', () => {
  it('acknowledges an exact retry again without storing its spans twice', async () => {
    const body = gzipSync(spans('retried', 5));
    const headers = { 'content-encoding': 'gzip' };
    const first = await post(gateway.url, '/v1/traces', body, headers);
    const retry = await post(gateway.url, '/v1/traces', body, headers);
    expect([first.status, retry.status]).toEqual([200, 200]);
    expect(await retry.text()).toBe(await first.text());
    expect(await count('retried')).toBe('5');
  });

  it('stores concurrent identical requests once', async () => {
    const body = spans('concurrent', 4);
    const responses = await Promise.all([1, 2, 3].map(() => post(gateway.url, '/v1/traces', body)));
    expect(responses.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await count('concurrent')).toBe('4');
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).toMatch(/otelhouse_receiver_requests_deduplicated_total\{signal="traces"\} 3/);
  });
});

describe('rate limits', () => {
  it('answers 429 with Retry-After once a service exceeds its records per second, per service', async () => {
    expect((await post(gateway.url, '/v1/traces', spans('noisy', 15))).status).toBe(200);
    const limited = await post(gateway.url, '/v1/traces', spans('noisy', 15));
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(await limited.json()).toEqual({ code: 8, message: 'rate limit exceeded: service.name "noisy" is over 10 records/s (burst 20); retry in 1 s' });
    expect((await post(gateway.url, '/v1/traces', spans('quiet', 15))).status).toBe(200);
    expect(await count('noisy')).toBe('15');
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/otelhouse_receiver_requests_rejected_total\{signal="traces",reason="rate_limited"\} 1/);
    expect(metrics).toMatch(/otelhouse_receiver_records_rate_limited_total\{signal="traces"\} 15/);
  });

  it('admits the service again once its bucket refills', async () => {
    await new Promise((r) => setTimeout(r, 1600));
    expect((await post(gateway.url, '/v1/traces', spans('noisy', 15))).status).toBe(200);
  });
});
