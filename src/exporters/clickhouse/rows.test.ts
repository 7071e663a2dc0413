import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AnyValue, LogBatch, TraceBatch } from '../../batch/types.ts';
import { encodeLogs, encodeSpans } from './rows.ts';
import { AS_STRING_CASES, storedText } from '../../batch/asStringCases.ts';
import {
  attrs, checkout, expectedLogRow as expectedLog, expectedSpanRow as expectedSpan, group, id, logReadBack as logColumns, logs, makeLog, makeSpan,
  spanReadBack as spanColumns, traces,
} from './testing.ts';
import { defaultSchemaOptions, migrate } from '../../storage/clickhouse/schema/index.ts';
import { openTestEngine } from '../../storage/clickhouse/testing.ts';
import { clickhouseRowStore } from '../../storage/clickhouse/store.ts';

// --- fixtures -----------------------------------------------------------------------------------



/** Strings that break naive JSON writers, and a 100 KB one with all of them. */
const controls = Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('');
const hostile: Array<[string, string]> = [
  ['empty', ''],
  ['quotes and backslashes', 'say "hi" \\ C:\\dir\\ \\" \\\\ \\u0041 \\n'],
  ['every control character', controls],
  ['NUL', 'a\u0000b'],
  ['line and paragraph separators', '\u2028 \u2029'],
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', 'a\udc00b'],
  ['surrogates in the wrong order', '\udc00\ud800'],
  ['a high surrogate at the end', 'end\udbff'],
  ['emoji and ZWJ sequences', '😀 👩‍👩‍👧 🏳️‍🌈'],
  ['non-ASCII text', 'héllo wörld ñ 中文 العربية'],
  ['BOM, DEL, Latin-1 and noncharacters', '\ufeff\u007f\u0080\u00ff\ufffe\uffff'],
  ['HTML and JSON look-alikes', '</script><b>&amp;</b> {"a":[1,"x"]} \\/'],
];
const mix = hostile.map(([, s]) => s).join('|');
hostile.push(['100 KB of all of it', mix.repeat(Math.ceil(100_000 / mix.length)).slice(0, 100_000)]);

/** Every AnyValue type, with the values AsString handles specially. */
const typedValues = attrs(
  ['string', 'x'],
  ['true', true],
  ['false', false],
  ['int', -9_007_199_254_740_993n],
  ['int64 max', 9_223_372_036_854_775_807n],
  ['double', 637.704],
  ['tiny double', 1.5e-7],
  ['huge double', 1e21],
  ['NaN', NaN],
  ['-Inf', -Infinity],
  ['bytes', new Uint8Array([0xfb, 0xff, 0x01, 0x00])],
  ['empty value', null],
  ['array', ['a', 1n, 2.5, true, null, new Uint8Array([1]), '<"\ud800">']],
  ['kvlist', attrs(['z', 1n], ['a', attrs(['k', ['v']])], ['"', '\u2028'])],
  ['array with NaN', [NaN]],
);

// --- tests --------------------------------------------------------------------------------------

describe('the JSONEachRow text', () => {
  it('is the contrib exporter layout, byte for byte, for a plain span', () => {
    const span = makeSpan(1, { parentSpanId: 'b7ad6b7169203331', attributes: attrs(['http.route', '/a/{id}'], ['http.response.status_code', 200n]) });
    expect(encodeSpans(traces(group([span], checkout)))).toEqual({
      rows: 1,
      body:
        '{"Timestamp":1700000000000000001,"TraceId":"00000000000000000000000000abc001","SpanId":"000000000005a001",' +
        '"ParentSpanId":"b7ad6b7169203331","TraceState":"","SpanName":"span 1","SpanKind":"Server","ServiceName":"checkout",' +
        '"ResourceAttributes":{"service.name":"checkout"},"ScopeName":"io.test","ScopeVersion":"1.0.0",' +
        '"SpanAttributes":{"http.route":"/a/{id}","http.response.status_code":"200"},"Duration":1500000,"StatusCode":"Unset",' +
        '"StatusMessage":"","Events.Timestamp":[],"Events.Name":[],"Events.Attributes":[],"Links.TraceId":[],"Links.SpanId":[],' +
        '"Links.TraceState":[],"Links.Attributes":[]}\n',
    });
  });

  it('is the contrib exporter layout, byte for byte, for a plain log record', () => {
    expect(encodeLogs(logs(group([makeLog(1)], checkout)))).toEqual({
      rows: 1,
      body:
        '{"Timestamp":1700000000000000001,"TraceId":"00000000000000000000000000def001","SpanId":"000000000010a001",' +
        '"TraceFlags":1,"SeverityText":"INFO","SeverityNumber":9,"ServiceName":"checkout",' +
        '"ResourceSchemaUrl":"https://opentelemetry.io/schemas/1.26.0","ResourceAttributes":{"service.name":"checkout"},' +
        '"ScopeSchemaUrl":"","ScopeName":"io.test","ScopeVersion":"1.0.0","ScopeAttributes":{},"Body":"log 1",' +
        '"LogAttributes":{"order.id":"42"},"EventName":""}\n',
    });
  });

  it('writes events and links as parallel arrays', () => {
    const event = (n: number) => ({ timeUnixNano: BigInt(n), name: `e${n}`, attributes: attrs(['n', BigInt(n)]), droppedAttributesCount: 0 });
    const link = { traceId: id(1, 32), spanId: id(2, 16), traceState: 'k=v', attributes: attrs(), droppedAttributesCount: 0, flags: 0 };
    const { body } = encodeSpans(traces(group([makeSpan(1, { events: [event(1), event(2)], links: [link] })], checkout)));
    expect(body).toContain(
      '"Events.Timestamp":[1,2],"Events.Name":["e1","e2"],"Events.Attributes":[{"n":"1"},{"n":"2"}],' +
        `"Links.TraceId":["${id(1, 32)}"],"Links.SpanId":["${id(2, 16)}"],"Links.TraceState":["k=v"],"Links.Attributes":[{}]}\n`,
    );
  });

  it('escapes exactly as JSON.stringify, with lone surrogates as U+FFFD', () => {
    for (const [, s] of hostile) {
      const { body } = encodeSpans(traces(group([makeSpan(1, { name: s, attributes: attrs([s, s]) })], checkout)));
      const row = JSON.parse(body);
      const sound = Buffer.from(s).toString();
      expect(row.SpanName).toBe(sound);
      expect(row.SpanAttributes).toEqual({ [sound]: sound });
      expect(body).toContain(`"SpanName":${JSON.stringify(sound)},`);
    }
  });

  it('encodes every row of many resources and scopes, one line each', () => {
    const twoScopes = group([makeSpan(3)], attrs(['service.name', 'cart']), 'a');
    twoScopes.scopes.push(group([], checkout).scopes[0], group([makeSpan(4)], checkout, 'b').scopes[0]);
    const batch = traces(group([makeSpan(1), makeSpan(2)], checkout), twoScopes, group(Array.from({ length: 40 }, (_, i) => makeSpan(10 + i)), attrs()));
    const { body, rows } = encodeSpans(batch);
    const lines = body.split('\n');
    expect(lines.pop()).toBe('');
    expect(rows).toBe(44);
    expect(lines.map((l) => JSON.parse(l).SpanName)).toEqual(['span 1', 'span 2', 'span 3', 'span 4', ...Array.from({ length: 40 }, (_, i) => `span ${10 + i}`)]);
    expect(lines.map((l) => JSON.parse(l).ScopeName).slice(2, 4)).toEqual(['a', 'b']);
    expect(encodeSpans(traces())).toEqual({ body: '', rows: 0 });
  });

  it('encodes a batch far larger than one body chunk as its records one by one', () => {
    const spans = Array.from({ length: 2_000 }, (_, i) => makeSpan(i, { attributes: attrs(['url.full', `https://shop.example.com/${'x'.repeat(i % 300)}`]) }));
    const { body, rows } = encodeSpans(traces(group(spans, checkout)));
    expect(rows).toBe(2_000);
    expect(body.length).toBeGreaterThan(4 * 131_072);
    expect(body).toBe(spans.map((span) => encodeSpans(traces(group([span], checkout))).body).join(''));
  });

  it('keeps encoding correctly past the bounds of its attribute key cache', () => {
    const long = `${'k'.repeat(300)}"\ud800`;
    const many = attrs(...Array.from({ length: 10_050 }, (_, i): [string, AnyValue] => [`key.${i}`, BigInt(i)]), [long, 'v']);
    for (let round = 0; round < 2; round++) {
      const row = JSON.parse(encodeSpans(traces(group([makeSpan(1, { attributes: many })], checkout))).body);
      expect(Object.keys(row.SpanAttributes)).toHaveLength(10_051);
      expect(row.SpanAttributes['key.10049']).toBe('10049');
      expect(row.SpanAttributes[`${'k'.repeat(300)}"\ufffd`]).toBe('v');
    }
  });
});

describe('rows inserted into the embedded ClickHouse read back byte for byte', () => {
  const engine = openTestEngine();
  const store = clickhouseRowStore(engine.client, 'otel');
  beforeAll(() => migrate(engine.client, { ...defaultSchemaOptions, database: 'otel' }));
  afterAll(() => engine.close());

  async function roundTripSpans(batch: TraceBatch) {
    await store.insert('otel_traces', encodeSpans(batch).body, randomUUID());
    const ids = batch.resources.flatMap((g) => g.scopes.flatMap((s) => s.records.map((r) => r.spanId)));
    const rows = await engine.select<{ spanId: string }>(`SELECT ${spanColumns} FROM otel.otel_traces WHERE SpanId IN {ids:Array(String)}`, { ids });
    const expected = batch.resources.flatMap((g) => g.scopes.flatMap((s) => s.records.map((span) => expectedSpan(span, g))));
    expect(rows.sort((a, b) => a.spanId.localeCompare(b.spanId))).toEqual(expected.sort((a, b) => a.spanId.localeCompare(b.spanId)));
  }

  async function roundTripLogs(batch: LogBatch) {
    await store.insert('otel_logs', encodeLogs(batch).body, randomUUID());
    const ids = batch.resources.flatMap((g) => g.scopes.flatMap((s) => s.records.map((r) => r.spanId)));
    const rows = await engine.select<{ spanId: string }>(`SELECT ${logColumns} FROM otel.otel_logs WHERE SpanId IN {ids:Array(String)}`, { ids });
    const expected = batch.resources.flatMap((g) => g.scopes.flatMap((s) => s.records.map((log) => expectedLog(log, g))));
    expect(rows.sort((a, b) => a.spanId.localeCompare(b.spanId))).toEqual(expected.sort((a, b) => a.spanId.localeCompare(b.spanId)));
  }

  it('keeps hostile strings in every string column, map key and value of a span, its events and links', async () => {
    const spans = hostile.map(([label, s], i) =>
      makeSpan(100 + i, {
        traceState: s,
        name: s,
        attributes: attrs([s, s], [`${label} key`, s], ['plain', 'x']),
        status: { code: 2, message: s },
        events: [
          { timeUnixNano: 1_700_000_000_000_000_000n, name: s, attributes: attrs([s, s]), droppedAttributesCount: 0 },
          { timeUnixNano: 1_700_000_000_000_000_001n, name: 'second', attributes: attrs(), droppedAttributesCount: 0 },
        ],
        links: [{ traceId: id(i + 1, 32), spanId: id(i + 1, 16), traceState: s, attributes: attrs([s, s]), droppedAttributesCount: 0, flags: 0 }],
      }),
    );
    const resource = attrs(['service.name', hostile[1][1]], ...hostile.map(([label, s]): [string, AnyValue] => [label, s]));
    await roundTripSpans(traces(group(spans, resource, hostile[5][1], hostile[9][1])));
  });

  it('stores every attribute value type as the Collector AsString text', async () => {
    await roundTripSpans(traces(group([makeSpan(200, { attributes: typedValues })], attrs(['service.name', 42n], ['typed', typedValues]))));
  });

  it('stores each value as the AsString table says (written from Go, not from our asString)', async () => {
    const span = makeSpan(210, { attributes: attrs(...AS_STRING_CASES.map(([name, value]): [string, AnyValue] => [name, value])) });
    await store.insert('otel_traces', encodeSpans(traces(group([span], checkout))).body, randomUUID());
    const [row] = await engine.select<{ a: Record<string, string> }>('SELECT SpanAttributes AS a FROM otel.otel_traces WHERE SpanId = {id:String}', { id: span.spanId });
    expect(row!.a).toEqual(Object.fromEntries(AS_STRING_CASES.map(([name, , text]) => [name, storedText(text)])));
  });

  it('clamps timestamps to the DateTime64(9) range and durations to zero, and blanks unknown kinds and status codes', async () => {
    const max = (1n << 63n) - 1n;
    const event = (t: bigint) => ({ timeUnixNano: t, name: 'e', attributes: attrs(), droppedAttributesCount: 0 });
    const spans = [
      makeSpan(300, { startTimeUnixNano: 0n, endTimeUnixNano: 0n, events: [event(0n)] }),
      makeSpan(301, { startTimeUnixNano: max, endTimeUnixNano: max, events: [event(max)] }),
      makeSpan(302, { startTimeUnixNano: max + 1n, endTimeUnixNano: (1n << 64n) - 1n, events: [event(1n << 64n)] }),
      makeSpan(303, { startTimeUnixNano: 0n, endTimeUnixNano: (1n << 64n) - 1n }),
      makeSpan(304, { startTimeUnixNano: 2_000n, endTimeUnixNano: 1_000n, kind: 6, status: { code: 3, message: '' } }),
      makeSpan(305, { kind: -1, status: { code: -1, message: '' } }),
      ...[0, 1, 2, 3, 4, 5].map((kind) => makeSpan(310 + kind, { kind, status: { code: kind % 3, message: '' } })),
    ];
    await roundTripSpans(traces(group(spans, checkout), group([makeSpan(320, { parentSpanId: id(7, 16), traceId: '' })], attrs())));
  });

  it('keeps hostile strings and every body type in log records', async () => {
    const bodies: AnyValue[] = [...hostile.map(([, s]) => s), ...typedValues.values()];
    const records = bodies.map((body, i) =>
      makeLog(400 + i, { body, severityText: typeof body === 'string' ? body : 'WARN', eventName: typeof body === 'string' ? body : '', attributes: attrs(['body.kind', typeof body]) }),
    );
    const scoped = group(records, attrs(['service.name', hostile[10][1]], ['k', hostile[3][1]]), hostile[2][1], hostile[6][1], attrs([hostile[12][1], hostile[4][1]]));
    scoped.scopes[0].schemaUrl = hostile[1][1];
    await roundTripLogs(logs(scoped));
  });

  it('falls back to the observed time, and clamps flags, severity numbers and timestamps', async () => {
    const max = (1n << 63n) - 1n;
    await roundTripLogs(
      logs(
        group(
          [
            makeLog(500, { timeUnixNano: 0n }),
            makeLog(501, { timeUnixNano: 0n, observedTimeUnixNano: 0n }),
            makeLog(502, { timeUnixNano: max }),
            makeLog(503, { timeUnixNano: max + 1n }),
            makeLog(504, { flags: 0x1ff, severityNumber: 300 }),
            makeLog(505, { traceId: '', spanId: id(505, 16), flags: 0xffffffff, severityNumber: 24 }),
          ],
          attrs(),
        ),
      ),
    );
  });
});
