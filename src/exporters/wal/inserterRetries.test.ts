import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { BlockStore } from '../../storage/clickhouse/blockStore.ts';
import { WalBudget } from './budget.ts';
import { nativeRows } from './segments.ts';
import { block, clickhouseError, heldStore, makeInserter, makeLog, removeTempDirs, settle, tempDir, until, writeSegment } from './testing.ts';

const walFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'));

/** A log holding one sealed segment of `rows` rows. */
async function sealedLog(rows = 2) {
  const made = makeLog();
  await made.log.open();
  await made.log.append(block(rows), rows);
  await made.log.seal();
  return made;
}

describe('an inserter whose inserts fail', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'hrtime'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    removeTempDirs();
  });

  it('retries with a delay doubling from retryInitialMs up to 30 s, and deletes the segment only once an insert commits', async () => {
    const { log, options } = await sealedLog(2);
    const { store, calls } = heldStore();
    const { inserter, events } = makeInserter(log, store, { retryInitialMs: 10_000, insertTimeoutMs: 60_000 });
    const t0 = Date.now();
    inserter.start();
    for (let i = 0; i < 4; i++) {
      await until(() => expect(calls).toHaveLength(i + 1));
      calls[i].reject(new Error('connect ECONNREFUSED'));
      await settle();
      expect(walFiles(options.dir)).toHaveLength(1);
      vi.advanceTimersToNextTimer();
    }
    await until(() => expect(calls).toHaveLength(5));
    calls[4].resolve();
    await inserter.insertedThrough(1);
    expect(calls.map((c) => c.at - t0)).toEqual([0, 10_000, 30_000, 60_000, 90_000]);
    expect(events).toEqual([...Array<string>(4).fill('insert 0 error'), 'insert 2 ok']);
    expect(walFiles(options.dir)).toEqual([]);
    await inserter.stop(1000);
  });

  it('gives up an insert that hangs after insertTimeoutMs, and reports every attempt\'s seconds', async () => {
    const { log } = await sealedLog(2);
    const { store, calls } = heldStore();
    const { inserter, events, seconds } = makeInserter(log, store, { insertTimeoutMs: 1000, retryInitialMs: 100 });
    inserter.start();
    await until(() => expect(calls).toHaveLength(1));
    calls[0].reject(new Error('connect ECONNREFUSED'));
    await settle();
    vi.advanceTimersToNextTimer();
    await until(() => expect(calls).toHaveLength(2));
    vi.advanceTimersByTime(1000);
    await settle();
    expect(events).toEqual(['insert 0 error', 'insert 0 error']);
    vi.advanceTimersToNextTimer();
    await until(() => expect(calls).toHaveLength(3));
    vi.advanceTimersByTime(250);
    calls[2].resolve();
    await inserter.insertedThrough(1);
    expect(events).toEqual(['insert 0 error', 'insert 0 error', 'insert 2 ok']);
    expect(seconds).toEqual([0, 1, 0.25]);
    await inserter.stop(1000);
  });

  it('deletes a segment left empty by an earlier run without an insert, and goes on with the next', async () => {
    const dir = join(tempDir(), 'otel_traces');
    await makeLog({ dir }).log.open();
    writeSegment(dir, 1, []);
    writeSegment(dir, 2, [block(2)]);
    const { log } = makeLog({ dir });
    await log.open();
    const { store, calls } = heldStore();
    const { inserter, events } = makeInserter(log, store);
    inserter.start();
    await until(() => expect(calls).toHaveLength(1));
    calls[0].resolve();
    await inserter.insertedThrough(2);
    expect(events).toEqual(['insert 2 ok']);
    expect(walFiles(dir)).toEqual([]);
    await inserter.stop(1000);
  });
});

describe('an inserter whose segments ClickHouse cannot parse', () => {
  afterEach(removeTempDirs);

  it('moves a segment rejected as unparseable three times to dead/, releases its bytes, and goes on with the next', async () => {
    const budget = new WalBudget(1 << 20);
    const { log, options } = makeLog({ budget, segmentMaxRows: 1 });
    await log.open();
    for (const rows of [1, 2, 3]) await log.append(block(rows), rows);
    const sealed = walFiles(options.dir).sort();
    // Segments by their rows: 1 and 2 never parse (each its own error type), 3 does.
    const attempts = new Map<number, number>();
    const store: BlockStore = {
      async insert(_table, _columns, blocks) {
        const rows = nativeRows(blocks[0]);
        attempts.set(rows, (attempts.get(rows) ?? 0) + 1);
        if (rows === 1) throw clickhouseError('CANNOT_PARSE_TEXT');
        if (rows === 2) throw clickhouseError('TYPE_MISMATCH');
      },
    };
    const { inserter, events } = makeInserter(log, store, { retryInitialMs: 1 });
    inserter.start();
    await inserter.insertedThrough(log.lastSeq);
    expect(Object.fromEntries(attempts)).toEqual({ 1: 3, 2: 3, 3: 1 });
    expect(events.filter((e) => !e.endsWith('error'))).toEqual(['quarantine 1', 'quarantine 2', 'insert 3 ok']);
    const dead = join(options.dir, '..', 'dead');
    expect(readdirSync(dead).sort()).toEqual(sealed.slice(0, 2).map((name) => `otel_traces-${name}`));
    expect(walFiles(options.dir)).toEqual([]);
    expect(existsSync(join(options.dir, 'dead'))).toBe(false);
    expect(budget.bytes).toBe(0);
    await inserter.stop(1000);
    await log.close();
  });

  it('keeps an unparseable segment when moving it to dead/ fails, goes on running, and moves it once the move can succeed', async () => {
    const { log, options } = await sealedLog(2);
    // A file where the dead/ folder should be: mkdir fails (as on a full or read-only disk).
    const dead = join(options.dir, '..', 'dead');
    writeFileSync(dead, 'not a folder');
    let attempts = 0;
    const store: BlockStore = {
      async insert() {
        attempts++;
        if (attempts === 4) rmSync(dead);
        throw clickhouseError('CANNOT_PARSE_TEXT');
      },
    };
    const { inserter, events } = makeInserter(log, store, { retryInitialMs: 1 });
    inserter.start();
    // (Not insertedThrough: with the loop dead, as it was, it would never resolve.)
    await until(() => expect(events).toContain('quarantine 2'), 10_000);
    // The third failure tries the move, which fails: the segment stays and is tried again; the
    // fourth frees the path, and its move succeeds.
    expect(attempts).toBe(4);
    expect(events.filter((e) => e.startsWith('quarantine'))).toEqual(['quarantine 2']);
    expect(readdirSync(dead)).toHaveLength(1);
    expect(walFiles(options.dir)).toEqual([]);
    await inserter.stop(1000);
    await log.close();
  });

  it('retries a transient failure however often it happens, and never moves its segment aside', async () => {
    const { log, options } = await sealedLog(2);
    let failures = 0;
    const store: BlockStore = {
      async insert() {
        if (++failures <= 4) throw new Error('connect ECONNREFUSED');
      },
    };
    const { inserter, events } = makeInserter(log, store, { retryInitialMs: 1 });
    inserter.start();
    await inserter.insertedThrough(1);
    expect(events).toEqual([...Array<string>(4).fill('insert 0 error'), 'insert 2 ok']);
    expect(existsSync(join(options.dir, '..', 'dead'))).toBe(false);
    await inserter.stop(1000);
  });
});
