import { describe, expect, it } from 'vitest';
import { attrs, logBatch, makeLog } from '../../batch/testing.ts';
import type { Occurrence } from '../../issues/types.ts';
import { IssuesConnector, type IssuesConnectorOptions } from './connector.ts';

/** A batch of `n` ERROR logs of service `svc`, each a distinct occurrence. */
const errors = (n: number, svc = 'billing') =>
  logBatch({ [svc]: Array.from({ length: n }, (_, i) => makeLog({ severityNumber: 17, body: `payment ${i} failed`, timeUnixNano: BigInt(i + 1), attributes: attrs({ 'exception.type': 'PaymentError' }) })) });

function deferred() {
  let resolve: () => void = () => {};
  let reject: (err: Error) => void = () => {};
  const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function harness(overrides: Partial<IssuesConnectorOptions> = {}) {
  const stored: Occurrence[][] = [];
  const observed: Occurrence[][] = [];
  const counts = { found: 0, dropped: {} as Record<string, number>, missed: {} as Record<string, number> };
  const connector = new IssuesConnector({
    store: async (occurrences) => void stored.push(occurrences),
    observers: [{ name: 'tracker', observe: async (occurrences) => void observed.push([...occurrences]) }],
    onFound: (_source, n) => (counts.found += n),
    onDropped: (reason, n) => (counts.dropped[reason] = (counts.dropped[reason] ?? 0) + n),
    onMissed: (observer, n) => (counts.missed[observer] = (counts.missed[observer] ?? 0) + n),
    ...overrides,
  });
  return { connector, stored, observed, counts };
}

describe('the issues connector', () => {
  it('stores the occurrences of a durable batch, then hands them to its observers, off the caller\'s path', async () => {
    const { connector, stored, observed, counts } = harness();
    connector.consume(errors(3));
    expect(stored).toEqual([]); // consume only queues
    await connector.drain();
    expect(stored).toHaveLength(1);
    expect(stored[0].map((o) => [o.source, o.type, o.message])).toEqual([
      ['log', 'PaymentError', 'payment 0 failed'],
      ['log', 'PaymentError', 'payment 1 failed'],
      ['log', 'PaymentError', 'payment 2 failed'],
    ]);
    expect(stored[0][0].fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(observed).toEqual(stored);
    expect(counts.found).toBe(3);
  });

  it('ignores batches without errors', async () => {
    const { connector, stored } = harness();
    connector.consume(logBatch({ web: [makeLog({ severityNumber: 9 })] }));
    await connector.drain();
    expect(stored).toEqual([]);
  });

  it('counts occurrences the log refused as dropped, and observers never see them', async () => {
    const { connector, observed, counts } = harness({ store: async () => Promise.reject(new Error('write-ahead log full')) });
    connector.consume(errors(2));
    await connector.drain();
    expect(counts.dropped).toEqual({ store: 2 });
    expect(observed).toEqual([]);
  });

  it('drops (and counts) error sites past its bound instead of growing without one', async () => {
    const gate = deferred();
    const { connector, stored, counts } = harness({ maxPending: 5, store: async (o) => void (await gate.promise, stored.push(o)) });
    connector.consume(errors(3));
    connector.consume(errors(3)); // 6 > 5 while the first batch is still in the store
    connector.consume(errors(2));
    gate.resolve();
    await connector.drain();
    expect(counts.dropped).toEqual({ backlog: 3 });
    expect(stored.map((o) => o.length)).toEqual([3, 2]);
  });

  it('does not wait for a slow observer to store more, and counts what an observer over its bound misses', async () => {
    const slow = deferred();
    const { connector, stored, counts } = harness({ maxPending: 4, observers: [{ name: 'tracker', observe: () => slow.promise }] });
    connector.consume(errors(3));
    await new Promise((r) => setTimeout(r, 20));
    connector.consume(errors(3));
    await new Promise((r) => setTimeout(r, 20));
    expect(stored.map((o) => o.length)).toEqual([3, 3]); // the second stored while the first observation hangs
    expect(counts.missed).toEqual({ tracker: 3 });
    let drained = false;
    const draining = connector.drain().then(() => (drained = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(drained).toBe(false); // drain waits for observers too
    slow.resolve();
    await draining;
  });

  it('at shutdown, finishes what it can within its budget and counts the rest', async () => {
    const never = new Promise<void>(() => {});
    const { connector, counts } = harness({ store: () => never });
    connector.consume(errors(2));
    connector.consume(errors(4));
    await connector.shutdown(30);
    expect(counts.dropped).toEqual({ shutdown: 4 });
    connector.consume(errors(1));
    expect(counts.dropped).toEqual({ shutdown: 5 });
  });
});
