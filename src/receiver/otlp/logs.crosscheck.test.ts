import { SeverityNumber } from '@opentelemetry/api-logs';
import { JsonLogsSerializer, ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import { describe, expect, it } from 'vitest';
import type { AnyValue, LogBatch, LogRecord } from '../../batch/types.ts';
import { decodeLogsJson, decodeLogsProtobuf, type DecodeResult } from './index.ts';
import { expectedRichAttributes, expectedRichAttributesFromJson, richAttributes } from './fixtures/rich-values.ts';
import { makeLog, makeResource } from './fixtures/sdk-records.ts';

// Round trip through the official OpenTelemetry JS encoders (@opentelemetry/otlp-transformer).

const codecs = [
  {
    format: 'protobuf',
    richAttributes: expectedRichAttributes,
    decode: (logs: ReadableLogRecord[]): DecodeResult<LogBatch> =>
      decodeLogsProtobuf(ProtobufLogsSerializer.serializeRequest(logs)!),
  },
  {
    format: 'JSON',
    richAttributes: expectedRichAttributesFromJson,
    decode: (logs: ReadableLogRecord[]): DecodeResult<LogBatch> =>
      decodeLogsJson(JsonLogsSerializer.serializeRequest(logs)!),
  },
];

const resource = makeResource({ 'service.name': 'mobile-app', 'app.build': 4711 }, 'https://opentelemetry.io/schemas/1.26.0');
const scope = {
  name: 'otelhouse.sdk',
  version: '0.9.0',
  schemaUrl: 'https://opentelemetry.io/schemas/1.24.0',
  attributes: { 'scope.attr': true },
  droppedAttributesCount: 7,
};

const richLog = makeLog({
  time: [1_544_712_660, 300_000_001],
  observed: [1_544_712_661, 999],
  traceId: '5b8efff798038103d269b633813fc60c',
  spanId: 'eee19b7ec3c1b174',
  traceFlags: 1,
  severityNumber: SeverityNumber.ERROR3,
  severityText: 'Error',
  body: 'payment failed',
  eventName: 'app.payment.failed',
  attributes: richAttributes,
  droppedAttributesCount: 6,
  resource,
  scope,
});

const bodies: [string, unknown, AnyValue][] = [
  ['a string', 'hello', 'hello'],
  ['an empty string', '', ''],
  ['an int', 42, 42n],
  ['a negative int', -7, -7n],
  ['a double', 2.5, 2.5],
  ['a bool', false, false],
  ['bytes', Uint8Array.from([0xde, 0xad, 0xbe, 0xef]), Uint8Array.from([0xde, 0xad, 0xbe, 0xef])],
  ['an array', ['a', 1, [true]], ['a', 1n, [true]]],
  ['a kvlist', { k: 'v', n: { m: 1.5 } }, new Map<string, AnyValue>([['k', 'v'], ['n', new Map([['m', 1.5]])]])],
  ['absent', undefined, null],
];

function onlyRecord(batch: LogBatch): LogRecord {
  expect(batch.resources).toHaveLength(1);
  expect(batch.resources[0].scopes).toHaveLength(1);
  expect(batch.resources[0].scopes[0].records).toHaveLength(1);
  return batch.resources[0].scopes[0].records[0];
}

describe.each(codecs)('decoding $format logs from the official OpenTelemetry JS encoder', ({ decode, richAttributes: expectedAttributes }) => {
  it('yields every field of a fully loaded log record exactly', () => {
    const { batch, rejected, message } = decode([richLog]);
    expect({ rejected, message }).toEqual({ rejected: 0, message: '' });
    expect(batch.signal).toBe('logs');
    const [group] = batch.resources;
    expect(group.schemaUrl).toBe('https://opentelemetry.io/schemas/1.26.0');
    expect(group.resource).toEqual({
      attributes: new Map<string, AnyValue>([
        ['service.name', 'mobile-app'],
        ['app.build', 4711n],
      ]),
      droppedAttributesCount: 0,
    });
    expect(group.scopes[0].schemaUrl).toBe('https://opentelemetry.io/schemas/1.24.0');
    expect(group.scopes[0].scope).toEqual({
      name: 'otelhouse.sdk',
      version: '0.9.0',
      attributes: new Map([['scope.attr', true]]),
      droppedAttributesCount: 7,
    });
    const expected: LogRecord = {
      timeUnixNano: 1_544_712_660_300_000_001n,
      observedTimeUnixNano: 1_544_712_661_000_000_999n,
      severityNumber: 19,
      severityText: 'Error',
      body: 'payment failed',
      attributes: expectedAttributes,
      droppedAttributesCount: 6,
      flags: 1,
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      eventName: 'app.payment.failed',
    };
    expect(onlyRecord(batch)).toEqual(expected);
    expect([...onlyRecord(batch).attributes.keys()]).toEqual(Object.keys(richAttributes));
  });

  it.each(bodies)('decodes a body that is %s', (_label, body, expected) => {
    const record = onlyRecord(decode([makeLog({ body: body as never })]).batch);
    expect(record.body).toEqual(expected);
  });

  it('decodes a record outside any span with empty IDs and proto3 defaults', () => {
    const record = onlyRecord(decode([makeLog({ time: [0, 0] })]).batch);
    expect(record).toMatchObject({
      timeUnixNano: 0n,
      traceId: '',
      spanId: '',
      flags: 0,
      severityNumber: 0,
      severityText: '',
      eventName: '',
      body: null,
    });
  });

  it.each([1, 9, 13, 17, 24])('decodes severity number %i', (severityNumber) => {
    expect(onlyRecord(decode([makeLog({ severityNumber })]).batch).severityNumber).toBe(severityNumber);
  });

  it('groups records by resource and scope as the sender did', () => {
    const other = makeResource({ 'service.name': 'api' });
    const { batch } = decode([
      makeLog({ body: 'a', resource }),
      makeLog({ body: 'b', resource: other }),
      makeLog({ body: 'c', resource }),
    ]);
    const bodiesByService = batch.resources.map((r) => [
      r.resource.attributes.get('service.name'),
      r.scopes.flatMap((s) => s.records.map((l) => l.body)),
    ]);
    expect(bodiesByService).toEqual([
      ['mobile-app', ['a', 'c']],
      ['api', ['b']],
    ]);
  });
});
