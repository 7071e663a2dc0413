import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { logsRequest, post } from './support/payloads.ts';

// A batch resent after its answer was lost is stored once (issue 13, point 7, gateway side): the
// SDK stamps each batch with an id, the gateway remembers acknowledged ids across restarts.

const data = tempDataDir();
const runId = randomUUID();
let gateway: Gateway;

afterAll(async () => {
  await gateway?.shutdown();
  data.remove();
});

function batchOf(testId: string, n: number): string {
  return logsRequest('batch-test', Array.from({ length: n }, (_, i) => ({ time: String(1_700_000_000_000_000_000n + BigInt(i)), severityNumber: 9, severityText: 'INFO', body: testId })));
}

async function stored(testId: string): Promise<number> {
  const [row] = await rows<{ n: string }>(gateway, `SELECT count() AS n FROM otel_logs WHERE Body = '${testId}'`);
  return Number(row!.n);
}

describe('batch ids', () => {
  it('acknowledge a resent batch again without storing it twice, also when the resend is encoded differently', async () => {
    gateway = await startGateway({ dataDir: data.dir });
    const testId = `resent-${runId}`;
    const body = batchOf(testId, 4);
    const first = await post(gateway.url, '/v1/logs?batch=b-0001-resent', body);
    expect(first.status).toBe(200);
    // The same batch, recompressed and sent as a beacon would (text/plain, the id in a header).
    const resend = await post(gateway.url, '/v1/logs', gzipSync(body), { 'content-encoding': 'gzip', 'content-type': 'text/plain', 'x-otelhouse-batch': 'b-0001-resent' });
    expect(resend.status).toBe(200);
    expect(await resend.json()).toEqual({});
    expect(await stored(testId)).toBe(4);
    // Another id with the same records is another batch: stored again (ids, not bytes, decide here).
    expect((await post(gateway.url, '/v1/logs?batch=b-0002-resent', gzipSync(body), { 'content-encoding': 'gzip' })).status).toBe(200);
    expect(await stored(testId)).toBe(8);
  });

  it('remember acknowledged ids across a restart of the gateway', async () => {
    const testId = `restart-${runId}`;
    expect((await post(gateway.url, '/v1/logs?batch=b-0003-restart', batchOf(testId, 3))).status).toBe(200);
    await gateway.shutdown();
    gateway = await startGateway({ dataDir: data.dir });
    const resend = await post(gateway.url, '/v1/logs?batch=b-0003-restart', batchOf(testId, 3));
    expect(resend.status).toBe(200);
    expect(await stored(testId)).toBe(3);
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(text).toMatch(/otelhouse_receiver_requests_deduplicated_total\{signal="logs"\} 1\b/);
    // The ids of the first run (3 acknowledged batches) and this one's resend of a known id.
    expect(text).toMatch(/^otelhouse_receiver_batch_ids 3$/m);
  });

  it('store a batch whose first attempt was refused when it is resent', async () => {
    const testId = `refused-first-${runId}`;
    const broken = await post(gateway.url, '/v1/logs?batch=b-0004-refused', `${batchOf(testId, 2)}}}`);
    expect(broken.status).toBe(400);
    expect((await post(gateway.url, '/v1/logs?batch=b-0004-refused', batchOf(testId, 2))).status).toBe(200);
    expect(await stored(testId)).toBe(2);
  });

  it.each([
    ['too short', '?batch=short'],
    ['with characters outside A-Z a-z 0-9 _ -', '?batch=b%200005%2Fbad'],
    ['given twice', '?batch=b-0006-twice&batch=b-0007-twice'],
  ])('refuse an id %s with 400 and store nothing', async (_what, query) => {
    const testId = `bad-id-${query.length}-${runId}`;
    const res = await post(gateway.url, `/v1/logs${query}`, batchOf(testId, 1));
    expect(res.status).toBe(400);
    expect(((await res.json()) as { message: string }).message).toMatch(/batch id/);
    expect(await stored(testId)).toBe(0);
  });
});
