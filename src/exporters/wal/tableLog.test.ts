import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../errors.ts';
import { nodeFiles } from '../../storage/wal/index.ts';
import { WalBudget } from './budget.ts';
import { insertToken, nativeRows } from './segments.ts';
import { TableLog, type TableLogOptions } from './tableLog.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A stand-in for a Native block: its header's two varints (columns, rows), then filler. */
const block = (rows: number, filler = 10) => Buffer.concat([Buffer.from([3, rows]), Buffer.alloc(filler, 0xab)]);

function makeLog(overrides: Partial<TableLogOptions> = {}) {
  const dir = overrides.dir ?? mkdtempSync(join(tmpdir(), 'otelhouse-tablelog-'));
  dirs.push(dir);
  const cuts: string[] = [];
  const options: TableLogOptions = {
    dir,
    table: 'otel_traces',
    segmentMaxRows: 1000,
    segmentMaxBytes: 1 << 20,
    segmentMaxAgeMs: 60_000,
    budget: new WalBudget(1 << 20),
    files: nodeFiles,
    retryAfterMs: 5000,
    now: Date.now,
    onCommit: () => {},
    onCut: (reason, bytes) => cuts.push(`${reason} ${bytes}`),
    ...overrides,
  };
  return { log: new TableLog(options), options, cuts };
}

describe('a table\'s write-ahead log', () => {
  it('reads the row count from a Native block header', () => {
    expect(nativeRows(block(7))).toBe(7);
    expect(nativeRows(Buffer.from([30, 0x80, 0x01]))).toBe(128); // a two-byte varint
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
});
