import { ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { gzipSync, deflateSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { recordSpans } from './support/otel.ts';
import { post, traceRequest } from './support/payloads.ts';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway?.shutdown());

const proto = { 'content-type': 'application/x-protobuf' };

/** Decodes a protobuf google.rpc.Status {code = 1 int32, message = 2 string} by hand. */
function decodeStatus(buf: Uint8Array): { code: number; message: string } {
  let i = 0;
  const out = { code: 0, message: '' };
  const varint = () => {
    let v = 0;
    for (let shift = 0; ; shift += 7) {
      const b = buf[i++];
      v += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return v;
    }
  };
  while (i < buf.length) {
    const tag = varint();
    if (tag === 0x08) out.code = varint();
    else if (tag === 0x12) {
      const len = varint();
      out.message = Buffer.from(buf.subarray(i, i + len)).toString('utf8');
      i += len;
    } else throw new Error(`unexpected tag ${tag}`);
  }
  return out;
}

const someSpans = (service: string) =>
  recordSpans({ 'service.name': service }, (tracer) => {
    tracer.startSpan('op', { startTime: [1_700_000_000, 1] }).end([1_700_000_000, 2]);
  });

describe('OTLP/HTTP responses', () => {
  it('answers protobuf with an empty ExportTraceServiceResponse and the exact content type', async () => {
    const body = ProtobufTraceSerializer.serializeRequest(someSpans('proto-ok'))!;
    const res = await post(gateway.url, '/v1/traces', body, proto);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array());
  });

  it('accepts a content type with parameters and answers without them', async () => {
    const res = await post(gateway.url, '/v1/traces', traceRequest('charset', []), { 'content-type': 'application/json; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
  });

  it.each([
    ['an empty protobuf body', '', proto],
    ['an empty JSON object', '{}', {}],
    ['a request with empty envelopes', '{"resourceSpans":[{"scopeSpans":[{"spans":[]}]}]}', {}],
  ])('succeeds for %s', async (_name, body, headers) => {
    const res = await post(gateway.url, '/v1/traces', body, headers);
    expect(res.status).toBe(200);
  });

  it('reports partial success for spans with invalid IDs and stores the rest (JSON)', async () => {
    const body = traceRequest('partial-json', [
      { traceId: '0123456789abcdef0123456789abcdef', spanId: '0123456789abcdef', name: 'good', start: '1700000000000000000', end: '1700000000000000001' },
      { traceId: '0123456789', spanId: '0123456789abcdef', name: 'short trace id', start: '1700000000000000000', end: '1700000000000000001' },
      { traceId: '0123456789abcdef0123456789abcdef', spanId: '01234567', name: 'short span id', start: '1700000000000000000', end: '1700000000000000001' },
    ]);
    const res = await post(gateway.url, '/v1/traces', body);
    expect(res.status).toBe(200);
    const json = (await res.json()) as { partialSuccess: { rejectedSpans: string; errorMessage: string } };
    expect(json.partialSuccess.rejectedSpans).toBe('2');
    expect(json.partialSuccess.errorMessage).toMatch(/id/i);
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE ServiceName = 'partial-json'`)).toEqual([{ SpanName: 'good' }]);
  });

  it('reports partial success for a protobuf span with a wrong-length trace ID', async () => {
    const spans = someSpans('partial-proto');
    const bad = recordSpans({ 'service.name': 'partial-proto' }, (tracer) => tracer.startSpan('bad').end());
    Object.defineProperty(bad[0], 'spanContext', { value: () => ({ traceId: 'abcd', spanId: '0102030405060708', traceFlags: 1 }) });
    const body = ProtobufTraceSerializer.serializeRequest([...spans, ...bad])!;
    const res = await post(gateway.url, '/v1/traces', body, proto);
    expect(res.status).toBe(200);
    const decoded = ProtobufTraceSerializer.deserializeResponse(new Uint8Array(await res.arrayBuffer()));
    expect(Number(decoded.partialSuccess?.rejectedSpans)).toBe(1);
    expect(decoded.partialSuccess?.errorMessage).toBeTruthy();
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE ServiceName = 'partial-proto'`)).toEqual([{ SpanName: 'op' }]);
  });
});

describe('OTLP/HTTP errors', () => {
  it('answers 400 with a protobuf google.rpc.Status for an undecodable protobuf body', async () => {
    const res = await post(gateway.url, '/v1/traces', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0x0f, 1, 2]), proto);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    const status = decodeStatus(new Uint8Array(await res.arrayBuffer()));
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/cannot decode traces request/);
  });

  it.each([
    ['truncated JSON', '{"resourceSpans":[{"resource":'],
    ['JSON of the wrong shape', '{"resourceLogs":5}'],
    ['records of the wrong type', '{"resourceLogs":[{"scopeLogs":[{"logRecords":["text"]}]}]}'],
    ['not JSON at all', '\u0000\u0001binary'],
    ['a JSON array', '[1,2,3]'],
  ])('answers 400 with a JSON Status for %s', async (_name, body) => {
    const res = await post(gateway.url, '/v1/logs', body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    const status = (await res.json()) as { code: number; message: string };
    expect(status.message).toMatch(/cannot decode logs request/);
  });

  it('answers 415 for other content types with a JSON Status (the request has no encoding to answer in)', async () => {
    const res = await post(gateway.url, '/v1/traces', 'hello', { 'content-type': 'text/csv' });
    expect(res.status).toBe(415);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as { code: number; message: string })).toMatchObject({ code: 3, message: expect.stringMatching(/Content-Type/) });
  });

  it('answers 415 for an unsupported content encoding and 400 for a corrupt gzip body', async () => {
    const lzw = await post(gateway.url, '/v1/traces', '{}', { 'content-encoding': 'compress' });
    expect(lzw.status).toBe(415);
    const corrupt = await post(gateway.url, '/v1/traces', new Uint8Array([0x1f, 0x8b, 8, 0, 1, 2, 3]), { 'content-encoding': 'gzip' });
    expect(corrupt.status).toBe(400);
  });

  it('accepts deflate-compressed bodies too', async () => {
    const res = await post(gateway.url, '/v1/traces', deflateSync(traceRequest('deflate', [
      { traceId: '0123456789abcdef0123456789abcdef', spanId: 'fedcba9876543210', name: 'deflated', start: '1', end: '2' },
    ])), { 'content-encoding': 'deflate' });
    expect(res.status).toBe(200);
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE ServiceName = 'deflate'`)).toEqual([{ SpanName: 'deflated' }]);
  });

  it('answers an empty metrics request as a full success (metrics end to end: otlp-metrics.test.ts)', async () => {
    const res = await post(gateway.url, '/v1/metrics', '{}');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({});
  });

  it('answers 405 to methods other than POST on the OTLP paths, with Allow and a Status', async () => {
    const res = await fetch(`${gateway.url}/v1/traces`);
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('POST');
    expect(((await res.json()) as { message: string }).message).toMatch(/POST/);
  });
});

describe('OTLP/JSON as real senders write it', () => {
  it('accepts snake_case keys, uppercase hex, numeric intValue and nanosecond timestamps as bare numbers, exactly', async () => {
    const body = `{"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"string_value":"quirks"}}]},
      "scope_spans":[{"scope":{"name":"q"},"spans":[{"trace_id":"ABCDEF0123456789ABCDEF0123456789","span_id":"ABCDEF0123456789",
      "name":"quirky","kind":3,"start_time_unix_nano":1700000000123456789,"end_time_unix_nano":"1700000000123456799",
      "attributes":[{"key":"n","value":{"intValue":42}},{"key":"big","value":{"intValue":"9007199254740993"}},{"key":"d","value":{"doubleValue":"NaN"}}],
      "unknownField":{"nested":[1,2,3]}}]}]}]}`;
    const res = await post(gateway.url, '/v1/traces', body);
    expect(res.status).toBe(200);
    expect(await rows(gateway, `SELECT TraceId, SpanId, SpanKind, toString(toUnixTimestamp64Nano(Timestamp)) AS ts, toString(Duration) AS d, SpanAttributes FROM otel_traces WHERE ServiceName = 'quirks'`)).toEqual([
      {
        TraceId: 'abcdef0123456789abcdef0123456789',
        SpanId: 'abcdef0123456789',
        SpanKind: 'Client',
        ts: '1700000000123456789',
        d: '10',
        SpanAttributes: { n: '42', big: '9007199254740993', d: 'json: unsupported value: NaN' },
      },
    ]);
  });

  it('stores hostile strings byte for byte', async () => {
    const hostile = ["'); DROP TABLE otel_traces; --", 'quote " backslash \\ newline \n tab \t', 'nul \u0000 bell \u0007', 'emoji 🚀 and ünïcödé', '<script>&amp;</script>', 'x'.repeat(100_000)];
    const attributes = Object.fromEntries(hostile.map((v, i) => [`k${i} ${v.slice(0, 40)}`, v]));
    const res = await post(gateway.url, '/v1/traces', traceRequest('hostile', [
      { traceId: '0123456789abcdef0123456789abcdee', spanId: '0123456789abcdee', name: hostile[0], start: '1', end: '2', attributes },
    ]));
    expect(res.status).toBe(200);
    const [row] = await rows<{ SpanName: string; SpanAttributes: Record<string, string> }>(gateway, `SELECT SpanName, SpanAttributes FROM otel_traces WHERE ServiceName = 'hostile'`);
    expect(row.SpanName).toBe(hostile[0]);
    expect(row.SpanAttributes).toEqual(attributes);
  });

  it('accepts gzip bodies', async () => {
    const res = await post(gateway.url, '/v1/traces', gzipSync(traceRequest('gzipped', [
      { traceId: '0123456789abcdef0123456789abcdea', spanId: '0123456789abcdea', name: 'zipped', start: '1', end: '2' },
    ])), { 'content-encoding': 'gzip' });
    expect(res.status).toBe(200);
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE ServiceName = 'gzipped'`)).toEqual([{ SpanName: 'zipped' }]);
  });
});

/** The samples of a Prometheus text exposition, by `name{labels}` as the text writes them. */
async function scrape(): Promise<Map<string, number>> {
  const text = await (await fetch(`${gateway.url}/metrics`)).text();
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1], Number(m[2]));
  }
  return samples;
}

describe('operations endpoints', () => {
  it('serves /healthz and Prometheus metrics counting exactly what this test sent', async () => {
    expect((await fetch(`${gateway.url}/healthz`)).status).toBe(200);
    const before = await scrape();
    const json = { 'content-type': 'application/json' };
    for (const i of [1, 2]) {
      const res = await post(gateway.url, '/v1/traces', traceRequest('metered', [
        { traceId: `00000000000000000000000000000${i}aa`, spanId: `000000000000${i}aaa`, name: `metered-${i}`, start: '1', end: '2' },
        { traceId: `00000000000000000000000000000${i}bb`, spanId: `000000000000${i}bbb`, name: `metered-${i}`, start: '1', end: '2' },
      ]), json);
      expect(res.status).toBe(200);
    }
    expect((await post(gateway.url, '/v1/traces', 'x', { 'content-type': 'text/csv' })).status).toBe(415);
    expect(await gateway.flush()).toBe(true);
    const after = await scrape();
    const delta = (sample: string) => (after.get(sample) ?? 0) - (before.get(sample) ?? 0);

    expect(delta('otelhouse_receiver_requests_total{signal="traces",encoding="json",code="200"}')).toBe(2);
    expect(delta('otelhouse_receiver_records_received_total{signal="traces"}')).toBe(4);
    expect(delta('otelhouse_receiver_requests_rejected_total{signal="traces",reason="media_type"}')).toBe(1);
    expect(delta('otelhouse_wal_rows_appended_total{table="otel_traces"}')).toBe(4);
    expect(delta('otelhouse_wal_synced_frames_total')).toBe(2);
    expect(delta('otelhouse_wal_syncs_total')).toBeGreaterThanOrEqual(1);
    expect(delta('otelhouse_exporter_rows_total{table="otel_traces"}')).toBe(4);
    expect(delta('otelhouse_exporter_insert_duration_seconds_count{table="otel_traces",outcome="ok"}')).toBeGreaterThanOrEqual(1);
    // Everything acknowledged is in ClickHouse after the flush: the backlog is empty.
    expect(after.get('otelhouse_wal_backlog_rows{table="otel_traces"}')).toBe(0);
    expect(after.get('otelhouse_wal_backlog_oldest_age_seconds{table="otel_traces"}')).toBe(0);
    expect(after.get('otelhouse_receiver_in_flight_bytes')).toBe(0);
  });
});
