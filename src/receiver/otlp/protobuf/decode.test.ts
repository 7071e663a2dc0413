import { describe, expect, it } from 'vitest';
import type { AnyValue, Span } from '../../../batch/types.ts';
import { decodeLogsProtobuf, decodeTracesProtobuf, MAX_NESTING_DEPTH, OtlpDecodeError } from '../index.ts';
import {
  any,
  concat,
  fixed32,
  fixed64,
  hexBytes,
  kv,
  len,
  logsRequest,
  SPAN_ID,
  spanBody,
  str,
  tag,
  TRACE_ID,
  traceRequest,
  varint,
  vint,
} from '../fixtures/proto-writer.ts';

// Hand-built protobuf that the official encoder never produces but the wire format allows.

function onlySpan(...spanFields: Uint8Array[]): Span {
  const { batch, rejected } = decodeTracesProtobuf(traceRequest(spanBody('s', ...spanFields)));
  expect(rejected).toBe(0);
  return batch.resources[0].scopes[0].records[0];
}

const attribute = (anyValue: Uint8Array): AnyValue => onlySpan(kv(9, 'a', anyValue)).attributes.get('a')!;

/** An AnyValue nested `depth` arrays deep around a string. */
function nestedArrays(depth: number): Uint8Array {
  let value = any.string('core');
  for (let i = 0; i < depth; i++) value = any.array(value);
  return value;
}

describe('protobuf decoding beyond what the official encoder emits', () => {
  it('skips unknown fields of every wire type at every level', () => {
    const unknown = concat(vint(99, 1), fixed64(98, 2n), str(97, 'x'), fixed32(96, 3), tag(95, 3), vint(1, 4), tag(95, 4));
    const resource = len(1, unknown, kv(1, 'k', concat(any.string('v'), unknown)));
    const span = spanBody('s', unknown, len(15, unknown, vint(3, 2)));
    const scopeSpans = len(2, unknown, len(1, str(1, 'scope'), unknown), len(2, span));
    const body = len(1, unknown, resource, scopeSpans);
    const { batch } = decodeTracesProtobuf(concat(unknown, body));
    expect(batch.resources[0].resource.attributes).toEqual(new Map([['k', 'v']]));
    expect(batch.resources[0].scopes[0].scope.name).toBe('scope');
    expect(batch.resources[0].scopes[0].records[0]).toMatchObject({ name: 's', traceId: TRACE_ID, status: { code: 2 } });
  });

  it('treats a known field sent with the wrong wire type as unknown, as protobuf-go does', () => {
    const span = onlySpan(vint(7, 123), str(6, 'not-a-varint'), fixed64(8, 42n));
    expect(span.startTimeUnixNano).toBe(0n);
    expect(span.kind).toBe(0);
    expect(span.endTimeUnixNano).toBe(42n);
  });

  it('lets the last occurrence of a scalar field win and merges repeated message fields', () => {
    const span = onlySpan(str(5, 'second'), len(15, str(2, 'msg')), len(15, vint(3, 2)), vint(6, 3));
    expect(span).toMatchObject({ name: 'second', kind: 3, status: { code: 2, message: 'msg' } });
  });

  it('lets the last member of the AnyValue oneof win', () => {
    expect(attribute(concat(any.string('x'), any.int(5)))).toBe(5n);
  });

  it('decodes AnyValue members the JS encoder never sends', () => {
    expect(attribute(any.double(NaN))).toBeNaN();
    expect(attribute(any.double(-0))).toBe(-0);
    expect(attribute(any.int(-(2n ** 63n)))).toBe(-(2n ** 63n));
    expect(attribute(any.bytes(new Uint8Array(0)))).toEqual(new Uint8Array(0));
    expect(attribute(new Uint8Array(0))).toBeNull();
    expect(attribute(any.kvlist())).toEqual(new Map());
    // string_value_strindex (8) is profiles-only: ignored, leaving the value unset.
    expect(attribute(vint(8, 3))).toBeNull();
  });

  it('decodes a negative enum and a uint32 sent as a 10-byte varint', () => {
    const span = onlySpan(vint(6, -1), vint(10, 2n ** 64n - 1n));
    expect(span.kind).toBe(-1);
    expect(span.droppedAttributesCount).toBe(2 ** 32 - 1);
  });

  it('decodes span flags, event and link fields written in any order', () => {
    const link = len(
      13,
      fixed32(6, 0x301),
      kv(4, 'lk', any.bool(true)),
      str(3, 'k=v'),
      vint(5, 2),
      hexBytes(2, SPAN_ID),
      hexBytes(1, TRACE_ID),
    );
    const event = len(11, vint(4, 1), kv(3, 'ek', any.double(1.5)), str(2, 'ev'), fixed64(1, 1544712660000000001n));
    const span = onlySpan(link, event, fixed32(16, 0x101));
    expect(span.flags).toBe(0x101);
    expect(span.links).toEqual([
      {
        traceId: TRACE_ID,
        spanId: SPAN_ID,
        traceState: 'k=v',
        attributes: new Map([['lk', true]]),
        droppedAttributesCount: 2,
        flags: 0x301,
      },
    ]);
    expect(span.events).toEqual([
      { timeUnixNano: 1544712660000000001n, name: 'ev', attributes: new Map([['ek', 1.5]]), droppedAttributesCount: 1 },
    ]);
  });

  it(`accepts AnyValue nested ${MAX_NESTING_DEPTH} levels deep`, () => {
    let value = attribute(nestedArrays(MAX_NESTING_DEPTH));
    for (let i = 0; i < MAX_NESTING_DEPTH; i++) value = (value as AnyValue[])[0];
    expect(value).toBe('core');
  });

  it('rejects AnyValue nested deeper than the limit with OtlpDecodeError', () => {
    const body = traceRequest(spanBody('s', kv(9, 'a', nestedArrays(MAX_NESTING_DEPTH + 1))));
    expect(() => decodeTracesProtobuf(body)).toThrow(/nested deeper than 64/);
    const logBody = logsRequest(len(5, nestedArrays(2_000)));
    expect(() => decodeLogsProtobuf(logBody)).toThrow(OtlpDecodeError);
  });

  it('decodes an empty body as an empty request', () => {
    expect(decodeTracesProtobuf(new Uint8Array(0))).toEqual({ batch: { signal: 'traces', resources: [] }, rejected: 0, message: '' });
    expect(decodeLogsProtobuf(new Uint8Array(0)).batch).toEqual({ signal: 'logs', resources: [] });
  });

  it('drops empty scope and resource groups', () => {
    const body = concat(len(1, len(1, kv(1, 'k', any.string('v')))), len(1, len(2, len(1, str(1, 'empty-scope')))));
    expect(decodeTracesProtobuf(body).batch.resources).toEqual([]);
  });

  it('accepts a Buffer as well as a Uint8Array and never aliases it', () => {
    const buf = Buffer.from(traceRequest(spanBody('s', kv(9, 'b', any.bytes(Uint8Array.from([7, 8]))))));
    const value = decodeTracesProtobuf(buf).batch.resources[0].scopes[0].records[0].attributes.get('b') as Uint8Array;
    buf.fill(0);
    expect(value).toEqual(Uint8Array.from([7, 8]));
  });

  it.each([
    ['a truncated request', traceRequest(spanBody('s')).subarray(0, 20)],
    ['a length past the end', concat(tag(1, 2), varint(1000))],
    ['a field overrunning its message', concat(tag(1, 2), varint(2), str(3, 'abc'))],
    ['wire type 7', concat(tag(1, 7))],
    ['a varint that never ends', concat(vint(1, 1), Uint8Array.from([0x08, 0xff, 0xff]))],
  ])('throws OtlpDecodeError for %s, naming the byte offset', (_label, body) => {
    expect(() => decodeTracesProtobuf(body)).toThrow(/^malformed protobuf at byte \d+: /);
    expect(() => decodeLogsProtobuf(body)).toThrow(OtlpDecodeError);
  });
});
