import { describe, expect, it } from 'vitest';

import { decodeTracesProtobuf } from '../../receiver/otlp/index.ts';
import { toResourceSpans, type SpanRow } from './otlp.ts';
import { encodeTrace } from './protobuf.ts';

function makeRow(overrides: Partial<SpanRow> = {}): SpanRow {
  return {
    startNs: '1700000000000000001', TraceId: '0af7651916cd43dd8448eb211c80319c', SpanId: 'b7ad6b7169203331', ParentSpanId: '',
    TraceState: '', SpanName: 'GET /', SpanKind: 'Server', ServiceName: 'api', ResourceAttributes: { 'service.name': 'api' },
    ScopeName: 'http', ScopeVersion: '1.0', SpanAttributes: {}, durationNs: '5', StatusCode: 'Unset', StatusMessage: '',
    eventTimes: [], eventNames: [], eventAttributes: [], linkTraceIds: [], linkSpanIds: [], linkTraceStates: [], linkAttributes: [],
    ...overrides,
  };
}

describe('stored rows → OTLP', () => {
  it('groups by resource and scope, in the order first seen', () => {
    const batches = toResourceSpans([
      makeRow({ SpanId: '0000000000000001' }),
      makeRow({ SpanId: '0000000000000002', ServiceName: 'db', ResourceAttributes: { 'service.name': 'db' } }),
      makeRow({ SpanId: '0000000000000003', ScopeName: 'sql' }),
    ]);
    expect(batches.map((b) => [b.resource.attributes[0]!.value.stringValue, b.scopeSpans.map((s) => [s.scope.name, s.spans.map((x) => x.spanId)])])).toEqual([
      ['api', [['http', ['0000000000000001']], ['sql', ['0000000000000003']]]],
      ['db', [['http', ['0000000000000002']]]],
    ]);
  });

  it.each([
    ['Unspecified', 0], ['Internal', 1], ['Server', 2], ['Client', 3], ['Producer', 4], ['Consumer', 5],
  ])('maps kind %s to %i', (kind, n) => {
    expect(toResourceSpans([makeRow({ SpanKind: kind })])[0]!.scopeSpans[0]!.spans[0]!.kind).toBe(n);
  });

  it.each([['Unset', 0], ['Ok', 1], ['Error', 2]])('maps status %s to %i', (code, n) => {
    expect(toResourceSpans([makeRow({ StatusCode: code })])[0]!.scopeSpans[0]!.spans[0]!.status.code).toBe(n);
  });

  it('adds service.name to a resource stored without it, and ends a span at start + Duration to the nanosecond', () => {
    const [batch] = toResourceSpans([makeRow({ ResourceAttributes: { host: 'h' }, durationNs: '18446744073' })]);
    expect(batch!.resource.attributes.map((a) => a.key)).toEqual(['service.name', 'host']);
    expect(batch!.scopeSpans[0]!.spans[0]!.endTimeUnixNano).toBe('1700000018446744074');
  });

  it('writes protobuf that an OTLP decoder reads back field for field', () => {
    const row = makeRow({
      ParentSpanId: '00f067aa0ba902b7', TraceState: 'a=b', SpanAttributes: { 'http.status': '500', ok: 'false' }, StatusCode: 'Error', StatusMessage: 'boom',
      eventTimes: ['1700000000000000003'], eventNames: ['exception'], eventAttributes: [{ 'exception.type': 'E' }],
      linkTraceIds: ['1af7651916cd43dd8448eb211c80319c'], linkSpanIds: ['c7ad6b7169203331'], linkTraceStates: ['x=y'], linkAttributes: [{ l: '1' }],
    });
    const decoded = decodeTracesProtobuf(encodeTrace(toResourceSpans([row])));
    expect(decoded.rejected).toBe(0);
    const span = decoded.batch.resources[0]!.scopes[0]!.records[0]!;
    expect(span).toMatchObject({
      traceId: row.TraceId, spanId: row.SpanId, parentSpanId: row.ParentSpanId, traceState: 'a=b', name: 'GET /', kind: 2,
      startTimeUnixNano: 1700000000000000001n, endTimeUnixNano: 1700000000000000006n, status: { code: 2, message: 'boom' },
      attributes: new Map([['http.status', '500'], ['ok', 'false']]),
    });
    expect(span.events).toMatchObject([{ timeUnixNano: 1700000000000000003n, name: 'exception', attributes: new Map([['exception.type', 'E']]) }]);
    expect(span.links).toMatchObject([{ traceId: '1af7651916cd43dd8448eb211c80319c', spanId: 'c7ad6b7169203331', traceState: 'x=y', attributes: new Map([['l', '1']]) }]);
    expect(decoded.batch.resources[0]!.scopes[0]!.scope).toMatchObject({ name: 'http', version: '1.0' });
  });
});
