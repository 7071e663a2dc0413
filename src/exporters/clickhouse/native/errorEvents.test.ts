import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { eventId } from '../../../issues/store/rows.ts';
import { insertOccurrences, makeOccurrence } from '../../../issues/store/testing.ts';
import type { Occurrence } from '../../../issues/types.ts';
import { encodeErrorEventsNative, errorEventColumns } from './index.ts';
import { compareTables, encoderTables, errorEventsBlockBeforeOccurrences, hostile, maxNanos } from './testing.ts';

const hex = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();
const stringColumns = errorEventColumns.filter((c) => c !== 'Timestamp' && c !== 'Occurrences');

const { engine, native, setup, teardown } = encoderTables();
beforeAll(setup);
afterAll(teardown);

/** Inserts occurrences as Native and as JSONEachRow; checks both tables hold the same rows. */
async function roundTrip(occurrences: Occurrence[]) {
  await native.insert('native.otelhouse_error_events', errorEventColumns, [encodeErrorEventsNative(occurrences).bytes]);
  await insertOccurrences(engine.client, 'json', occurrences, randomUUID());
  const both = await compareTables(engine, 'native.otelhouse_error_events', 'json.otelhouse_error_events');
  expect(both).toEqual({ onlyInFirst: 0, onlyInSecond: 0, rows: [both.rows[0], both.rows[0]] });
}

describe('error events inserted as Native from a file into the embedded ClickHouse', () => {
  it('is an empty block for no occurrences', () => {
    expect(encodeErrorEventsNative([])).toEqual({ bytes: new Uint8Array(0), rows: 0 });
  });

  it('stores every column of an occurrence, with its stable event id', async () => {
    const o = makeOccurrence({ timeUnixNano: 1_700_000_000_123_456_789n, userId: 'u-9', installationId: 'i-1', deviceId: 'd-2', sessionId: 's-3', spanId: 'b7ad6b7169203331' });
    await roundTrip([o]);
    const [row] = await engine.select(`SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, ${stringColumns.join(', ')} FROM native.otelhouse_error_events WHERE SpanId = 'b7ad6b7169203331'`);
    expect(row).toEqual({
      ts: '1700000000123456789', EventId: eventId(o), Fingerprint: 'fp-checkout-typeerror', Source: 'span_event', ServiceName: 'checkout',
      ServiceVersion: '1.0.0', Environment: 'production', Platform: 'node', ExceptionType: 'TypeError',
      Message: "Cannot read properties of undefined (reading 'id')", NormalizedMessage: "Cannot read properties of undefined (reading 'id')",
      StackTrace: "TypeError: Cannot read properties of undefined (reading 'id')\n    at charge (/app/src/pay.js:10:5)",
      Culprit: 'charge (/app/src/pay.js)', Severity: 'error', TraceId: '0af7651916cd43dd8448eb211c80319c', SpanId: 'b7ad6b7169203331',
      UserId: 'u-9', InstallationId: 'i-1', DeviceId: 'd-2', SessionId: 's-3',
    });
  });

  it('stores how many occurrences each stands for, 1 for a count ClickHouse could not hold', async () => {
    const counts = [1, 500, 1_000_000, 0xffff_ffff, 2 ** 40, 0, -3, 2.5, NaN, Infinity];
    await roundTrip(counts.map((count, i) => makeOccurrence({ spanId: `count-${i}`, count })));
    const rows = await engine.select<{ SpanId: string; n: number }>(
      "SELECT SpanId, Occurrences AS n FROM native.otelhouse_error_events WHERE SpanId LIKE 'count-%' ORDER BY toUInt32(substring(SpanId, 7))",
    );
    expect(rows.map((r) => r.n)).toEqual([1, 500, 1_000_000, 0xffff_ffff, 0xffff_ffff, 1, 1, 1, 1, 1]);
  });

  it('stores a block written before Occurrences existed, inserted with the columns it carries, as one occurrence each', async () => {
    expect(errorEventColumns.at(-1)).toBe('Occurrences');
    const old = errorEventsBlockBeforeOccurrences([makeOccurrence({ spanId: 'before-1', count: 9 }), makeOccurrence({ spanId: 'before-2' })]);
    // Into both tables: the other tests compare them whole.
    for (const db of ['native', 'json']) await native.insert(`${db}.otelhouse_error_events`, errorEventColumns.slice(0, -1), [old]);
    const rows = await engine.select<{ SpanId: string; n: number }>("SELECT SpanId, Occurrences AS n FROM native.otelhouse_error_events WHERE SpanId LIKE 'before-%' ORDER BY SpanId");
    expect(rows).toEqual([{ SpanId: 'before-1', n: 1 }, { SpanId: 'before-2', n: 1 }]);
  });

  it('keeps hostile strings in every string column and clamps timestamps', async () => {
    const occurrences = hostile.map(([, s], i) =>
      makeOccurrence({
        spanId: `hostile-${i}`, fingerprint: s, message: s, normalizedMessage: s, stacktrace: s, culprit: s, type: s, service: s,
        version: s, environment: s, userId: s, installationId: s, deviceId: s, sessionId: s, traceId: s,
      }),
    );
    occurrences.push(makeOccurrence({ spanId: 'clamped-high', timeUnixNano: maxNanos + 1n }), makeOccurrence({ spanId: 'clamped-low', timeUnixNano: -1n }));
    await roundTrip(occurrences);
    const rows = await engine.select<{ SpanId: string; message: string; ts: string }>(
      `SELECT SpanId, hex(Message) AS message, toString(toUnixTimestamp64Nano(Timestamp)) AS ts FROM native.otelhouse_error_events
       WHERE SpanId LIKE 'hostile-%' OR SpanId LIKE 'clamped-%' ORDER BY SpanId`,
    );
    expect(rows.find((r) => r.SpanId === 'hostile-3')!.message).toBe('61EFBFBD62');
    expect(rows.find((r) => r.SpanId === 'hostile-15')!.message).toBe(hex(hostile[15][1]));
    expect(rows.find((r) => r.SpanId === 'clamped-high')!.ts).toBe('9223372036854775807');
    expect(rows.find((r) => r.SpanId === 'clamped-low')!.ts).toBe('0');
  });

  it('stores the rows of a file once when it is inserted twice with the same deduplication token', async () => {
    const occurrences = [makeOccurrence({ spanId: 'dedup-1' }), makeOccurrence({ spanId: 'dedup-2' })];
    const token = randomUUID();
    const path = await native.insert('native.otelhouse_error_events', errorEventColumns, [encodeErrorEventsNative(occurrences).bytes], token);
    await native.insertFile('native.otelhouse_error_events', errorEventColumns, path, token);
    const count = async () => Number((await engine.select<{ n: string }>(`SELECT count() AS n FROM native.otelhouse_error_events WHERE SpanId LIKE 'dedup-%'`))[0].n);
    expect(await count()).toBe(2);
    await native.insertFile('native.otelhouse_error_events', errorEventColumns, path, randomUUID());
    expect(await count()).toBe(4);
  });
});
