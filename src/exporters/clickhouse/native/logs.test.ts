import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { AnyValue, LogBatch } from '../../../batch/types.ts';
import { encodeLogs } from '../rows.ts';
import { encodeLogsNative, logColumns } from './index.ts';
import { attrs, checkout, compareTables, group, hostile, id, logs, makeLog, maxNanos, encoderTables, typedValues } from './testing.ts';
import { expectedLogRow, logReadBack } from '../testing.ts';


const { engine, native, json, setup, teardown } = encoderTables();
beforeAll(setup);
afterAll(teardown);

describe('log records inserted as Native from a file into the embedded ClickHouse', () => {
  /** Inserts `batch` as Native and as JSONEachRow; reads the Native rows back and checks both tables hold the same rows. */
  async function roundTrip(batch: LogBatch, blocks = [encodeLogsNative(batch).bytes]) {
    await native.insert('native.otel_logs', logColumns, blocks);
    await json.insert('otel_logs', encodeLogs(batch).body, randomUUID());
    const ids = batch.resources.flatMap((g) => g.scopes.flatMap((s) => s.records.map((r) => r.spanId)));
    const rows = await engine.select<{ spanId: string }>(`SELECT ${logReadBack} FROM native.otel_logs WHERE SpanId IN {ids:Array(String)}`, { ids });
    const expected = batch.resources.flatMap((g) => g.scopes.flatMap((s) => s.records.map((log) => expectedLogRow(log, g))));
    const bySpanId = (a: { spanId: string }, b: { spanId: string }) => a.spanId.localeCompare(b.spanId);
    expect(rows.sort(bySpanId)).toEqual(expected.sort(bySpanId));
    const both = await compareTables(engine, 'native.otel_logs', 'json.otel_logs');
    expect(both).toEqual({ onlyInFirst: 0, onlyInSecond: 0, rows: [both.rows[0], both.rows[0]] });
  }

  it('is an empty block for a batch without records', () => {
    expect(encodeLogsNative(logs())).toEqual({ bytes: new Uint8Array(0), rows: 0 });
    expect(encodeLogsNative(logs(group([], checkout))).bytes.length).toBe(0);
  });

  it('keeps hostile strings and every body type in log records, their resource and scope', async () => {
    const bodies: AnyValue[] = [...hostile.map(([, s]) => s), ...typedValues.values()];
    const records = bodies.map((body, i) =>
      makeLog(100 + i, {
        body,
        severityText: typeof body === 'string' ? body : 'WARN',
        eventName: typeof body === 'string' ? body : '',
        attributes: typeof body === 'string' ? attrs([body, body], ['kind', 'string']) : attrs(['kind', typeof body]),
      }),
    );
    const resource = attrs(['service.name', hostile[10][1]], ['k', hostile[1][1]]);
    const scoped = group(records, resource, hostile[2][1], hostile[5][1], attrs([hostile[9][1], hostile[3][1]], ['typed', typedValues]));
    scoped.scopes[0].schemaUrl = hostile[8][1];
    scoped.schemaUrl = hostile[7][1];
    await roundTrip(logs(scoped));
  });

  it('falls back to the observed time, and clamps flags, severity numbers and timestamps', async () => {
    await roundTrip(
      logs(
        group(
          [
            makeLog(200, { timeUnixNano: 0n }),
            makeLog(201, { timeUnixNano: 0n, observedTimeUnixNano: 0n }),
            makeLog(202, { timeUnixNano: maxNanos }),
            makeLog(203, { timeUnixNano: maxNanos + 1n }),
            makeLog(204, { timeUnixNano: -1n }),
            makeLog(205, { flags: 0x1ff, severityNumber: 300 }),
            makeLog(206, { traceId: '', spanId: id(206, 16), flags: 0xffffffff, severityNumber: 24 }),
            makeLog(207, { attributes: attrs(), body: null }),
          ],
          attrs(),
        ),
      ),
    );
  });

  it('stores many records of many resources and scopes, in two blocks of one file', async () => {
    const many = Array.from({ length: 3_000 }, (_, i) => makeLog(1_000 + i, { attributes: attrs(['i', BigInt(i)], ['d', i / 7]) }));
    const first = logs(group(many.slice(0, 1_000), checkout), group(many.slice(1_000, 1_500), attrs(['service.name', 'cart']), 'other', ''));
    const second = logs(group(many.slice(1_500), attrs()));
    await roundTrip(logs(...first.resources, ...second.resources), [encodeLogsNative(first).bytes, encodeLogsNative(second).bytes]);
  });
});
