import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { post, traceRequest } from './support/payloads.ts';

const limit = 64 * 1024;
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ receiver: { maxRequestBytes: limit } });
});
afterAll(() => gateway?.shutdown());

const bigAttributes = (bytes: number) => ({ filler: 'x'.repeat(bytes) });

describe('request size limits', () => {
  it('answers 413 above the configured limit', async () => {
    const body = traceRequest('too-big', [{ traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef', name: 'x', start: '1', end: '2', attributes: bigAttributes(2 * limit) }]);
    const res = await post(gateway.url, '/v1/traces', body);
    expect(res.status).toBe(413);
    expect(((await res.json()) as { message: string }).message).toMatch(/exceeds/);
  });

  it('measures the limit after decompression, so a small gzip body that inflates past it gets 413', async () => {
    const body = traceRequest('inflates', [{ traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef', name: 'x', start: '1', end: '2', attributes: bigAttributes(4 * limit) }]);
    const gz = gzipSync(body);
    expect(gz.length).toBeLessThan(limit);
    const res = await post(gateway.url, '/v1/traces', gz, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
  });

  it('refuses a gzip bomb without inflating it', async () => {
    // 1 GiB of zeros compresses to about 1 MiB; inflating it would exhaust memory.
    const chunk = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    const before = process.memoryUsage().rss;
    const res = await post(gateway.url, '/v1/traces', chunk, { 'content-encoding': 'gzip' });
    expect(res.status).toBe(413);
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('still stores a request just under the limit', async () => {
    const body = traceRequest('fits', [{ traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef', name: 'fits', start: '1', end: '2', attributes: bigAttributes(limit / 2) }]);
    const res = await post(gateway.url, '/v1/traces', gzipSync(body), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE ServiceName = 'fits'`)).toEqual([{ SpanName: 'fits' }]);
  });
});
