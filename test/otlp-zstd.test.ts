import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { zstdDecompress, ZstdError } from '../src/receiver/zstd.ts';
import { rows, startGateway } from './support/gateway.ts';
import { recordLogs, recordSpans } from './support/otel.ts';
import { post, traceRequest } from './support/payloads.ts';
import { zstdBySql, zstdCompress } from './support/zstd.ts';

// Bodies are compressed by ClickHouse's zstd encoder (test/support/zstd.ts), as a real sender's would be.

const limit = 64 * 1024;
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ receiver: { maxRequestBytes: limit } });
});
afterAll(() => gateway?.shutdown());

const proto = { 'content-type': 'application/x-protobuf' };
const zstdProto = { ...proto, 'content-encoding': 'zstd' };

const spans = (service: string, n: number) =>
  recordSpans({ 'service.name': service }, (tracer) => {
    for (let i = 0; i < n; i++) tracer.startSpan(`op-${i}`, { startTime: [1_700_000_000, i] }).end([1_700_000_001, i]);
  });

/** The `message` of a protobuf google.rpc.Status {code = 1, message = 2}. */
function statusMessage(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let i = bytes[0] === 0x08 ? 2 : 0; // code: one varint byte for the codes used here
  if (bytes[i++] !== 0x12) return '';
  let len = 0;
  for (let shift = 0; ; shift += 7) {
    const b = bytes[i++];
    len += (b & 0x7f) * 2 ** shift;
    if (b < 0x80) break;
  }
  return Buffer.from(bytes.subarray(i, i + len)).toString('utf8');
}

describe('zstd request bodies (Content-Encoding: zstd, as the Collector\'s otlphttp exporter sends)', () => {
  it('stores every span and log record of official OTel protobuf requests compressed with zstd', async () => {
    const traces = await zstdCompress(gateway.client, ProtobufTraceSerializer.serializeRequest(spans('zstd-traces', 25))!);
    const logs = await zstdCompress(gateway.client, ProtobufLogsSerializer.serializeRequest(recordLogs({ 'service.name': 'zstd-logs' }, (logger) => {
      for (let i = 0; i < 7; i++) logger.emit({ severityNumber: 9, severityText: 'INFO', body: `line ${i}` });
    }))!);
    expect(traces.subarray(0, 4)).toEqual(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])); // a zstd frame

    expect((await post(gateway.url, '/v1/traces', traces, zstdProto)).status).toBe(200);
    expect((await post(gateway.url, '/v1/logs', logs, zstdProto)).status).toBe(200);
    expect(await rows(gateway, `SELECT count() AS n FROM otel_traces WHERE ServiceName = 'zstd-traces'`)).toEqual([{ n: 25 }]);
    expect(await rows(gateway, `SELECT count() AS n FROM otel_logs WHERE ServiceName = 'zstd-logs'`)).toEqual([{ n: 7 }]);
  });

  it('decodes a body of several frames (and skips skippable ones) as their concatenation, as the spec says', async () => {
    const body = ProtobufTraceSerializer.serializeRequest(spans('zstd-frames', 10))!;
    const half = Math.floor(body.length / 2);
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const frames = Buffer.concat([await zstdCompress(gateway.client, body.subarray(0, half)), skippable, await zstdCompress(gateway.client, body.subarray(half))]);
    expect((await post(gateway.url, '/v1/traces', frames, zstdProto)).status).toBe(200);
    expect(await rows(gateway, `SELECT count() AS n FROM otel_traces WHERE ServiceName = 'zstd-frames'`)).toEqual([{ n: 10 }]);
  });

  it('accepts zstd OTLP/JSON too', async () => {
    const body = await zstdCompress(gateway.client, traceRequest('zstd-json', [
      { traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef', name: 'squeezed', start: '1', end: '2' },
    ]));
    const res = await post(gateway.url, '/v1/traces', body, { 'content-encoding': 'zstd' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE ServiceName = 'zstd-json'`)).toEqual([{ SpanName: 'squeezed' }]);
  });

  it('answers a truncated, corrupt or non-zstd body with 400 and a google.rpc.Status saying what is wrong', async () => {
    // Fixed IDs and times, so the compressed bytes (and what corrupting them does) are the same every run.
    const good = await zstdCompress(gateway.client, traceRequest('zstd-bad', Array.from({ length: 20 }, (_, i) => (
      { traceId: '0123456789abcdef0123456789abcdef', spanId: `${i}`.padStart(16, '0'), name: `op-${i}`, start: '1', end: '2' }
    ))));
    const corrupt = Buffer.from(good);
    for (let i = 12; i < corrupt.length - 8; i += 7) corrupt[i] ^= 0x5a;
    const reservedBlock = Buffer.from(good);
    reservedBlock[6] |= 0b110; // the first block header's type: 3 is reserved
    const cases: Array<[string, Uint8Array, RegExp]> = [
      ['truncated', good.subarray(0, good.length - 10), /not valid zstd: truncated zstd block/],
      ['cut inside its header', good.subarray(0, 5), /not valid zstd: truncated zstd frame header/],
      ['corrupt', corrupt, /^request body is not valid zstd: corrupt zstd frame at byte 0: /],
      ['with a reserved block type', reservedBlock, /not valid zstd: invalid zstd block at byte 6 \(reserved block type\)/],
      ['gzip sent as zstd', gzipSync('{}'), /not valid zstd: not a zstd frame at byte 0/],
      ['empty', new Uint8Array(), /not valid zstd: empty zstd body/],
    ];
    for (const [what, body, message] of cases) {
      const res = await post(gateway.url, '/v1/traces', body, zstdProto);
      expect(res.status, what).toBe(400);
      expect(res.headers.get('content-type'), what).toBe('application/x-protobuf');
      expect(statusMessage(await res.arrayBuffer()), what).toMatch(message);
    }
    const json = await post(gateway.url, '/v1/traces', good.subarray(0, 20), { 'content-encoding': 'zstd' });
    expect(json.status).toBe(400);
    expect(await json.json()).toEqual({ code: 3, message: expect.stringMatching(/^request body is not valid zstd: truncated/) });
  });

  it('answers 413, like an oversized gzip body, when a small zstd body inflates past the limit', async () => {
    const body = await zstdCompress(gateway.client, traceRequest('zstd-big', [
      { traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef', name: 'x', start: '1', end: '2', attributes: { filler: 'x'.repeat(4 * limit) } },
    ]));
    expect(body.length).toBeLessThan(limit);
    const res = await post(gateway.url, '/v1/traces', body, zstdProto);
    expect(res.status).toBe(413);
    expect(statusMessage(await res.arrayBuffer())).toBe(`request body exceeds ${limit} bytes after decompression`);
  });

  it('refuses a zstd bomb without inflating it', async () => {
    // 256 MiB of one byte: ClickHouse's encoder makes it a few KiB.
    const bomb = await zstdBySql(gateway.client, `SELECT repeat('x', 65536) FROM numbers(4096)`);
    expect(bomb.length).toBeLessThan(limit);
    const before = process.memoryUsage().rss;
    const res = await post(gateway.url, '/v1/traces', bomb, zstdProto);
    expect(res.status).toBe(413);
    expect(process.memoryUsage().rss - before).toBeLessThan(48 * 1024 * 1024);
  });

  it('refuses, before decoding a block, frames that declare more content than the limit or a window above 8 MiB', async () => {
    const rleBlock = [0x03, 0x00, 0x08, 0x78]; // last block, RLE, 65 536 × 'x'
    // Single segment, 8-byte content size of 1 TiB.
    const declaresHuge = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, ...rleBlock]);
    const declared = await post(gateway.url, '/v1/traces', declaresHuge, zstdProto);
    expect(declared.status).toBe(413);
    // Window descriptor 0xa0: a 1 GiB window, which the decoder would allocate before any output.
    const hugeWindow = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xa0, ...rleBlock]);
    const window = await post(gateway.url, '/v1/traces', hugeWindow, zstdProto);
    expect(window.status).toBe(400);
    expect(statusMessage(await window.arrayBuffer())).toMatch(/needs a 1073741824-byte window; at most 8388608 is supported/);
  });

  it('never throws anything but a ZstdError, nor hangs, on mutated bodies', async () => {
    const good = await zstdCompress(gateway.client, ProtobufTraceSerializer.serializeRequest(spans('zstd-fuzz', 50))!);
    let seed = 12345;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let round = 0; round < 500; round++) {
      const body = Buffer.from(good);
      for (let flips = 1 + Math.floor(random() * 4); flips > 0; flips--) body[Math.floor(random() * body.length)] = Math.floor(random() * 256);
      const cut = random() < 0.3 ? body.subarray(0, Math.floor(random() * body.length)) : body;
      try {
        expect(zstdDecompress(cut, limit).length).toBeLessThanOrEqual(limit);
      } catch (err) {
        expect(err).toBeInstanceOf(ZstdError);
      }
    }
  });
});
