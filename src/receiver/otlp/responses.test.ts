import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import { encodeExportResponse, encodeStatus, MAX_RESPONSE_MESSAGE_CHARS } from './index.ts';

// Our response bodies, read back by the official client-side decoders (what SDK exporters use).

const clients = {
  traces: { protobuf: ProtobufTraceSerializer, json: JsonTraceSerializer, count: 'rejectedSpans' },
  logs: { protobuf: ProtobufLogsSerializer, json: JsonLogsSerializer, count: 'rejectedLogRecords' },
} as const;

describe.each(['traces', 'logs'] as const)('encodeExportResponse for %s', (signal) => {
  const { protobuf, json, count } = clients[signal];

  it('encodes full success as zero protobuf bytes and as {} in JSON', () => {
    expect(encodeExportResponse(signal, 'protobuf', 0, '')).toHaveLength(0);
    expect(protobuf.deserializeResponse(encodeExportResponse(signal, 'protobuf', 0, ''))).toEqual({});
    expect(encodeExportResponse(signal, 'json', 0, '').toString()).toBe('{}');
    expect(json.deserializeResponse(encodeExportResponse(signal, 'json', 0, ''))).toEqual({});
  });

  it('encodes a partial success the official protobuf decoder reads back', () => {
    const body = encodeExportResponse(signal, 'protobuf', 3, '3 rejected: trace_id must be 16 bytes, got 5');
    expect(protobuf.deserializeResponse(body)).toEqual({
      partialSuccess: { [count]: 3, errorMessage: '3 rejected: trace_id must be 16 bytes, got 5' },
    });
  });

  it('encodes a partial success as OTLP/JSON with the int64 count as a string', () => {
    const body = encodeExportResponse(signal, 'json', 3, 'x "quoted" ✓');
    expect(body.toString()).toBe(`{"partialSuccess":{"${count}":"3","errorMessage":"x \\"quoted\\" ✓"}}`);
    expect(json.deserializeResponse(body)).toEqual({ partialSuccess: { [count]: '3', errorMessage: 'x "quoted" ✓' } });
  });

  it('encodes a warning (nothing rejected, a message) without a count', () => {
    expect(protobuf.deserializeResponse(encodeExportResponse(signal, 'protobuf', 0, 'slow down'))).toEqual({
      partialSuccess: { errorMessage: 'slow down' },
    });
    expect(encodeExportResponse(signal, 'json', 0, 'slow down').toString()).toBe('{"partialSuccess":{"errorMessage":"slow down"}}');
  });

  it('encodes a count beyond 32 bits exactly', () => {
    const body = encodeExportResponse(signal, 'protobuf', 2 ** 40 + 1, '');
    expect(protobuf.deserializeResponse(body)).toEqual({ partialSuccess: { [count]: 2 ** 40 + 1 } });
  });
});

describe('encodeExportResponse', () => {
  it('writes the protobuf bytes the .proto prescribes', () => {
    // partial_success (1, LEN) { rejected_* (1, varint) = 300; error_message (2, LEN) = "hi" }
    expect([...encodeExportResponse('traces', 'protobuf', 300, 'hi')]).toEqual([0x0a, 0x07, 0x08, 0xac, 0x02, 0x12, 0x02, 0x68, 0x69]);
  });

  it('cuts an overlong message so the Collector can still read the body', () => {
    const body = encodeExportResponse('traces', 'json', 1, '🚀'.repeat(MAX_RESPONSE_MESSAGE_CHARS));
    const message = (JsonTraceSerializer.deserializeResponse(body).partialSuccess?.errorMessage ?? '') as string;
    expect(message.length).toBeLessThanOrEqual(MAX_RESPONSE_MESSAGE_CHARS);
    expect(message.endsWith('🚀…')).toBe(true);
    expect(body.length).toBeLessThan(64 * 1024);
  });

  it.each([-1, 1.5, NaN])('refuses a rejected count of %s', (rejected) => {
    expect(() => encodeExportResponse('logs', 'json', rejected, '')).toThrow(RangeError);
  });
});

describe('encodeStatus', () => {
  it('writes google.rpc.Status {code = 1 int32, message = 2 string} by hand', () => {
    expect([...encodeStatus('protobuf', 3, 'bad')]).toEqual([0x08, 0x03, 0x12, 0x03, 0x62, 0x61, 0x64]);
  });

  it('encodes a multi-byte UTF-8 message with its byte length', () => {
    expect([...encodeStatus('protobuf', 14, 'é')]).toEqual([0x08, 0x0e, 0x12, 0x02, 0xc3, 0xa9]);
  });

  it('omits proto3 defaults in protobuf', () => {
    expect(encodeStatus('protobuf', 0, '')).toHaveLength(0);
    expect([...encodeStatus('protobuf', 0, 'm')]).toEqual([0x12, 0x01, 0x6d]);
  });

  it('sign-extends a negative code to ten bytes, as int32 varints are', () => {
    expect([...encodeStatus('protobuf', -1, '')]).toEqual([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
  });

  it('encodes JSON with both fields', () => {
    expect(encodeStatus('json', 3, 'request body is not valid JSON').toString()).toBe(
      '{"code":3,"message":"request body is not valid JSON"}',
    );
    expect(JSON.parse(encodeStatus('json', 8, 'a\nb"c').toString())).toEqual({ code: 8, message: 'a\nb"c' });
  });

  it('refuses a code that is not an int32', () => {
    expect(() => encodeStatus('json', 2 ** 31, '')).toThrow(RangeError);
  });
});
