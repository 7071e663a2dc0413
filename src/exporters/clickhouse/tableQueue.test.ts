import { describe, expect, it } from 'vitest';
import { TableQueue, type Chunk } from './tableQueue.ts';

const rows = (n: number) => ({ body: 'r\n'.repeat(n), rows: n });

/** A write function that records chunks and completes each only when released. */
function gatedWriter() {
  const chunks: Chunk[] = [];
  const gates: Array<() => void> = [];
  const write = (chunk: Chunk) => {
    chunks.push(chunk);
    return new Promise<void>((resolve) => gates.push(resolve));
  };
  return { chunks, write, releaseAll: () => gates.splice(0).forEach((g) => g()) };
}

const tick = (ms = 0) => new Promise((r) => setTimeout(r, ms));

describe('the table queue', () => {
  it('cuts a chunk once maxBatchRows are waiting, without waiting for the timer', async () => {
    const w = gatedWriter();
    const q = new TableQueue('t', { maxBatchRows: 10, flushIntervalMs: 60_000, maxConcurrentInserts: 1 }, w.write);
    void q.add(rows(4));
    void q.add(rows(6));
    expect(w.chunks.map((c) => c.rows)).toEqual([10]);
    expect(w.chunks[0].waiters).toHaveLength(2);
  });

  it('cuts what is pending after flushIntervalMs', async () => {
    const w = gatedWriter();
    const q = new TableQueue('t', { maxBatchRows: 1000, flushIntervalMs: 10, maxConcurrentInserts: 1 }, w.write);
    void q.add(rows(3));
    expect(w.chunks).toHaveLength(0);
    await tick(30);
    expect(w.chunks.map((c) => c.rows)).toEqual([3]);
  });

  it('keeps gathering while every insert slot is busy, then writes one large chunk', async () => {
    const w = gatedWriter();
    const q = new TableQueue('t', { maxBatchRows: 12, flushIntervalMs: 1, maxConcurrentInserts: 1 }, w.write);
    const first = q.add(rows(5));
    await tick(10);
    const later = [q.add(rows(5)), q.add(rows(5)), q.add(rows(2))];
    await tick(10);
    expect(w.chunks.map((c) => c.rows)).toEqual([5]);
    w.releaseAll();
    await first;
    await tick();
    expect(w.chunks.map((c) => c.rows)).toEqual([5, 12]);
    expect(new Set(w.chunks.map((c) => c.token)).size).toBe(2);
    w.releaseAll();
    await Promise.all(later);
  });

  it('cuts whole requests up to maxBatchRows however much gathered behind a busy slot', async () => {
    const w = gatedWriter();
    const q = new TableQueue('t', { maxBatchRows: 12, flushIntervalMs: 1, maxConcurrentInserts: 1 }, w.write);
    const all = [q.add(rows(20))];
    await tick(5);
    for (let i = 0; i < 5; i++) all.push(q.add(rows(5)));
    for (let round = 0; round < 4; round++) {
      w.releaseAll();
      await tick(10);
    }
    await Promise.all(all);
    expect(w.chunks.map((c) => c.rows)).toEqual([20, 10, 10, 5]);
  });

  it('settles each request with its chunk: rejections reach only that chunk\'s waiters', async () => {
    let n = 0;
    const q = new TableQueue('t', { maxBatchRows: 1, flushIntervalMs: 1, maxConcurrentInserts: 2 }, async () => {
      if (n++ === 0) throw new Error('spool full');
    });
    const results = await Promise.allSettled([q.add(rows(1)), q.add(rows(1))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
  });

  it('flush writes everything pending and resolves when the last insert is done', async () => {
    const w = gatedWriter();
    const q = new TableQueue('t', { maxBatchRows: 1000, flushIntervalMs: 60_000, maxConcurrentInserts: 1 }, w.write);
    void q.add(rows(7));
    let flushed = false;
    const done = q.flush().then(() => (flushed = true));
    expect(w.chunks.map((c) => c.rows)).toEqual([7]);
    await tick(5);
    expect(flushed).toBe(false);
    w.releaseAll();
    await done;
    expect(flushed).toBe(true);
    await expect(q.flush()).resolves.toBeUndefined();
  });
});
