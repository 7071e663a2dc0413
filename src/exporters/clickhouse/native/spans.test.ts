import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AnyValue, SpanEvent, SpanLink, TraceBatch } from '../../../batch/types.ts';
import { encodeSpans } from '../rows.ts';
import { AS_STRING_CASES, storedText } from '../../../batch/asStringCases.ts';
import { encodeSpansNative, spanColumns } from './index.ts';
import { attrs, checkout, compareTables, group, hostile, id, makeSpan, maxNanos, encoderTables, traces, typedValues } from './testing.ts';
import { expectedSpanRow, spanReadBack } from '../testing.ts';

const event = (t: bigint, name = 'e', attributes = attrs()): SpanEvent => ({ timeUnixNano: t, name, attributes, droppedAttributesCount: 0 });
const link = (n: number, traceState = '', attributes = attrs()): SpanLink => ({ traceId: id(n, 32), spanId: id(n, 16), traceState, attributes, droppedAttributesCount: 0, flags: 0 });

const { engine, native, json, setup, teardown } = encoderTables();
beforeAll(setup);
afterAll(teardown);

describe('a Native block of spans', () => {
  it('is byte for byte what ClickHouse writes with FORMAT Native for the same rows', async () => {
    const span = makeSpan(1, { traceState: 'k=v', kind: 3, status: { code: 2, message: 'boom' }, attributes: attrs(['a', 'x'], ['b', 2n]), events: [event(3n, 'e1', attrs(['k', 'v'])), event(4n, 'e2')], links: [link(7)] });
    const plain = makeSpan(2, { startTimeUnixNano: 20n, endTimeUnixNano: 10n, kind: 9, attributes: attrs() });
    // Timestamps as JSON integers (ns): too large for a JS number, so spliced in as text.
    const row = (ts: string, rest: object) => `{"Timestamp":${ts},${JSON.stringify(rest).slice(1)}`;
    const common = { ServiceName: 'checkout', ResourceAttributes: { 'service.name': 'checkout' }, ScopeName: 'io.test', ScopeVersion: '1.0.0' };
    const rows = [
      row('1700000000000000001', {
        TraceId: id(0xabc001, 32), SpanId: id(0x5a001, 16), ParentSpanId: '', TraceState: 'k=v', SpanName: 'span 1', SpanKind: 'Client', ...common,
        SpanAttributes: { a: 'x', b: '2' }, Duration: 1500000, StatusCode: 'Error', StatusMessage: 'boom', 'Events.Timestamp': [3, 4],
        'Events.Name': ['e1', 'e2'], 'Events.Attributes': [{ k: 'v' }, {}], 'Links.TraceId': [id(7, 32)], 'Links.SpanId': [id(7, 16)],
        'Links.TraceState': [''], 'Links.Attributes': [{}],
      }),
      row('20', {
        TraceId: id(0xabc002, 32), SpanId: id(0x5a002, 16), ParentSpanId: '', TraceState: '', SpanName: 'span 2', SpanKind: '', ...common,
        SpanAttributes: {}, Duration: 0, StatusCode: 'Unset', StatusMessage: '', 'Events.Timestamp': [], 'Events.Name': [], 'Events.Attributes': [],
        'Links.TraceId': [], 'Links.SpanId': [], 'Links.TraceState': [], 'Links.Attributes': [],
      }),
    ];
    const structure =
      'Timestamp DateTime64(9), TraceId String, SpanId String, ParentSpanId String, TraceState String, SpanName LowCardinality(String), ' +
      'SpanKind LowCardinality(String), ServiceName LowCardinality(String), ResourceAttributes Map(LowCardinality(String), String), ' +
      'ScopeName String, ScopeVersion String, SpanAttributes Map(LowCardinality(String), String), Duration UInt64, ' +
      'StatusCode LowCardinality(String), StatusMessage String, `Events.Timestamp` Array(DateTime64(9)), `Events.Name` Array(LowCardinality(String)), ' +
      '`Events.Attributes` Array(Map(LowCardinality(String), String)), `Links.TraceId` Array(String), `Links.SpanId` Array(String), ' +
      '`Links.TraceState` Array(String), `Links.Attributes` Array(Map(LowCardinality(String), String))';
    const path = join(tmpdir(), `otelhouse-native-${randomUUID()}.native`);
    await engine.client.command({ query: `SELECT * FROM format(JSONEachRow, '${structure}', $$${rows.join('\n')}$$) INTO OUTFILE '${path}' FORMAT Native` });
    const written = readFileSync(path);
    rmSync(path);
    expect(Buffer.from(encodeSpansNative(traces(group([span, plain], checkout))).bytes).equals(written)).toBe(true);
  });

  it('is empty for a batch without spans, with or without groups', () => {
    expect(encodeSpansNative(traces())).toEqual({ bytes: new Uint8Array(0), rows: 0 });
    expect(encodeSpansNative(traces(group([], checkout))).bytes.length).toBe(0);
  });
});

describe('spans inserted as Native from a file into the embedded ClickHouse', () => {
  /** Inserts `batch` as Native and as JSONEachRow; reads the Native rows back and checks both tables hold the same rows. */
  async function roundTrip(batch: TraceBatch, blocks = [encodeSpansNative(batch).bytes]) {
    await native.insert('native.otel_traces', spanColumns, blocks);
    await json.insert('otel_traces', encodeSpans(batch).body, randomUUID());
    const ids = batch.resources.flatMap((g) => g.scopes.flatMap((s) => s.records.map((r) => r.spanId)));
    const rows = await engine.select<{ spanId: string }>(`SELECT ${spanReadBack} FROM native.otel_traces WHERE SpanId IN {ids:Array(String)}`, { ids });
    const expected = batch.resources.flatMap((g) => g.scopes.flatMap((s) => s.records.map((span) => expectedSpanRow(span, g))));
    const bySpanId = (a: { spanId: string }, b: { spanId: string }) => a.spanId.localeCompare(b.spanId);
    expect(rows.sort(bySpanId)).toEqual(expected.sort(bySpanId));
    const both = await compareTables(engine, 'native.otel_traces', 'json.otel_traces');
    expect(both).toEqual({ onlyInFirst: 0, onlyInSecond: 0, rows: [both.rows[0], both.rows[0]] });
  }

  it('keeps hostile strings in every string column, map key and value of a span, its events and links', async () => {
    const spans = hostile.map(([label, s], i) =>
      makeSpan(100 + i, {
        traceState: s,
        name: s,
        attributes: attrs([s, s], [`${label} key`, s], ['plain', 'x']),
        status: { code: 2, message: s },
        events: [event(1_700_000_000_000_000_000n, s, attrs([s, s])), event(1_700_000_000_000_000_001n, 'second')],
        links: [link(i + 1, s, attrs([s, s]))],
      }),
    );
    const resource = attrs(['service.name', hostile[9][1]], ...hostile.map(([label, s]): [string, AnyValue] => [label, s]));
    await roundTrip(traces(group(spans, resource, hostile[3][1], hostile[8][1])));
  });

  it('stores every attribute value type as the Collector AsString text', async () => {
    await roundTrip(traces(group([makeSpan(200, { attributes: typedValues })], attrs(['service.name', 42n], ['typed', typedValues]))));
  });

  it('stores each value as the AsString table says (written from Go, not from our asString)', async () => {
    const span = makeSpan(210, { attributes: attrs(...AS_STRING_CASES.map(([name, value]): [string, AnyValue] => [name, value])) });
    const batch = traces(group([span], attrs(['service.name', 'checkout'])));
    // Into both tables, as every test here: the tables are compared whole afterwards.
    await native.insert('native.otel_traces', spanColumns, [encodeSpansNative(batch).bytes]);
    await json.insert('otel_traces', encodeSpans(batch).body, randomUUID());
    const [row] = await engine.select<{ a: Record<string, string> }>('SELECT SpanAttributes AS a FROM native.otel_traces WHERE SpanId = {id:String}', { id: span.spanId });
    expect(row!.a).toEqual(Object.fromEntries(AS_STRING_CASES.map(([name, , text]) => [name, storedText(text)])));
  });

  it('clamps timestamps to the DateTime64(9) range and durations to zero, and blanks unknown kinds and status codes', async () => {
    const spans = [
      makeSpan(300, { startTimeUnixNano: 0n, endTimeUnixNano: 0n, events: [event(0n)] }),
      makeSpan(301, { startTimeUnixNano: maxNanos, endTimeUnixNano: maxNanos, events: [event(maxNanos)] }),
      makeSpan(302, { startTimeUnixNano: maxNanos + 1n, endTimeUnixNano: (1n << 64n) - 1n, events: [event(1n << 64n)] }),
      makeSpan(303, { startTimeUnixNano: -5n, endTimeUnixNano: 10n, events: [event(-1n)] }),
      makeSpan(306, { startTimeUnixNano: 0n, endTimeUnixNano: (1n << 64n) - 1n }),
      makeSpan(304, { startTimeUnixNano: 2_000n, endTimeUnixNano: 1_000n, kind: 6, status: { code: 3, message: '' } }),
      makeSpan(305, { kind: -1, status: { code: -1, message: '' } }),
      ...[0, 1, 2, 3, 4, 5].map((kind) => makeSpan(310 + kind, { kind, status: { code: kind % 3, message: '' } })),
    ];
    await roundTrip(traces(group(spans, checkout)));
  });

  it('stores spans with and without events and links, empty maps, empty IDs and a resource without service.name', async () => {
    const spans = [
      makeSpan(400, { attributes: attrs() }),
      makeSpan(401, { traceId: '', spanId: id(401, 16), parentSpanId: '', events: [event(5n, '', attrs())] }),
      makeSpan(402, { links: [link(1), link(2, 'a=b', attrs(['l', 1n]))] }),
      makeSpan(403, { events: [event(1n), event(2n, 'x', attrs(['k', 'v'])), event(3n)], links: [link(3)] }),
      makeSpan(404, { parentSpanId: id(9, 16) }),
    ];
    await roundTrip(traces(group(spans, attrs()), group([makeSpan(405)], attrs(['other', 'x']), '', '')));
  });

  it('stores many spans of many resources and scopes', async () => {
    const twoScopes = group([makeSpan(500)], attrs(['service.name', 'cart']), 'a');
    twoScopes.scopes.push(group([], checkout).scopes[0], group([makeSpan(501)], checkout, 'b').scopes[0]);
    const many = Array.from({ length: 5_000 }, (_, i) => makeSpan(1_000 + i, { attributes: attrs(['i', BigInt(i)], ['url.full', `https://x/${'y'.repeat(i % 200)}`]) }));
    await roundTrip(traces(group(many.slice(0, 2_500), checkout), twoScopes, group(many.slice(2_500), attrs(['service.name', 'big']))));
  });

  it('reads two blocks written one after the other in one file as one stream', async () => {
    const first = traces(group([makeSpan(600), makeSpan(601)], checkout));
    const second = traces(group([makeSpan(602, { events: [event(1n)] })], attrs(['service.name', 'second'])));
    const batch = traces(...first.resources, ...second.resources);
    await roundTrip(batch, [encodeSpansNative(first).bytes, encodeSpansNative(second).bytes]);
  });

  it('stores the rows of a file once when it is inserted twice with the same deduplication token', async () => {
    const batch = traces(group([makeSpan(700), makeSpan(701)], checkout));
    const token = randomUUID();
    const path = await native.insert('native.otel_traces', spanColumns, [encodeSpansNative(batch).bytes], token);
    await native.insertFile('native.otel_traces', spanColumns, path, token);
    const count = async () => Number((await engine.select<{ n: string }>(`SELECT count() AS n FROM native.otel_traces WHERE SpanId IN ('${id(0x5a000 + 700, 16)}', '${id(0x5a000 + 701, 16)}')`))[0].n);
    expect(await count()).toBe(2);
    await native.insertFile('native.otel_traces', spanColumns, path, randomUUID());
    expect(await count()).toBe(4);
  });
});
