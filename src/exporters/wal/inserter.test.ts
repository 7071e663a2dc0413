import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { makeOccurrence } from '../../issues/store/testing.ts';
import type { BlockStore } from '../../storage/clickhouse/blockStore.ts';
import { nodeFiles } from '../../storage/wal/index.ts';
import { encodeErrorEventsNative, errorEventColumns } from '../clickhouse/native/index.ts';
import { errorEventsBlockBeforeOccurrences } from '../clickhouse/native/testingBlocks.ts';
import { WalBudget } from './budget.ts';
import { Inserter } from './inserter.ts';
import { nativeColumns } from './segments.ts';
import { TableLog } from './tableLog.ts';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

function recordingStore() {
  const inserts: Array<{ columns: readonly string[]; blocks: number }> = [];
  const store: BlockStore = {
    async insert(_table, columns, blocks) {
      inserts.push({ columns, blocks: blocks.length });
    },
  };
  return { store, inserts };
}

async function openLog() {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-inserter-'));
  dirs.push(dir);
  const log = new TableLog({
    dir, table: 'otelhouse_error_events', segmentMaxRows: 1000, segmentMaxBytes: 1 << 20, segmentMaxAgeMs: 60_000,
    budget: new WalBudget(1 << 20), files: nodeFiles, retryAfterMs: 5000, now: Date.now, onCommit: () => {}, onCut: () => {},
  });
  await log.open();
  return log;
}

describe('inserting a table\'s segments', () => {
  it('names only the columns a segment an earlier version wrote carries, so a column added since takes its default', async () => {
    const log = await openLog();
    const old = errorEventsBlockBeforeOccurrences([makeOccurrence(), makeOccurrence()]);
    expect(nativeColumns(old)).toBe(errorEventColumns.length - 1);
    await log.append(old, 2);
    await log.append(old, 2);
    await log.seal();
    await log.append(encodeErrorEventsNative([makeOccurrence()]).bytes, 1);
    await log.seal();

    const { store, inserts } = recordingStore();
    const inserter = new Inserter(log, {
      store, columns: errorEventColumns, insertTimeoutMs: 5000, retryInitialMs: 10, logger: pino({ level: 'silent' }),
      onInsert: () => {}, onQuarantine: () => {}, onCut: () => {},
    });
    inserter.start();
    await inserter.insertedThrough(log.lastSeq);
    await inserter.stop(1000);
    await log.close();

    expect(inserts).toEqual([
      { columns: errorEventColumns.slice(0, -1), blocks: 2 },
      { columns: errorEventColumns, blocks: 1 },
    ]);
  });
});
