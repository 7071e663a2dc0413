import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { FileStore } from '../node/fileStore.ts';
import { Delivery, type SendResult, type Transport } from './delivery.ts';
import type { EncodedObject } from './otlpJson.ts';
import { RecordQueue, type Signal } from './queue.ts';

// Delivery's retry discipline (issue 13, point 6) over the real queue and file store: exponential
// backoff with jitter between the bounds, Retry-After honoured and never cut short by a flush,
// one request in flight per signal, and nothing dropped for being retried.

const dirs: string[] = [];
const stops: Array<() => void> = [];
const queues: RecordQueue[] = [];
afterEach(async () => {
  // Every delivery stopped first: closing a queue commits what is unsaved, which would wake one still running.
  for (const stop of stops.splice(0)) stop();
  // Then their stores' files closed (left open, the garbage collector would close them, with a warning).
  for (const queue of queues.splice(0)) await queue.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const log = (i: number): EncodedObject => ({ signal: 'logs', scope: { name: 't' }, record: { body: { stringValue: `r${i}` } }, severity: 9 });
const span = (i: number): EncodedObject => ({ signal: 'traces', scope: { name: 't' }, record: { name: `s${i}` }, severity: 9 });
let ids = 0;

interface Call {
  signal: Signal;
  atMs: number;
  records: number;
  /** The delay delivery scheduled after the previous answer of this signal (from `health().retryAtMs`), if it failed. */
  scheduledMs?: number;
}

/** A queue on a real file store, delivering through `answer` (called per request, in order). */
async function setUp(answer: (signal: Signal, n: number) => SendResult, options: { random: () => number; minBackoffMs?: number; maxBackoffMs?: number }) {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-delivery-'));
  dirs.push(dir);
  const queue = await RecordQueue.open(new FileStore(dir), { maxBytes: 1 << 20, maxAgeMs: 86_400_000, persistDelayMs: 10 });
  const calls: Call[] = [];
  const inFlight: Record<Signal, number> = { logs: 0, traces: 0 };
  let maxInFlight = 0;
  const counts: Record<Signal, number> = { logs: 0, traces: 0 };
  const answeredAt: Partial<Record<Signal, number>> = {};
  let health: Delivery['health'] | undefined;
  const transport: Transport = async (signal, body) => {
    inFlight[signal]++;
    maxInFlight = Math.max(maxInFlight, inFlight[signal]);
    const parsed = JSON.parse(body) as { resourceLogs?: Array<{ scopeLogs: Array<{ logRecords: unknown[] }> }>; resourceSpans?: Array<{ scopeSpans: Array<{ spans: unknown[] }> }> };
    const records = signal === 'logs' ? parsed.resourceLogs![0]!.scopeLogs.flatMap((s) => s.logRecords).length : parsed.resourceSpans![0]!.scopeSpans.flatMap((s) => s.spans).length;
    const retryAt = health?.retryAtMs[signal];
    calls.push({ signal, atMs: Date.now(), records, ...(retryAt !== undefined && answeredAt[signal] !== undefined ? { scheduledMs: retryAt - answeredAt[signal]! } : {}) });
    await new Promise((r) => setTimeout(r, 5));
    inFlight[signal]--;
    answeredAt[signal] = Date.now();
    return answer(signal, ++counts[signal]);
  };
  const delivery = new Delivery(queue, transport, () => ({ 'service.name': 't' }), {
    maxBatchRecords: 512,
    maxBatchBytes: 1 << 20,
    batchDelayMs: 0,
    minBackoffMs: options.minBackoffMs ?? 100,
    maxBackoffMs: options.maxBackoffMs ?? 800,
    random: options.random,
  }, () => `batch-${++ids}-xxxxxxxx`);
  health = delivery.health;
  stops.push(() => delivery.stop());
  queues.push(queue);
  return { queue, delivery, calls, maxInFlight: () => maxInFlight };
}

/** Gaps between the requests of `signal`, from the end of one (it answers 5 ms after it starts) to the start of the next. */
const gaps = (calls: Call[], signal: Signal) => calls.filter((c) => c.signal === signal).map((c) => c.atMs).flatMap((t, i, all) => (i ? [t - all[i - 1]! - 5] : []));

describe('delivery', () => {
  it.each([
    ['no jitter drawn (random 1)', () => 1, [100, 200, 400, 800, 800]],
    ['the most jitter (random 0): half the backoff', () => 0, [50, 100, 200, 400, 400]],
  ])('backs off exponentially between the bounds after failures, %s, then delivers every record once', async (_name, random, expected) => {
    const { queue, delivery, calls } = await setUp((_signal, n) => ({ status: n <= 5 ? 0 : 200 }), { random });
    for (let i = 0; i < 20; i++) queue.add(log(i));
    await queue.persist();
    delivery.schedule(true);
    for (let i = 0; i < 200 && queue.size.records > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(queue.size.records).toBe(0);
    // The delays scheduled (read from health(), set as each failure was answered: within a few ms of it).
    const scheduled = calls.slice(1).map((c) => c.scheduledMs!);
    expect(scheduled).toHaveLength(5);
    scheduled.forEach((ms, i) => expect(Math.abs(ms - expected[i]!), `delay ${i}: ${ms} ms, expected ${expected[i]}`).toBeLessThanOrEqual(3));
    // And kept: no request before its delay (timers never fire early but for 1 ms of rounding).
    gaps(calls, 'logs').forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual(expected[i]! - 2));
    // The same batch each time, all 20 records.
    expect(calls.map((c) => c.records)).toEqual(Array(6).fill(20));
  });

  it('sends nothing before a 503\'s Retry-After even when flushed meanwhile, and keeps one request in flight per signal', async () => {
    const { queue, delivery, calls, maxInFlight } = await setUp((signal, n) => (signal === 'logs' && n === 1 ? { status: 503, retryAfterSeconds: 1 } : { status: 200 }), { random: () => 1, maxBackoffMs: 5000 });
    for (let i = 0; i < 10; i++) queue.add(log(i));
    for (let i = 0; i < 10; i++) queue.add(span(i));
    await queue.persist();
    delivery.schedule(true);
    // Flushes wake chains waiting out a backoff, but not one waiting out a Retry-After.
    const flushes = await Promise.all([delivery.flush(5000), delivery.flush(5000), delivery.flush(5000)]);
    expect(flushes).toEqual([true, true, true]);
    const logs = calls.filter((c) => c.signal === 'logs');
    expect(logs).toHaveLength(2);
    expect(logs[1]!.atMs - logs[0]!.atMs - 5).toBeGreaterThanOrEqual(998);
    // Traces did not wait for the logs' Retry-After: their chain is their own.
    expect(calls.filter((c) => c.signal === 'traces').map((c) => c.records)).toEqual([10]);
    expect(calls.find((c) => c.signal === 'traces')!.atMs).toBeLessThan(logs[1]!.atMs);
    expect(maxInFlight()).toBe(1);
    expect(queue.dropped).toEqual({ overflow: 0, expired: 0, rejected: 0, throttled: 0 });
  });

  it('caps a long Retry-After at the largest backoff', async () => {
    const { queue, delivery, calls } = await setUp((_signal, n) => (n === 1 ? { status: 429, retryAfterSeconds: 3600 } : { status: 200 }), { random: () => 1, maxBackoffMs: 300 });
    queue.add(log(0));
    await queue.persist();
    delivery.schedule(true);
    for (let i = 0; i < 100 && queue.size.records > 0; i++) await new Promise((r) => setTimeout(r, 50));
    expect(queue.size.records).toBe(0);
    const [gap] = gaps(calls, 'logs');
    expect(gap).toBeGreaterThanOrEqual(298);
    expect(gap).toBeLessThan(1300);
  });

  it('at unload, still sends newer records in keepalive requests when a batch in flight is too big for the budget; that batch waits for the next page', async () => {
    // Sends never answer here: the batch stays in flight.
    const keepalives: Array<{ bytes: number; records: number }> = [];
    const { queue, delivery } = await setUp(() => ({ status: 0 }), { random: () => 1, minBackoffMs: 60_000, maxBackoffMs: 60_000 });
    for (let i = 0; i < 40; i++) queue.add({ ...log(i), record: { body: { stringValue: `r${i} ${'x'.repeat(1000)}` } } });
    await queue.persist();
    delivery.schedule(true);
    for (let i = 0; i < 100 && queue.inFlight('logs').length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    const [stuck] = queue.inFlight('logs');
    expect(stuck!.records).toHaveLength(40);
    for (let i = 40; i < 50; i++) queue.add(log(i));
    const unloading = new Delivery(queue, async (_signal, body, _id, keepalive) => {
      expect(keepalive).toBe(true);
      keepalives.push({ bytes: new TextEncoder().encode(body).length, records: JSON.parse(body).resourceLogs[0].scopeLogs[0].logRecords.length });
      return { status: 200 };
    }, () => ({ 'service.name': 't' }), { maxBatchRecords: 512, maxBatchBytes: 1 << 20, batchDelayMs: 0, minBackoffMs: 1, maxBackoffMs: 1 }, () => `batch-${++ids}-yyyyyyyy`);
    stops.push(() => unloading.stop());
    unloading.unload(16 * 1024, 9);
    expect(keepalives).toEqual([{ bytes: expect.any(Number), records: 10 }]);
    expect(keepalives[0]!.bytes).toBeLessThanOrEqual(16 * 1024);
    // The big batch is still in flight, under its id, for the next page.
    expect(queue.inFlight('logs')[0]!.id).toBe(stuck!.id);
  });
});
