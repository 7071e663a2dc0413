import { describe, expect, it } from 'vitest';

import type { QueuedRecord, StoreChange } from '../core/queue.ts';
import { changeLine, parseLine } from './fileStore.ts';

const record = (seq: number, json: string): QueuedRecord => ({ signal: 'logs', scope: { name: 'app', version: '1.0.0' }, severity: 9, json, seq, bytes: json.length, createdMs: 1_733_300_000_000 + seq });

describe('the Node store’s lines', () => {
  const hostile = JSON.stringify({ body: { stringValue: 'quote " backslash \\ newline \n lone \ud800 emoji 😀 </script>' }, attributes: [{ key: 'k', value: { doubleValue: -1.5e-300 } }] });

  it('carry each record’s OTLP/JSON as it is, and give back exactly the same record text', () => {
    const change: StoreChange = { put: [record(1, '{"a":1}'), record(2, hostile)], remove: [7, 8], drops: { dropped: { overflow: 1, expired: 0, rejected: 0, throttled: 2 }, reported: { overflow: 0, expired: 0, rejected: 0, throttled: 0 } } };
    const line = changeLine(change);
    expect(line).not.toContain('\n');
    // The record is an object in the line, not a string holding escaped JSON.
    expect(line).toContain('"record":{"a":1}');
    expect(line).not.toContain('"json"');
    expect(parseLine(line)).toEqual(change);
  });

  it('write changes without records, and lines with only records', () => {
    for (const change of [{ remove: [1, 2, 3] }, { batch: { signal: 'logs' as const, pending: [{ id: 'b1', seqs: [1, 2] }] } }, {}, { put: [record(3, hostile)] }, { put: [] }]) {
      expect(parseLine(changeLine(change))).toEqual(change.put?.length === 0 ? {} : change);
    }
  });

  it('read lines of the earlier format, whose records carry their JSON as a string', () => {
    const earlier: StoreChange = { put: [record(5, hostile)], remove: [1] };
    expect(parseLine(JSON.stringify(earlier))).toEqual(earlier);
  });
});
