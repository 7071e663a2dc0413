import { createTraceState } from '@opentelemetry/api';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import type { Span, TraceBatch } from '../../batch/types.ts';
import { decodeTracesJson, decodeTracesProtobuf, type DecodeResult } from './index.ts';
import { expectedRichAttributes, expectedRichAttributesFromJson, richAttributes } from './fixtures/rich-values.ts';
import { makeResource, makeSpan, nanos } from './fixtures/sdk-records.ts';

// Round trip through the official OpenTelemetry JS encoders (@opentelemetry/otlp-transformer):
// what an SDK exporter sends must come out of our decoders field for field.

const codecs = [
  {
    format: 'protobuf',
    richAttributes: expectedRichAttributes,
    decode: (spans: ReadableSpan[]): DecodeResult<TraceBatch> =>
      decodeTracesProtobuf(ProtobufTraceSerializer.serializeRequest(spans)!),
  },
  {
    format: 'JSON',
    richAttributes: expectedRichAttributesFromJson,
    decode: (spans: ReadableSpan[]): DecodeResult<TraceBatch> =>
      decodeTracesJson(JsonTraceSerializer.serializeRequest(spans)!),
  },
];

const resource = makeResource(
  { 'service.name': 'checkout', 'service.version': '1.0.0', 'host.cpu.count': 8, 'feature.on': true, load: 0.75 },
  'https://opentelemetry.io/schemas/1.26.0',
);
const scope = {
  name: 'otelhouse.http',
  version: '2.0.0',
  schemaUrl: 'https://opentelemetry.io/schemas/1.25.0',
  attributes: { 'scope.attr': 'x' },
  droppedAttributesCount: 2,
};
const otherResource = makeResource({ 'service.name': 'billing' });
const otherScope = { name: 'otelhouse.db' };

const richSpan = makeSpan({
  traceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  spanId: '0102030405060708',
  parentSpanId: 'f0e0d0c0b0a09080',
  isRemoteParent: true,
  traceFlags: 1,
  traceState: 'vendor=abc,other=123',
  name: 'POST /pay',
  kind: 1, // API SERVER → OTLP 2
  start: [1_700_000_000, 123_456_789],
  end: [1_700_000_002, 5],
  attributes: richAttributes,
  droppedAttributesCount: 3,
  events: [
    {
      name: 'exception',
      time: [1_700_000_001, 999_999_999],
      attributes: { 'exception.type': 'Error', 'exception.message': 'boom', attempt: 2 },
      droppedAttributesCount: 2,
    },
    { name: 'bare', time: [1_700_000_001, 1] },
  ],
  droppedEventsCount: 4,
  links: [
    {
      context: {
        traceId: 'ffeeddccbbaa99887766554433221100',
        spanId: '1122334455667788',
        traceFlags: 1,
        isRemote: true,
        traceState: createTraceState('k=v'),
      },
      attributes: { 'link.kind': 'follows' },
      droppedAttributesCount: 1,
    },
    { context: { traceId: '00000000000000000000000000000abc', spanId: '0000000000000def', traceFlags: 0 } },
  ],
  droppedLinksCount: 5,
  status: { code: 2, message: 'upstream failed' },
  resource,
  scope,
});

const expectedRichSpan: Span = {
  traceId: 'a1b2c3d4e5f60718293a4b5c6d7e8f90',
  spanId: '0102030405060708',
  traceState: createTraceState('vendor=abc,other=123').serialize(),
  parentSpanId: 'f0e0d0c0b0a09080',
  flags: 0x301, // sampled | CONTEXT_HAS_IS_REMOTE | CONTEXT_IS_REMOTE
  name: 'POST /pay',
  kind: 2,
  startTimeUnixNano: 1_700_000_000_123_456_789n,
  endTimeUnixNano: 1_700_000_002_000_000_005n,
  attributes: new Map(), // per codec, see below
  droppedAttributesCount: 3,
  events: [
    {
      timeUnixNano: 1_700_000_001_999_999_999n,
      name: 'exception',
      attributes: new Map<string, string | bigint>([
        ['exception.type', 'Error'],
        ['exception.message', 'boom'],
        ['attempt', 2n],
      ]),
      droppedAttributesCount: 2,
    },
    { timeUnixNano: 1_700_000_001_000_000_001n, name: 'bare', attributes: new Map(), droppedAttributesCount: 0 },
  ],
  droppedEventsCount: 4,
  links: [
    {
      traceId: 'ffeeddccbbaa99887766554433221100',
      spanId: '1122334455667788',
      traceState: 'k=v',
      attributes: new Map([['link.kind', 'follows']]),
      droppedAttributesCount: 1,
      flags: 0x301,
    },
    {
      traceId: '00000000000000000000000000000abc',
      spanId: '0000000000000def',
      traceState: '',
      attributes: new Map(),
      droppedAttributesCount: 0,
      flags: 0x100,
    },
  ],
  droppedLinksCount: 5,
  status: { code: 2, message: 'upstream failed' },
};

describe.each(codecs)('decoding $format from the official OpenTelemetry JS encoder', ({ decode, richAttributes: expectedAttributes }) => {
  it('yields every field of a fully loaded span exactly', () => {
    const { batch, rejected, message } = decode([richSpan]);
    expect(rejected).toBe(0);
    expect(message).toBe('');
    expect(batch.signal).toBe('traces');
    expect(batch.resources).toHaveLength(1);
    const [group] = batch.resources;
    expect(group.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
    expect(group.resource).toEqual({
      attributes: new Map<string, unknown>([
        ['service.name', 'checkout'],
        ['service.version', '1.0.0'],
        ['host.cpu.count', 8n],
        ['feature.on', true],
        ['load', 0.75],
      ]),
      droppedAttributesCount: 0,
    });
    expect(group.scopes).toHaveLength(1);
    const [scopeGroup] = group.scopes;
    expect(scopeGroup.schemaUrl).toBe('https://opentelemetry.io/schemas/1.25.0');
    expect(scopeGroup.scope).toEqual({
      name: 'otelhouse.http',
      version: '2.0.0',
      attributes: new Map([['scope.attr', 'x']]),
      droppedAttributesCount: 2,
    });
    expect(scopeGroup.records).toEqual([{ ...expectedRichSpan, attributes: expectedAttributes }]);
  });

  it('keeps attributes in arrival order', () => {
    const [span] = decode([richSpan]).batch.resources[0].scopes[0].records;
    expect([...span.attributes.keys()]).toEqual(Object.keys(richAttributes));
  });

  it('groups spans by resource and scope as the sender did', () => {
    const spans = [
      makeSpan({ name: 'a', resource, scope }),
      makeSpan({ name: 'b', resource, scope: otherScope }),
      makeSpan({ name: 'c', resource: otherResource, scope }),
      makeSpan({ name: 'd', resource, scope }),
    ];
    const { batch } = decode(spans);
    const shape = batch.resources.map((r) => ({
      service: r.resource.attributes.get('service.name'),
      scopes: r.scopes.map((s) => [s.scope.name, s.records.map((span) => span.name)]),
    }));
    expect(shape).toEqual([
      { service: 'checkout', scopes: [['otelhouse.http', ['a', 'd']], ['otelhouse.db', ['b']]] },
      { service: 'billing', scopes: [['otelhouse.http', ['c']]] },
    ]);
  });

  it('decodes a minimal root span with proto3 defaults', () => {
    const start: [number, number] = [1_544_712_660, 1];
    const [span] = decode([makeSpan({ kind: 0, start, end: start })]).batch.resources[0].scopes[0].records;
    expect(span).toMatchObject({
      parentSpanId: '',
      traceState: '',
      flags: 0x101,
      kind: 1,
      startTimeUnixNano: nanos(start),
      endTimeUnixNano: 1_544_712_660_000_000_001n,
      events: [],
      links: [],
      status: { code: 0, message: '' },
    });
    expect(span.attributes.size).toBe(0);
  });

  it.each([
    [0, 1],
    [1, 2],
    [2, 3],
    [3, 4],
    [4, 5],
  ])('maps API span kind %i to OTLP kind %i', (apiKind, otlpKind) => {
    const [span] = decode([makeSpan({ kind: apiKind })]).batch.resources[0].scopes[0].records;
    expect(span.kind).toBe(otlpKind);
  });

  it.each([
    [0, ''],
    [1, ''],
    [2, 'failed'],
  ])('decodes status code %i', (code, statusMessage) => {
    const [span] = decode([makeSpan({ status: { code, message: statusMessage } })]).batch.resources[0].scopes[0]
      .records;
    expect(span.status).toEqual({ code, message: statusMessage });
  });

  it('decodes an empty request to an empty batch', () => {
    expect(decode([])).toEqual({ batch: { signal: 'traces', resources: [] }, rejected: 0, message: '' });
  });
});
