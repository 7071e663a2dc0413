import { appendFileSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { RetryableError } from '../../errors.ts';
import { attrs, makeSpan, spansOf, traceBatch } from '../../batch/testing.ts';
import { spyFiles } from '../../storage/wal/testing.ts';
import { encodeBatch } from './codec.ts';
import { HoldLog } from './holdlog.ts';
import { harness } from './testing.ts';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-hold-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const T = (n: number) => n.toString(16).padStart(32, '0');
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('the tail-sampling hold log', () => {
  it('replays held spans after a crash, every value type intact', async () => {
    const dir = tempDir();
    const span = makeSpan({
      traceId: T(1), traceState: 'ot=th:c', attributes: attrs({ s: 'x', i: 12345678901234567890n, d: 0.5, nan: NaN, b: true, n: null, bytes: new Uint8Array([1, 2, 255]), arr: ['a', 1n], map: attrs({ k: 'v' }) }),
      events: [{ timeUnixNano: 5n, name: 'exception', attributes: attrs({ 'exception.type': 'E' }), droppedAttributesCount: 1 }],
      links: [{ traceId: T(9), spanId: 'c'.repeat(16), traceState: '', attributes: attrs({}), droppedAttributesCount: 0, flags: 1 }],
      status: { code: 2, message: 'boom' },
    });
    const batch = traceBatch({ web: [span] });
    await new HoldLog(dir, 1e9).write(batch).durable; // then the process dies: no close
    const [replayed] = await new HoldLog(dir, 1e9).replay();
    expect(replayed).toEqual(traceBatch({ web: [span] }));
  });

  it('does not replay traces done before the crash, but replays one held again after', async () => {
    const dir = tempDir();
    let now = 0;
    const log = new HoldLog(dir, 1e9, 1000, () => now);
    const first = log.write(traceBatch({ web: [makeSpan({ traceId: T(1) }), makeSpan({ traceId: T(2) })] }));
    log.retain(first.segment);
    log.retain(first.segment);
    await first.durable;
    log.release([T(1), T(2)], [first.segment, first.segment]);
    now = 5000;
    await log.write(traceBatch({ web: [makeSpan({ traceId: T(2), name: 'held again' })] })).durable;
    const replayed = (await new HoldLog(dir, 1e9).replay()).flatMap(spansOf);
    expect(replayed.map((s) => [s.traceId, s.name])).toEqual([[T(2), 'held again']]);
  });

  it('deletes segments oldest first, once no trace needs them', async () => {
    const dir = tempDir();
    let now = 0;
    const log = new HoldLog(dir, 1e9, 1000, () => now);
    const a = log.write(traceBatch({ web: [makeSpan({ traceId: T(1) })] }));
    log.retain(a.segment);
    now = 1000;
    const b = log.write(traceBatch({ web: [makeSpan({ traceId: T(2) })] }));
    log.retain(b.segment);
    await b.durable;
    now = 2000;
    log.release([T(2)], [b.segment]);
    await settle();
    expect(readdirSync(dir)).toHaveLength(3); // the newer segment waits for the older one
    log.release([T(1)], [a.segment]);
    await settle();
    expect(readdirSync(dir)).toEqual(['seg-000000000003.log']); // the active one, with the tombstones
    await log.close();
  });

  it('refuses writes beyond its bound with a retryable error', () => {
    const log = new HoldLog(tempDir(), 100);
    expect(() => log.write(traceBatch({ web: [makeSpan()] }))).toThrow(RetryableError);
  });

  it('cuts a frame torn by the crash and replays the whole ones', async () => {
    const dir = tempDir();
    await new HoldLog(dir, 1e9).write(traceBatch({ web: [makeSpan({ traceId: T(1) })] })).durable;
    appendFileSync(join(dir, readdirSync(dir)[0]), Buffer.from([200, 0, 0, 0, 1, 2, 3, 4, 0x7b]));
    expect((await new HoldLog(dir, 1e9).replay()).flatMap(spansOf)).toHaveLength(1);
  });

  it('resolves a write only after an fdatasync that follows it', async () => {
    const dir = tempDir();
    const files = spyFiles();
    const log = new HoldLog(dir, 1e9, 1000, Date.now, files);
    const { durable } = log.write(traceBatch({ web: [makeSpan({ traceId: T(1) })] }));
    const release = files.holdSyncs();
    let resolved = false;
    void durable.then(() => (resolved = true));
    await settle();
    expect(resolved).toBe(false);
    expect(files.events.some((e) => e.startsWith('write '))).toBe(true);
    release();
    await durable;
    const events = files.events;
    expect(events.findLastIndex((e) => e.startsWith('datasync '))).toBeGreaterThan(events.findLastIndex((e) => e.startsWith('write ')));
    await log.close();
  });

  it('replays the line segments an earlier version wrote', async () => {
    const dir = tempDir();
    const span = makeSpan({ traceId: T(3), name: 'from v1' });
    writeFileSync(join(dir, 'seg-000000000007.jsonl'), `${JSON.stringify({ b: encodeBatch(traceBatch({ web: [span] })) })}\n{"b":[{"a":[`);
    const log = new HoldLog(dir, 1e9);
    expect((await log.replay()).flatMap(spansOf).map((s) => s.name)).toEqual(['from v1']);
    // New segments number after the old ones.
    expect(log.write(traceBatch({ web: [makeSpan()] })).segment).toBe(8);
    await log.close();
  });
});

describe('tail sampling with disk durability', () => {
  it('acknowledges held spans only once they are on disk, and decides them after a crash and restart', async () => {
    const stateDir = tempDir();
    const before = await harness({ durability: 'disk', policies: [{ type: 'status_code', statusCodes: ['ERROR'] }] }, stateDir);
    await before.send(traceBatch({ web: [makeSpan({ traceId: T(1), status: { code: 2, message: '' } }), makeSpan({ traceId: T(2) })] }));
    // Crash: no shutdown, nothing decided. A new processor on the same state directory takes over.
    const after = await harness({ durability: 'disk', policies: [{ type: 'status_code', statusCodes: ['ERROR'] }] }, stateDir);
    expect(after.processor.held.traces).toBe(2);
    await after.advance(1000);
    expect(after.emittedSpans().map((s) => s.traceId)).toEqual([T(1)]);
    await after.processor.shutdown();
    expect(readdirSync(stateDir).length).toBeLessThanOrEqual(1);
    await before.processor.shutdown();
  });

  it('does not replay a kept trace already handed on before a restart', async () => {
    const stateDir = tempDir();
    const options = { durability: 'disk', policies: [{ type: 'always_sample' }] };
    const before = await harness(options, stateDir);
    await before.send(traceBatch({ web: [makeSpan({ traceId: T(1) })] }));
    await before.advance(1000);
    await settle();
    expect(before.emittedSpans()).toHaveLength(1);
    const after = await harness(options, stateDir);
    expect(after.processor.held.traces).toBe(0);
    await Promise.all([before.processor.shutdown(), after.processor.shutdown()]);
  });
});
