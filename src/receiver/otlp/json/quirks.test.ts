import { describe, expect, it } from 'vitest';
import type { AnyValue, LogRecord, Span } from '../../../batch/types.ts';
import { decodeLogsJson, decodeTracesJson, OtlpDecodeError } from '../index.ts';

// What real senders put in OTLP/JSON, beyond the spec, that the Collector accepts (and so must we).

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const ID = '5b8efff798038103d269b633813fc60c';
const SID = 'eee19b7ec3c1b174';

/** A one-span request around the given span JSON text (raw, so bare big numbers stay bare). */
function traceText(span: string): string {
  return `{"resourceSpans":[{"resource":{},"scopeSpans":[{"scope":{"name":"s"},"spans":[${span}]}]}]}`;
}

function decodeSpan(span: string): Span {
  const { batch, rejected, message } = decodeTracesJson(utf8(traceText(span)));
  expect({ rejected, message }).toEqual({ rejected: 0, message: '' });
  return batch.resources[0].scopes[0].records[0];
}

function decodeLog(record: string): LogRecord {
  const text = `{"resourceLogs":[{"scopeLogs":[{"logRecords":[${record}]}]}]}`;
  const { batch, rejected } = decodeLogsJson(utf8(text));
  expect(rejected).toBe(0);
  return batch.resources[0].scopes[0].records[0];
}

/** The value of attribute `a` in a span carrying `{"key":"a","value":<anyValue>}`. */
function attributeValue(anyValue: string): AnyValue {
  return decodeSpan(`{"traceId":"${ID}","spanId":"${SID}","attributes":[{"key":"a","value":${anyValue}}]}`).attributes.get('a')!;
}

describe('OTLP/JSON sender quirks', () => {
  it.each([
    ['uppercase hex IDs', `{"traceId":"${ID.toUpperCase()}","spanId":"${SID.toUpperCase()}","parentSpanId":"ABCDEF0123456789"}`, { traceId: ID, spanId: SID, parentSpanId: 'abcdef0123456789' }],
    ['mixed-case hex IDs', `{"traceId":"5B8efff798038103D269b633813FC60C","spanId":"EEe19b7ec3c1b174"}`, { traceId: ID, spanId: SID }],
    ['empty-string IDs', `{"traceId":"","spanId":"","parentSpanId":""}`, { traceId: '', spanId: '', parentSpanId: '' }],
    ['all-zero IDs', `{"traceId":"00000000000000000000000000000000","spanId":"0000000000000000"}`, { traceId: '', spanId: '' }],
    ['timestamps as bare numbers beyond 2^53', `{"startTimeUnixNano":1544712660000000001,"endTimeUnixNano":18446744073709551615}`, { startTimeUnixNano: 1544712660000000001n, endTimeUnixNano: 18446744073709551615n }],
    ['timestamps as small numbers', `{"startTimeUnixNano":0,"endTimeUnixNano":1000}`, { startTimeUnixNano: 0n, endTimeUnixNano: 1000n }],
    ['timestamps as decimal strings', `{"startTimeUnixNano":"1544712660000000001"}`, { startTimeUnixNano: 1544712660000000001n }],
    ['enum names', `{"kind":"SPAN_KIND_SERVER","status":{"code":"STATUS_CODE_ERROR","message":"x"}}`, { kind: 2, status: { code: 2, message: 'x' } }],
    ['enums as numeric strings', `{"kind":"3","status":{"code":"1"}}`, { kind: 3, status: { code: 1, message: '' } }],
    ['32-bit counts as strings', `{"droppedAttributesCount":"3","droppedEventsCount":4,"flags":"769"}`, { droppedAttributesCount: 3, droppedEventsCount: 4, flags: 769 }],
    [
      'null for every field',
      `{"traceId":null,"spanId":null,"traceState":null,"name":null,"kind":null,"startTimeUnixNano":null,
        "attributes":null,"events":null,"links":null,"status":null,"flags":null}`,
      {
        traceId: '',
        traceState: '',
        name: '',
        kind: 0,
        startTimeUnixNano: 0n,
        events: [],
        links: [],
        status: { code: 0, message: '' },
        flags: 0,
      },
    ],
    ['unknown fields at every level', `{"name":"n","bogus":{"deep":[1,2]},"status":{"code":2,"extra":true},"events":[{"name":"e","what":1}]}`, { name: 'n', status: { code: 2, message: '' } }],
  ])('accepts %s', (_label, span, expected) => {
    expect(decodeSpan(span)).toMatchObject(expected);
  });

  it('accepts snake_case keys everywhere, as the Collector does', () => {
    const text = `{"resource_spans":[{"resource":{"attributes":[{"key":"k","value":{"string_value":"v"}}],"dropped_attributes_count":1},
      "schema_url":"https://r","scope_spans":[{"scope":{"name":"s","dropped_attributes_count":2},"schema_url":"https://s","spans":[{
      "trace_id":"${ID}","span_id":"${SID}","parent_span_id":"${SID}","trace_state":"a=b","start_time_unix_nano":"1","end_time_unix_nano":2,
      "dropped_attributes_count":3,"dropped_events_count":4,"dropped_links_count":5,
      "events":[{"time_unix_nano":"7","name":"e","dropped_attributes_count":6}],
      "links":[{"trace_id":"${ID}","span_id":"${SID}","trace_state":"c=d","dropped_attributes_count":8}],
      "attributes":[{"key":"i","value":{"int_value":"9"}},{"key":"b","value":{"bool_value":true}},{"key":"d","value":{"double_value":1.5}},
        {"key":"arr","value":{"array_value":{"values":[{"string_value":"x"}]}}},{"key":"kv","value":{"kvlist_value":{"values":[{"key":"y","value":{"bytes_value":"AQI="}}]}}}]
    }]}]}]}`;
    const group = decodeTracesJson(utf8(text)).batch.resources[0];
    expect(group.schemaUrl).toBe('https://r');
    expect(group.resource).toEqual({ attributes: new Map([['k', 'v']]), droppedAttributesCount: 1 });
    expect(group.scopes[0].schemaUrl).toBe('https://s');
    expect(group.scopes[0].scope.droppedAttributesCount).toBe(2);
    expect(group.scopes[0].records[0]).toEqual({
      traceId: ID,
      spanId: SID,
      traceState: 'a=b',
      parentSpanId: SID,
      flags: 0,
      name: '',
      kind: 0,
      startTimeUnixNano: 1n,
      endTimeUnixNano: 2n,
      attributes: new Map<string, AnyValue>([
        ['i', 9n],
        ['b', true],
        ['d', 1.5],
        ['arr', ['x']],
        ['kv', new Map([['y', Uint8Array.from([1, 2])]])],
      ]),
      droppedAttributesCount: 3,
      events: [{ timeUnixNano: 7n, name: 'e', attributes: new Map(), droppedAttributesCount: 6 }],
      droppedEventsCount: 4,
      links: [{ traceId: ID, spanId: SID, traceState: 'c=d', attributes: new Map(), droppedAttributesCount: 8, flags: 0 }],
      droppedLinksCount: 5,
      status: { code: 0, message: '' },
    });
  });

  it.each([
    ['intValue as a number', '{"intValue":42}', 42n],
    ['intValue as a negative string', '{"intValue":"-5"}', -5n],
    ['intValue as a bare int64 max', '{"intValue":9223372036854775807}', 9223372036854775807n],
    ['intValue as a bare int64 min', '{"intValue":-9223372036854775808}', -9223372036854775808n],
    ['intValue beyond int64, as the JS SDK prints 1e20', '{"intValue":100000000000000000000}', 1e20],
    ['doubleValue "NaN"', '{"doubleValue":"NaN"}', NaN],
    ['doubleValue "Infinity"', '{"doubleValue":"Infinity"}', Infinity],
    ['doubleValue "-Infinity"', '{"doubleValue":"-Infinity"}', -Infinity],
    ['doubleValue as a numeric string', '{"doubleValue":"1.5e3"}', 1500],
    ['doubleValue as an integral number', '{"doubleValue":3}', 3],
    ['bytesValue in standard base64 with padding', '{"bytesValue":"+/8="}', Uint8Array.from([0xfb, 0xff])],
    ['bytesValue in URL-safe base64 without padding', '{"bytesValue":"-_8"}', Uint8Array.from([0xfb, 0xff])],
    ['an empty bytesValue', '{"bytesValue":""}', new Uint8Array(0)],
    ['an empty AnyValue {}', '{}', null],
    ['a null AnyValue', 'null', null],
    ['an AnyValue whose member is null', '{"stringValue":null}', null],
    ['an AnyValue with only unknown fields', '{"stringValueX":"y"}', null],
    ['an empty stringValue', '{"stringValue":""}', ''],
    ['an array holding {}', '{"arrayValue":{"values":[{},{"boolValue":false}]}}', [null, false]],
    ['an arrayValue without values', '{"arrayValue":{}}', []],
    ['a kvlist whose value is missing', '{"kvlistValue":{"values":[{"key":"k"}]}}', new Map([['k', null]])],
  ])('decodes %s', (_label, anyValue, expected) => {
    expect(attributeValue(anyValue)).toEqual(expected);
  });

  it('lets a later duplicate attribute key replace the earlier value', () => {
    const span = decodeSpan('{"attributes":[{"key":"a","value":{"intValue":1}},{"key":"b"},{"key":"a","value":{"intValue":2}}]}');
    expect([...span.attributes]).toEqual([
      ['a', 2n],
      ['b', null],
    ]);
  });

  it.each([
    ['an empty object', '{}'],
    ['null resourceSpans', '{"resourceSpans":null}'],
    ['groups without spans', '{"resourceSpans":[{"resource":{}},{"scopeSpans":[{"scope":{"name":"s"},"spans":[]}]}]}'],
  ])('decodes %s to an empty batch', (_label, text) => {
    expect(decodeTracesJson(utf8(text))).toEqual({ batch: { signal: 'traces', resources: [] }, rejected: 0, message: '' });
  });

  it('accepts a UTF-8 byte order mark and pretty-printing', () => {
    const body = '\uFEFF' + JSON.stringify(JSON.parse(traceText(`{"name":"bom"}`)), null, 2);
    expect(decodeTracesJson(utf8(body)).batch.resources[0].scopes[0].records[0].name).toBe('bom');
  });

  it.each([
    ['severity as an enum name', '{"severityNumber":"SEVERITY_NUMBER_INFO"}', { severityNumber: 9 }],
    ['severity as an enum name with a level suffix', '{"severityNumber":"SEVERITY_NUMBER_FATAL4"}', { severityNumber: 24 }],
    [
      'snake_case keys',
      `{"time_unix_nano":"1","observed_time_unix_nano":2,"severity_number":17,"severity_text":"E",
        "event_name":"ev","trace_id":"${ID}","span_id":"${SID}","dropped_attributes_count":1}`,
      {
        timeUnixNano: 1n,
        observedTimeUnixNano: 2n,
        severityNumber: 17,
        severityText: 'E',
        eventName: 'ev',
        traceId: ID,
        spanId: SID,
        droppedAttributesCount: 1,
      },
    ],
    ['bare nanosecond timestamps', '{"timeUnixNano":1544712660300000001,"observedTimeUnixNano":1544712660300000002}', { timeUnixNano: 1544712660300000001n, observedTimeUnixNano: 1544712660300000002n }],
    ['a missing trace context', '{"body":{"stringValue":"x"}}', { traceId: '', spanId: '', body: 'x' }],
    ['a snake_case body', '{"body":{"kvlist_value":{"values":[{"key":"k","value":{"int_value":1}}]}}}', { body: new Map([['k', 1n]]) }],
  ])('accepts log records with %s', (_label, record, expected) => {
    expect(decodeLog(record)).toMatchObject(expected);
  });
});

describe('OTLP/JSON that cannot be decoded', () => {
  const span = (fields: string): string => traceText(`{"traceId":"${ID}","spanId":"${SID}",${fields}}`);
  const bad = (text: string): Uint8Array => utf8(text);
  it.each([
    ['an empty body', new Uint8Array(0)],
    ['truncated JSON', bad(traceText('{"name":"x"}').slice(0, -3))],
    ['invalid JSON', bad('{"resourceSpans":[}')],
    ['invalid UTF-8', Uint8Array.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])],
    ['a top-level array', bad('[]')],
    ['a top-level null', bad('null')],
    ['a top-level string', bad('"resourceSpans"')],
    ['resourceSpans that is a number', bad('{"resourceSpans":5}')],
    ['resourceSpans that is an object', bad('{"resourceSpans":{}}')],
    ['scopeSpans that is a string', bad('{"resourceSpans":[{"scopeSpans":"x"}]}')],
    ['a resource that is an array', bad('{"resourceSpans":[{"resource":[]}]}')],
    ['a span that is a number', bad(traceText('5'))],
    ['a span that is null', bad(traceText('null'))],
    ['attributes that are an object', bad(span('"attributes":{"a":1}'))],
    ['an attribute that is a string', bad(span('"attributes":["a"]'))],
    ['an AnyValue that is a bare string', bad(span('"attributes":[{"key":"a","value":"x"}]'))],
    ['an arrayValue that is an array', bad(span('"attributes":[{"key":"a","value":{"arrayValue":[]}}]'))],
    ['a name that is a number', bad(span('"name":5'))],
    ['an unknown enum name', bad(span('"kind":"SPAN_KIND_BOGUS"'))],
    ['a fractional enum', bad(span('"kind":1.5'))],
    ['a non-numeric timestamp', bad(span('"startTimeUnixNano":"12x"'))],
    ['a negative timestamp', bad(span('"startTimeUnixNano":-1'))],
    ['a timestamp beyond uint64', bad(span('"startTimeUnixNano":"18446744073709551616"'))],
    ['a fractional timestamp', bad(span('"startTimeUnixNano":1.5'))],
    ['a count beyond uint32', bad(span('"droppedAttributesCount":4294967296'))],
    ['an intValue with a fraction', bad(span('"attributes":[{"key":"a","value":{"intValue":"1.5"}}]'))],
    ['an intValue that is a boolean', bad(span('"attributes":[{"key":"a","value":{"intValue":true}}]'))],
    ['a boolValue that is a string', bad(span('"attributes":[{"key":"a","value":{"boolValue":"true"}}]'))],
    ['a doubleValue that is a word', bad(span('"attributes":[{"key":"a","value":{"doubleValue":"abc"}}]'))],
    ['a bytesValue that is not base64', bad(span('"attributes":[{"key":"a","value":{"bytesValue":"!!"}}]'))],
    ['a bytesValue of impossible length', bad(span('"attributes":[{"key":"a","value":{"bytesValue":"AAAAA"}}]'))],
    ['a status that is a string', bad(span('"status":"ERROR"'))],
  ])('rejects %s with OtlpDecodeError', (_label, body) => {
    expect(() => decodeTracesJson(body)).toThrow(OtlpDecodeError);
  });

  it('names the offending field in the message', () => {
    expect(() => decodeTracesJson(utf8('{"resourceSpans":5}'))).toThrow('resourceSpans must be an array');
    expect(() => decodeLogsJson(utf8('{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"severityNumber":"LOUD"}]}]}]}'))).toThrow(
      'logRecord.severityNumber must be an enum number or name, such as SEVERITY_NUMBER_UNSPECIFIED',
    );
  });
});
