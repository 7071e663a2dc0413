import { readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../errors.ts';
import { WalBudget } from './budget.ts';
import { insertToken, nativeRows } from './segments.ts';
import { block, frameBytes, makeLog, removeTempDirs, settle, tempDir, writeSegment } from './testing.ts';

afterEach(removeTempDirs);

describe('a table\'s write-ahead log', () => {
  it('reads the row count from a Native block header', () => {
    expect(nativeRows(block(7))).toBe(7);
    expect(nativeRows(Buffer.from([30, 0x80, 0x01]))).toBe(128); // a two-byte varint
    expect(() => nativeRows(Buffer.from([3]))).toThrow(/cut short/);
    expect(() => nativeRows(Buffer.from([3, 0x80]))).toThrow(/cut short/);
  });

  it('seals a segment once it holds segmentMaxRows rows, and hands out sealed segments oldest first', async () => {
    const { log } = makeLog({ segmentMaxRows: 10 });
    await log.open();
    await Promise.all([log.append(block(6), 6), log.append(block(6), 6), log.append(block(3), 3)]);
    const first = await log.oldest();
    expect(first).toMatchObject({ seq: 1, rows: 12 });
    expect(log.backlog()).toMatchObject({ rows: 15, segments: 2 });
    await log.remove(first!);
    expect(await log.oldest()).toBeUndefined(); // the second one still takes appends
    await log.seal();
    expect(await log.oldest()).toMatchObject({ seq: 2, rows: 3 });
    await log.close();
  });

  it('seals a segment by bytes, and by age after its first append', async () => {
    const bySize = makeLog({ segmentMaxBytes: 100 });
    await bySize.log.open();
    await bySize.log.append(block(1, 120), 1);
    expect(await bySize.log.oldest()).toMatchObject({ rows: 1 });
    await bySize.log.close();

    const byAge = makeLog({ segmentMaxAgeMs: 30 });
    await byAge.log.open();
    await byAge.log.append(block(2), 2);
    expect(await byAge.log.oldest()).toBeUndefined();
    await byAge.log.whenSealed();
    expect(await byAge.log.oldest()).toMatchObject({ rows: 2 });
    await byAge.log.close();
  });

  it('refuses an append past the shared bound with a retryable error, and takes it again once a segment is removed', async () => {
    const budget = new WalBudget(100);
    const { log } = makeLog({ budget, segmentMaxRows: 1 });
    await log.open();
    await log.append(block(1, 60), 1);
    await expect(log.append(block(1, 60), 1)).rejects.toBeInstanceOf(RetryableError);
    await expect(log.append(block(1, 60), 1)).rejects.toThrow(/write-ahead log full/);
    await log.remove((await log.oldest())!);
    expect(budget.bytes).toBe(0);
    await log.append(block(1, 60), 1);
    await log.close();
  });

  it('takes up the segments an earlier run left, in order, with their rows, bytes and the same tokens', async () => {
    const first = makeLog({ segmentMaxRows: 4 });
    await first.log.open();
    for (const rows of [4, 4, 2]) await first.log.append(block(rows), rows);
    const before = [(await first.log.oldest())!.name];
    // The process dies: no close. The segment taking appends is left as it is.
    const budget = new WalBudget(1 << 20);
    const second = makeLog({ dir: first.options.dir, budget });
    await second.log.open();
    expect(second.log.backlog()).toMatchObject({ rows: 10, segments: 3 });
    expect(budget.bytes).toBe(3 * (8 + 12)); // three segments of one frame: an 8-byte header and a 12-byte block
    const oldest = (await second.log.oldest())!;
    expect(oldest.name).toBe(before[0]);
    expect(insertToken('otel_traces', oldest)).toBe(`otelhouse-wal-otel_traces-${before[0].replace('.wal', '')}`);
    // New segments number after the old ones.
    await second.log.append(block(1), 1);
    expect(second.log.lastSeq).toBe(4);
    expect(second.cuts).toEqual([]);
    await second.log.close();
    await first.log.close();
    expect(readdirSync(first.options.dir).filter((f) => f.endsWith('.wal'))).toHaveLength(4);
  });

  it('takes up the segments an earlier run left in sequence order, whatever order the folder lists them in', async () => {
    const dir = join(tempDir(), 'otel_traces');
    const { log } = makeLog({ dir });
    await log.open();
    for (const seq of [3, 1, 5, 2, 6, 4]) writeSegment(dir, seq, [block(seq)]);
    const { log: reopened } = makeLog({ dir });
    await reopened.open();
    const order: number[][] = [];
    for (let s = await reopened.oldest(); s; s = await reopened.oldest()) {
      order.push([s.seq, s.rows]);
      await reopened.remove(s);
    }
    expect(order).toEqual([[1, 1], [2, 2], [3, 3], [4, 4], [5, 5], [6, 6]]);
    expect(readdirSync(dir)).toEqual([]);
    await log.close();
  });

  it('removes the temporary files an earlier run left in the table\'s folder, and nothing else', async () => {
    const dir = join(tempDir(), 'otel_traces');
    await makeLog({ dir }).log.open();
    for (const f of ['otelhouse-wal-otel_traces-1.native', 'segment.tmp', 'notes.txt']) writeFileSync(join(dir, f), 'x');
    const { log } = makeLog({ dir });
    await log.open();
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    expect(log.backlog()).toEqual({ rows: 0, bytes: 0, segments: 0, oldestMs: undefined });
  });

  it('after a restart, dates the backlog from the earliest segment that holds rows', async () => {
    const dir = join(tempDir(), 'otel_traces');
    await makeLog({ dir }).log.open();
    // The age of a segment left from an earlier run is its file's time; an empty one (the run died
    // before its first frame) holds nothing to wait for, however old.
    const segments: Array<[number, number]> = [[1, 3000], [2, 1000], [3, 500], [4, 4000]];
    for (const [seq, ms] of segments) {
      const name = writeSegment(dir, seq, seq === 3 ? [] : [block(1)]);
      utimesSync(join(dir, name), ms / 1000, ms / 1000);
    }
    const { log } = makeLog({ dir });
    await log.open();
    expect(log.backlog()).toEqual({ rows: 3, bytes: 3 * frameBytes(), segments: 4, oldestMs: 1000 });
  });

  it('says at once that a segment is sealed when one already is', async () => {
    const { log } = makeLog({ segmentMaxRows: 1 });
    await log.open();
    await log.append(block(1), 1);
    let sealed = false;
    void log.whenSealed().then(() => (sealed = true));
    await settle();
    expect(sealed).toBe(true);
    await log.close();
  });
});
