import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { spyFiles } from '../../storage/wal/testing.ts';
import { insertToken } from './segments.ts';
import { block, heldStore, makeInserter, makeLog, removeTempDirs, settle, tempDir, until, writeSegment } from './testing.ts';

const walFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'));

/** Tracks whether a promise has settled. */
function watch(promise: Promise<unknown>) {
  const state = { done: false };
  void promise.then(() => (state.done = true));
  return state;
}

/**
 * An inserter busy with a first segment's insert (held) while a slow disk holds the fsync of the
 * next append, and so the seal of the segment taking appends, until `release` is called.
 */
async function insertingWhileTheDiskHolds() {
  const files = spyFiles();
  const { log, options } = makeLog({ files });
  await log.open();
  await log.append(block(1), 1);
  await log.seal();
  const { store, calls } = heldStore();
  const { inserter } = makeInserter(log, store, { insertTimeoutMs: 60_000 });
  inserter.start();
  await until(() => expect(calls).toHaveLength(1));
  const release = files.holdSyncs();
  const appended = log.append(block(2), 2);
  await until(() => expect(files.events.filter((e) => e.startsWith('write '))).toHaveLength(2));
  return { inserter, calls, options, release, appended };
}

describe('an inserter at work', () => {
  afterEach(removeTempDirs);

  it('inserts a segment sealed after it started with nothing to do, with the segment\'s token, and deletes it once committed', async () => {
    const { log, options } = makeLog();
    await log.open();
    const { store, calls } = heldStore();
    const { inserter, events } = makeInserter(log, store);
    inserter.start();
    await settle();
    await log.append(block(2), 2);
    await log.seal();
    const segment = (await log.oldest())!;
    await until(() => expect(calls).toHaveLength(1));
    expect(calls[0]).toMatchObject({ rows: 2, token: insertToken('otel_traces', segment), columns: ['a', 'b', 'c'] });
    calls[0].resolve();
    await inserter.insertedThrough(segment.seq);
    expect(events).toEqual(['insert 2 ok']);
    expect(walFiles(options.dir)).toEqual([]);
    await inserter.stop(1000);
    await log.close();
  });

  it('says a sequence number is inserted only once every segment up to it is, and at once for one already inserted', async () => {
    const dir = join(tempDir(), 'otel_traces');
    await makeLog({ dir }).log.open();
    for (const seq of [1, 2, 3]) writeSegment(dir, seq, [block(seq)]);
    const { log } = makeLog({ dir });
    await log.open();
    const { store, calls } = heldStore();
    const { inserter } = makeInserter(log, store);
    const first = watch(inserter.insertedThrough(1));
    const all = watch(inserter.insertedThrough(log.lastSeq));
    inserter.start();
    await until(() => expect(calls).toHaveLength(1));
    await settle();
    expect([first.done, all.done]).toEqual([false, false]);
    calls[0].resolve();
    await until(() => expect(calls).toHaveLength(2));
    expect([first.done, all.done]).toEqual([true, false]);
    const again = watch(inserter.insertedThrough(1));
    await settle();
    expect(again.done).toBe(true);
    calls[1].resolve();
    await until(() => expect(calls).toHaveLength(3));
    await settle();
    expect(all.done).toBe(false);
    calls[2].resolve();
    await until(() => expect(all.done).toBe(true));
    await inserter.stop(1000);
  });

  it('waits for rows still in the segment taking appends', async () => {
    const { log } = makeLog();
    await log.open();
    await log.append(block(2), 2);
    const { store, calls } = heldStore();
    const { inserter } = makeInserter(log, store);
    inserter.start();
    const through = watch(inserter.insertedThrough(log.lastSeq));
    await settle();
    expect(through.done).toBe(false);
    await log.seal();
    await until(() => expect(calls).toHaveLength(1));
    calls[0].resolve();
    await until(() => expect(through.done).toBe(true));
    await inserter.stop(1000);
    await log.close();
  });
});

describe('an inserter stopping', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
    removeTempDirs();
  });

  it('seals the segment taking appends and inserts it before it resolves, giving a slow insert its timeout within the deadline', async () => {
    const { log, options } = makeLog();
    await log.open();
    await log.append(block(2), 2);
    const { store, calls } = heldStore();
    const { inserter, events } = makeInserter(log, store, { insertTimeoutMs: 5000 });
    inserter.start();
    const stopped = watch(inserter.stop(10_000));
    await until(() => expect(calls).toHaveLength(1));
    vi.advanceTimersByTime(2000);
    await settle();
    expect(stopped.done).toBe(false);
    calls[0].resolve();
    await until(() => expect(stopped.done).toBe(true));
    expect(events).toEqual(['insert 2 ok']);
    expect(walFiles(options.dir)).toEqual([]);
  });

  it('gives up an insert that hangs after its insert timeout, before the deadline, leaving the segment for the next start', async () => {
    const { log, options } = makeLog();
    await log.open();
    await log.append(block(2), 2);
    const { store, calls } = heldStore();
    const { inserter, events } = makeInserter(log, store, { insertTimeoutMs: 1000 });
    inserter.start();
    const stopped = watch(inserter.stop(10_000));
    await until(() => expect(calls).toHaveLength(1));
    vi.advanceTimersByTime(1000);
    await until(() => expect(stopped.done).toBe(true));
    expect(events).toEqual(['insert 0 error']);
    expect(walFiles(options.dir)).toHaveLength(1);
  });

  it('abandons an insert under way at the deadline, leaving its segment for the next start', async () => {
    const { log, options } = makeLog();
    await log.open();
    await log.append(block(2), 2);
    await log.seal();
    const { store, calls } = heldStore();
    const { inserter, events } = makeInserter(log, store, { insertTimeoutMs: 60_000 });
    inserter.start();
    await until(() => expect(calls).toHaveLength(1));
    const stopped = watch(inserter.stop(1000));
    await settle();
    expect(stopped.done).toBe(false);
    vi.advanceTimersByTime(1000);
    await until(() => expect(stopped.done).toBe(true));
    expect(events).toEqual(['insert 0 error']);
    calls[0].resolve(); // a commit after the deadline: the token makes the next start's insert harmless
    expect(walFiles(options.dir)).toHaveLength(1);
  });

  it('starts no insert after the deadline, even when sealing the last segment outlasts it', async () => {
    const { inserter, calls, options, release, appended } = await insertingWhileTheDiskHolds();
    const stopped = watch(inserter.stop(1000));
    vi.advanceTimersByTime(1000);
    await settle();
    release();
    await appended;
    await until(() => expect(stopped.done).toBe(true));
    expect(calls).toHaveLength(1);
    expect(walFiles(options.dir)).toHaveLength(2);
  });

  it('returns at its deadline while a disk that never answers holds the last seal, and inserts nothing after it', async () => {
    const { inserter, calls, options, release, appended } = await insertingWhileTheDiskHolds();
    const stopped = watch(inserter.stop(1000));
    await settle();
    expect(stopped.done).toBe(false);
    vi.advanceTimersByTime(1000);
    await until(() => expect(stopped.done).toBe(true));
    // The disk answers after the deadline: the sealed segment waits for the next start.
    release();
    await appended;
    await settle();
    expect(calls).toHaveLength(1);
    expect(walFiles(options.dir)).toHaveLength(2);
  });

  it('gives up at once on a failing insert, leaving its segment for the next start, and releases whoever waits for it', async () => {
    const { log, options } = makeLog();
    await log.open();
    await log.append(block(2), 2);
    await log.seal();
    const { store, calls } = heldStore();
    const { inserter } = makeInserter(log, store);
    inserter.start();
    const through = watch(inserter.insertedThrough(1));
    await until(() => expect(calls).toHaveLength(1));
    const stopped = watch(inserter.stop(10_000));
    await settle();
    calls[0].reject(new Error('connect ECONNREFUSED'));
    await until(() => expect(stopped.done).toBe(true));
    expect(through.done).toBe(true);
    expect(walFiles(options.dir)).toHaveLength(1);
    const after = watch(inserter.insertedThrough(1));
    await settle();
    expect(after.done).toBe(true);
  });
});
