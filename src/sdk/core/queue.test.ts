import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { FileStore } from '../node/fileStore.ts';
import type { EncodedRecord } from './otlpJson.ts';
import { nativeUtf8Length, portableUtf8Length, RecordQueue, utf8Length, type QueueOptions } from './queue.ts';

// The write-ahead queue on the Node file store (real files): bounds, eviction order, expiry, and
// the batch in flight surviving a restart.

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
function dir(): string {
  const d = mkdtempSync(join(tmpdir(), 'otelhouse-queue-'));
  dirs.push(d);
  return d;
}

const log = (text: string, severity: number): EncodedRecord => ({ signal: 'logs', scope: { name: 't' }, record: { body: { stringValue: text } }, severity });
const span = (name: string): EncodedRecord => ({ signal: 'traces', scope: { name: 't' }, record: { name }, severity: 9 });
const bodies = (records: Array<{ json: string }>) =>
  records.map((r) => JSON.parse(r.json) as { body?: { stringValue: string }; name?: string }).map((r) => r.body?.stringValue ?? r.name);
let ids = 0;
const newId = () => `batch-${++ids}-xxxx`;

async function open(path: string, options: Partial<QueueOptions> = {}) {
  return RecordQueue.open(new FileStore(path), { maxBytes: 1 << 20, maxAgeMs: 86_400_000, persistDelayMs: 10_000, ...options });
}

describe('the record queue', () => {
  it('writes records ahead after persistDelayMs, and an error (or an error span) at once, with what waited before it', async () => {
    const q = await open(dir(), { persistDelayMs: 60_000 });
    q.add(log('info', 9));
    await new Promise((r) => setTimeout(r, 50));
    expect(q.unsavedRecords).toBe(1);
    q.add(log('failed', 17));
    await new Promise((r) => setTimeout(r, 50));
    expect(q.unsavedRecords).toBe(0);
    expect(bodies((await q.next('logs', 10, 1 << 20, newId))!.records)).toEqual(['info', 'failed']);
    // After it, records wait for the delay again.
    q.add(log('later', 9));
    await new Promise((r) => setTimeout(r, 50));
    expect(q.unsavedRecords).toBe(1);
    q.add({ ...span('error span'), severity: 17 });
    await new Promise((r) => setTimeout(r, 50));
    expect(q.unsavedRecords).toBe(0);
    await q.close();
  });

  it('hands out only durable records, oldest first, per signal, within the batch bounds', async () => {
    const q = await open(dir());
    for (let i = 0; i < 5; i++) q.add(log(`l${i}`, 9));
    q.add(span('s0'));
    expect(await q.next('logs', 10, 1 << 20, newId)).toBeUndefined(); // not durable yet
    await q.persist();
    const batch = await q.next('logs', 3, 1 << 20, newId);
    expect(bodies(batch!.records)).toEqual(['l0', 'l1', 'l2']);
    expect(bodies((await q.next('traces', 10, 1 << 20, newId))!.records)).toEqual(['s0']);
    // The batch in flight is handed out again, with its id, until it is settled.
    expect(await q.next('logs', 3, 1 << 20, newId)).toEqual(batch);
    await q.settle('logs', batch!.id, 'acknowledged');
    expect(bodies((await q.next('logs', 3, 1 << 20, newId))!.records)).toEqual(['l3', 'l4']);
    await q.close();
  });

  it('keeps the batch in flight and every unacknowledged record across a restart', async () => {
    const path = dir();
    const first = await open(path);
    for (let i = 0; i < 4; i++) first.add(log(`r${i}`, 9));
    await first.persist();
    const inFlight = await first.next('logs', 2, 1 << 20, newId);
    await first.close();

    const second = await open(path);
    expect(second.size.records).toBe(4);
    expect(await second.next('logs', 2, 1 << 20, newId)).toEqual(inFlight);
    await second.settle('logs', inFlight!.id, 'acknowledged');
    second.add(log('after', 9));
    await second.persist();
    await second.close();

    const third = await open(path);
    expect(bodies((await third.next('logs', 10, 1 << 20, newId))!.records)).toEqual(['r2', 'r3', 'after']);
    await third.close();
  });

  it('over its byte bound drops the lowest severity first, the oldest of it first, errors last, and counts them', async () => {
    const one = JSON.stringify(log('x0', 9).record).length;
    const q = await open(dir(), { maxBytes: one * 4 });
    q.add(log('e0', 17));
    q.add(log('d0', 5));
    q.add(log('i0', 9));
    q.add(log('d1', 5));
    q.add(log('i1', 9));
    q.add(log('e1', 17));
    q.add(log('i2', 9));
    await q.persist();
    expect(bodies((await q.next('logs', 10, 1 << 20, newId))!.records)).toEqual(['e0', 'i1', 'e1', 'i2']);
    expect(q.dropped).toEqual({ overflow: 3, expired: 0, rejected: 0, throttled: 0 });
    await q.close();
  });

  it('drops records older than maxAgeMs, also those found at start, and counts them', async () => {
    let now = 1_000_000;
    const path = dir();
    const q = await open(path, { maxAgeMs: 1000, now: () => now });
    q.add(log('old', 9));
    now += 600;
    q.add(log('young', 9));
    await q.close();
    now += 600;
    const reopened = await open(path, { maxAgeMs: 1000, now: () => now });
    expect(reopened.dropped.expired).toBe(1);
    expect(bodies((await reopened.next('logs', 10, 1 << 20, newId))!.records)).toEqual(['young']);
    await reopened.close();
  });

  it('counts a batch the gateway refused for good as rejected, and empties itself on clear', async () => {
    const path = dir();
    const q = await open(path);
    q.add(log('bad', 9));
    q.add(log('next', 9));
    await q.persist();
    const refused = await q.next('logs', 1, 1 << 20, newId);
    await q.settle('logs', refused!.id, 'rejected');
    expect(q.dropped.rejected).toBe(1);
    await q.clear();
    expect(q.size).toEqual({ records: 0, bytes: 0 });
    await q.close();
    expect((await open(path)).size.records).toBe(0);
  });

  it('sends the drop counts with a logs batch, keeps them on a resend, and counts them reported once acknowledged, across restarts', async () => {
    const path = dir();
    const one = JSON.stringify(log('x0', 9).record).length;
    const q = await open(path, { maxBytes: one * 2 });
    for (let i = 0; i < 5; i++) q.add(log(`x${i}`, 9));
    await q.persist();
    const batch = await q.next('logs', 10, 1 << 20, newId);
    expect(batch!.report?.dropped).toEqual({ overflow: 3, expired: 0, rejected: 0, throttled: 0 });
    await q.close();

    const again = await open(path, { maxBytes: one * 2 });
    expect(await again.next('logs', 10, 1 << 20, newId)).toEqual(batch);
    await again.settle('logs', batch!.id, 'acknowledged');
    // Told once: the next batch carries no report, and neither does one after a restart.
    again.add(log('y', 9));
    await again.persist();
    expect((await again.next('logs', 10, 1 << 20, newId))!.report).toBeUndefined();
    await again.close();
    const third = await open(path, { maxBytes: one * 2 });
    expect(third.dropped.overflow).toBe(3);
    expect((await third.next('logs', 10, 1 << 20, newId))!.report).toBeUndefined();
    await third.close();
  });

  it('hands out several batches in flight for an unload, and resends them oldest first until each is answered', async () => {
    const path = dir();
    const q = await open(path);
    for (let i = 0; i < 6; i++) q.add(log(`u${i}`, 9));
    await q.persist();
    const a = await q.another('logs', 2, 1 << 20, newId);
    const b = await q.another('logs', 2, 1 << 20, newId);
    expect([bodies(a!.records), bodies(b!.records)]).toEqual([['u0', 'u1'], ['u2', 'u3']]);
    await q.settle('logs', b!.id, 'acknowledged');
    await q.close();

    const reopened = await open(path);
    expect(await reopened.next('logs', 2, 1 << 20, newId)).toEqual(a);
    await reopened.settle('logs', a!.id, 'acknowledged');
    expect(bodies((await reopened.next('logs', 10, 1 << 20, newId))!.records)).toEqual(['u4', 'u5']);
    await reopened.close();
  });

  it('passes over records in flight when it evicts, resumes where it stopped, and evicts the next lowest severity once one is gone', async () => {
    const one = JSON.stringify(log('x0', 9).record).length;
    const q = await open(dir(), { maxBytes: one * 4 });
    for (const name of ['i0', 'i1', 'w0', 'i2']) q.add(log(name, name.startsWith('w') ? 13 : 9));
    await q.persist();
    const inFlight = await q.next('logs', 2, 1 << 20, newId); // i0, i1 in flight
    q.add(log('i3', 9)); // over: i2 goes (i0, i1 are in flight)
    q.add(log('i4', 9)); // over: i3 goes
    q.add(log('w1', 13)); // over: i4 goes, the last info not in flight
    q.add(log('w2', 13)); // over: only warnings and records in flight left: w0 goes
    await q.persist();
    expect(q.dropped.overflow).toBe(4);
    await q.settle('logs', inFlight!.id, 'acknowledged');
    q.add(log('i5', 9));
    q.add(log('i6', 9));
    q.add(log('i7', 9)); // over: the newest infos are the lowest severity again, the oldest of them goes
    await q.persist();
    expect(bodies((await q.next('logs', 10, 1 << 20, newId))!.records)).toEqual(['w1', 'w2', 'i6', 'i7']);
    expect(q.dropped.overflow).toBe(5);
    await q.close();
  });

  it('removes from the store a record evicted while the commit that puts it is under way', async () => {
    const path = dir();
    const one = JSON.stringify(log('x0', 9).record).length;
    const q = await open(path, { maxBytes: one * 2 });
    q.add(log('a', 9));
    q.add(log('b', 9));
    const putting = q.persist(); // a and b handed to the store, not yet durable
    q.add(log('c', 9)); // evicts a
    q.add(log('d', 9)); // evicts b
    await putting;
    await q.close();
    const reopened = await open(path, { maxBytes: one * 2 });
    expect(bodies((await reopened.next('logs', 10, 1 << 20, newId))!.records)).toEqual(['c', 'd']);
    await reopened.close();
  });

  it('sizes records in UTF-8 bytes, as requests carry them (natively in Node, and the way browsers count)', () => {
    for (const text of ['', 'plain', 'café', '日本語のログ', 'emoji 🎉 and 𝄞', '\u007f\u0080\u07ff\u0800\uffff', JSON.stringify('lone \ud800 surrogate'), JSON.stringify({ body: 'Ω'.repeat(100) })]) {
      const bytes = new TextEncoder().encode(text).length;
      expect(utf8Length(text), text).toBe(bytes);
      expect(portableUtf8Length(text), text).toBe(bytes);
    }
  });

  it('counts natively only in Node, not with a page\'s Buffer or process polyfills or a hostile global, and never throws', () => {
    const node = { versions: { node: '20.0.0' } };
    expect(nativeUtf8Length()?.('café 🎉')).toBe(10);
    for (const g of [
      { Buffer: { byteLength: () => { throw new Error('hostile'); } }, process: node },
      { Buffer: { byteLength: () => 1 }, process: node },
      { Buffer: {}, process: node },
      { Buffer: Buffer, process: { versions: {} } },
      { Buffer: Buffer },
      { Buffer: Buffer, get process(): never { throw new Error('hostile'); } },
    ]) {
      expect(nativeUtf8Length(g as Parameters<typeof nativeUtf8Length>[0])).toBeUndefined();
    }
  });
});
