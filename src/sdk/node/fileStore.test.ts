import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';

import type { QueuedRecord, StoreChange } from '../core/queue.ts';
import { RecordQueue } from '../core/queue.ts';
import { changeBytes, changeLine, FileStore, parseLine } from './fileStore.ts';

/** Every `datasync` of a file handle the store opens is counted (the real call still runs). */
const syncs = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    open: async (...args: Parameters<typeof fs.open>) => {
      const handle = await fs.open(...args);
      const datasync = handle.datasync.bind(handle);
      handle.datasync = async () => {
        syncs.count++;
        return datasync();
      };
      return handle;
    },
  };
});

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

  it('are written as the UTF-8 of the line and its newline, piece by piece, and the plain way when a record’s size is wrong', () => {
    const sized = (r: QueuedRecord): QueuedRecord => ({ ...r, bytes: Buffer.byteLength(r.json) });
    const cafe = { ...record(4, '{"b":"café"}'), scope: { name: 'café-app' } };
    const changes: StoreChange[] = [
      { put: [sized(record(1, '{"a":1}')), sized(record(2, hostile)), sized(cafe), sized(record(3, '{}'))], remove: [7], drops: { dropped: { overflow: 1, expired: 0, rejected: 0, throttled: 0 }, reported: { overflow: 0, expired: 0, rejected: 0, throttled: 0 } } },
      { put: [sized(record(9, hostile))] },
      // Sizes too small and too large (`record` counts UTF-16 units): the line is still exact.
      { put: [record(2, hostile)] },
      { put: [{ ...record(1, '{"a":1}'), bytes: 50 }] },
      { remove: [1, 2] },
      { put: [] },
    ];
    for (const change of changes) {
      const bytes = changeBytes(change);
      expect(bytes.toString('utf8')).toBe(`${changeLine(change)}\n`);
      expect(bytes.equals(Buffer.from(`${changeLine(change)}\n`))).toBe(true);
    }
  });

  it('read lines of the earlier format, whose records carry their JSON as a string', () => {
    const earlier: StoreChange = { put: [record(5, hostile)], remove: [1] };
    expect(parseLine(JSON.stringify(earlier))).toEqual(earlier);
  });
});

describe('the Node store’s syncs', () => {
  it('syncs every change a send depends on, and writes an answered batch’s removal without a sync of its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelhouse-filestore-'));
    try {
      const store = new FileStore(dir);
      await store.load();
      const before = syncs.count;
      await store.commit({ put: [record(1, '{"a":1}'), record(2, '{"b":2}')] });
      expect(syncs.count - before).toBe(1);
      await store.commit({ batch: { signal: 'logs', pending: [{ id: 'b1', seqs: [1, 2] }] } });
      expect(syncs.count - before).toBe(2);
      await store.commit({ remove: [1, 2], batch: { signal: 'logs', pending: [] }, sync: false });
      expect(syncs.count - before).toBe(2);
      // Written all the same, in order: a restart sees the removal.
      const lines = readFileSync(join(dir, 'queue.log'), 'utf8').trim().split('\n');
      expect(parseLine(lines.at(-1)!)).toEqual({ remove: [1, 2], batch: { signal: 'logs', pending: [] } });
      await store.close();
      const again = new FileStore(dir);
      expect((await again.load()).records).toEqual([]);
      await again.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('costs a queue two syncs per batch: its records written ahead, then the batch in flight; not its answer', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'otelhouse-filestore-'));
    try {
      const queue = await RecordQueue.open(new FileStore(dir), { maxBytes: 1 << 20, maxAgeMs: 86_400_000, persistDelayMs: 60_000 });
      const before = syncs.count;
      for (let i = 0; i < 10; i++) queue.add({ signal: 'logs', scope: { name: 't' }, record: { body: { stringValue: `r${i}` } }, severity: 9 });
      await queue.persist();
      const batch = await queue.next('logs', 512, 1 << 20, () => 'batch-sync-test-000000');
      expect(batch!.records).toHaveLength(10);
      expect(syncs.count - before).toBe(2);
      await queue.settle('logs', batch!.id, 'acknowledged');
      expect(syncs.count - before).toBe(2);
      await queue.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
