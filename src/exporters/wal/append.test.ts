import { readdirSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { nodeFiles, type LogFiles } from '../../storage/wal/index.ts';
import { spyFiles } from '../../storage/wal/testing.ts';
import { WalBudget } from './budget.ts';
import { block, frameBytes, makeLog, removeTempDirs, settle } from './testing.ts';

afterEach(removeTempDirs);

/** Real files whose writes and truncations fail while `failing` is set: a write the file cannot be cut back from. */
function breakableFiles() {
  const state = { failing: false };
  const files: LogFiles = {
    async open(path, flags) {
      const handle = await nodeFiles.open(path, flags);
      return new Proxy(handle, {
        get(target, key) {
          const value = Reflect.get(target, key, target);
          if (typeof value !== 'function') return value;
          if (state.failing && (key === 'writev' || key === 'write' || key === 'truncate')) {
            return async () => {
              throw Object.assign(new Error('EIO: injected failure'), { code: 'EIO' });
            };
          }
          return (value as (...a: unknown[]) => unknown).bind(target);
        },
      });
    },
  };
  return { files, state };
}

const walFiles = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.wal'));

describe('appending to a table\'s write-ahead log', () => {
  it('acknowledges an append only once its frame is fsynced', async () => {
    const files = spyFiles();
    const { log } = makeLog({ files });
    await log.open();
    const release = files.holdSyncs();
    let acknowledged = false;
    const append = log.append(block(2), 2).then(() => (acknowledged = true));
    await vi.waitFor(() => expect(files.events.some((e) => e.startsWith('write '))).toBe(true));
    await settle();
    expect(acknowledged).toBe(false);
    release();
    await append;
    expect(files.events.at(-1)).toMatch(/^datasync .*\.wal$/);
    await log.close();
  });

  it('refuses an append the disk fails, keeping nothing of it: not counted, not in the file, its bytes back under the bound', async () => {
    const files = spyFiles();
    const budget = new WalBudget(1 << 20);
    const { log } = makeLog({ files, budget });
    await log.open();
    await log.append(block(2), 2);
    files.failWrites('ENOSPC');
    await expect(log.append(block(5), 5)).rejects.toMatchObject({ name: 'RetryableError', reason: 'wal_write', message: expect.stringContaining('ENOSPC') });
    await log.append(block(3), 3);
    expect(log.backlog()).toMatchObject({ rows: 5, bytes: 2 * frameBytes(), segments: 1 });
    expect(budget.bytes).toBe(2 * frameBytes());
    await log.seal();
    const segment = (await log.oldest())!;
    expect(segment).toMatchObject({ rows: 5, bytes: 2 * frameBytes() });
    await log.remove(segment);
    expect(budget.bytes).toBe(0);
    await log.close();
  });

  it('starts a new segment when a failed write leaves the file unusable, keeping the acknowledged frames before it for their insert', async () => {
    const { files, state } = breakableFiles();
    const { log, options } = makeLog({ files });
    await log.open();
    await log.append(block(2), 2);
    state.failing = true;
    await expect(log.append(block(4), 4)).rejects.toMatchObject({ reason: 'wal_write' });
    // Sealed at once, not at the next append: its acknowledged frames go to their insert meanwhile.
    expect(await log.oldest()).toMatchObject({ seq: 1, rows: 2 });
    state.failing = false;
    await log.append(block(3), 3);
    const first = (await log.oldest())!;
    expect(first).toMatchObject({ seq: 1, rows: 2 });
    await log.remove(first);
    await log.seal();
    expect(await log.oldest()).toMatchObject({ seq: 2, rows: 3 });
    expect(walFiles(options.dir)).toHaveLength(1);
    await log.close();
  });

  it('takes an append that fills the bound exactly, and refuses the next as full', async () => {
    const { log } = makeLog({ budget: new WalBudget(frameBytes()) });
    await log.open();
    await log.append(block(1), 1);
    await expect(log.append(block(1), 1)).rejects.toMatchObject({ name: 'RetryableError', reason: 'wal_full' });
    await log.close();
  });

  it('seals a segment once it holds exactly segmentMaxBytes', async () => {
    const { log } = makeLog({ segmentMaxBytes: frameBytes() });
    await log.open();
    await log.append(block(1), 1);
    expect(await log.oldest()).toMatchObject({ seq: 1, rows: 1 });
    await log.close();
  });

  it('dates the backlog from a segment\'s first append, not its latest', async () => {
    let now = 1000;
    const { log } = makeLog({ now: () => now });
    await log.open();
    await log.append(block(1), 1);
    now = 5000;
    await log.append(block(1), 1);
    expect(log.backlog()).toEqual({ rows: 2, bytes: 2 * frameBytes(), segments: 1, oldestMs: 1000 });
    await log.close();
  });

  it('after close, refuses appends as shutting down and hands the segment that took appends to its insert', async () => {
    const { log, options } = makeLog();
    await log.open();
    await log.append(block(2), 2);
    await log.close();
    await expect(log.append(block(1), 1)).rejects.toMatchObject({ name: 'RetryableError', reason: 'shutting_down' });
    expect(await log.oldest()).toMatchObject({ seq: 1, rows: 2 });
    expect(walFiles(options.dir)).toHaveLength(1);
  });

  it('when it closes while appends wait for a new segment, each is durable or refused, and no segment opens after close', async () => {
    const { log, options } = makeLog({ segmentMaxRows: 1 });
    await log.open();
    const appends = [log.append(block(1), 1), log.append(block(1), 1)];
    const closing = log.close();
    const [first, second] = await Promise.allSettled(appends);
    await closing;
    expect(first.status).toBe('fulfilled');
    expect(second).toMatchObject({ status: 'rejected', reason: { name: 'RetryableError', reason: 'shutting_down' } });
    expect(walFiles(options.dir)).toHaveLength(1);
    expect(log.backlog()).toMatchObject({ rows: 1, segments: 1 });
  });
});
