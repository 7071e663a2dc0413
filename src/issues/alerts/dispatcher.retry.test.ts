import { afterEach, describe, expect, it } from 'vitest';
import { AlertDispatcher, type DeliveryEvent } from './dispatcher.ts';
import { deadUrl, makeAlert, makeConfig, sleep, startReceiver, until, type Receiver } from './testing.ts';

let receiver: Receiver | undefined;
let dispatcher: AlertDispatcher | undefined;
afterEach(async () => {
  await dispatcher?.shutdown(0);
  await receiver?.close();
});

/** A receiver answering the given statuses in turn, then 200. */
async function answering(...replies: Array<{ status: number; headers?: Record<string, string> }>): Promise<Receiver> {
  return startReceiver((_, index) => replies[index] ?? { status: 200 });
}

describe('AlertDispatcher retries', () => {
  it('retries 5xx with growing delays and delivers once', async () => {
    receiver = await answering({ status: 500 }, { status: 503 });
    // random 0.5 = no jitter: delays of 100 then 200 ms.
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'ops', url: receiver.url, format: 'slack' }], { retryInitialMs: 100 }), { random: () => 0.5 });
    dispatcher.notify(makeAlert());
    const requests = await receiver.waitFor(3);
    await until(() => dispatcher!.stats().ops!.sent === 1);
    await sleep(100);

    expect(receiver.requests).toHaveLength(3);
    expect(new Set(requests.map((r) => r.body)).size).toBe(1); // the same alert each time
    const [first, second] = [requests[1]!.atMs - requests[0]!.atMs, requests[2]!.atMs - requests[1]!.atMs];
    expect(first).toBeGreaterThanOrEqual(90);
    expect(second).toBeGreaterThanOrEqual(180);
    expect(second).toBeGreaterThan(first);
    expect(dispatcher.stats().ops).toEqual({ sent: 1, failed: 0, retried: 2, dropped: 0, queued: 0 });
  });

  it('waits as long as a 429 Retry-After asks', async () => {
    receiver = await answering({ status: 429, headers: { 'retry-after': '1' } });
    dispatcher = new AlertDispatcher(makeConfig([{ url: receiver.url }], { retryInitialMs: 20, retryMaxMs: 5000 }));
    dispatcher.notify(makeAlert());
    const requests = await receiver.waitFor(2, 5000);
    expect(requests[1]!.atMs - requests[0]!.atMs).toBeGreaterThanOrEqual(950);
  });

  it.each([400, 401, 404])('gives up at once on HTTP %i', async (status) => {
    receiver = await answering({ status });
    const events: DeliveryEvent[] = [];
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'ops', url: receiver.url }]), { onDelivery: (e) => events.push(e) });
    dispatcher.notify(makeAlert());
    await until(() => dispatcher!.stats().ops!.failed === 1);
    await sleep(150); // well past the 20 ms retry delay
    expect(receiver.requests).toHaveLength(1);
    expect(dispatcher.stats().ops).toEqual({ sent: 0, failed: 1, retried: 0, dropped: 0, queued: 0 });
    expect(events).toEqual([{ webhook: 'ops', outcome: 'failed', kind: 'new', fingerprint: 'f3a1c0de', attempt: 1, reason: `HTTP ${status}` }]);
  });

  it('retries a refused connection up to maxAttempts, then gives up and counts it', async () => {
    const events: DeliveryEvent[] = [];
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'dead', url: await deadUrl(), maxAttempts: 3 }]), { onDelivery: (e) => events.push(e) });
    dispatcher.notify(makeAlert());
    await until(() => dispatcher!.stats().dead!.failed === 1);
    expect(dispatcher.stats().dead).toEqual({ sent: 0, failed: 1, retried: 2, dropped: 0, queued: 0 });
    expect(events.map((e) => [e.outcome, e.attempt, e.reason])).toEqual([
      ['retried', 1, 'ECONNREFUSED'],
      ['retried', 2, 'ECONNREFUSED'],
      ['failed', 3, 'ECONNREFUSED'],
    ]);
  });

  it('moves on to the next alert after giving up on one', async () => {
    receiver = await answering({ status: 500 }, { status: 500 });
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'ops', url: receiver.url, maxAttempts: 2 }]));
    dispatcher.notify(makeAlert({}, { fingerprint: 'a' }));
    dispatcher.notify(makeAlert({}, { fingerprint: 'b' }));
    await until(() => dispatcher!.stats().ops!.sent === 1);
    expect(receiver.requests.map((r) => JSON.parse(r.body).issue.fingerprint)).toEqual(['a', 'a', 'b']);
    expect(dispatcher.stats().ops).toMatchObject({ failed: 1, retried: 1, sent: 1 });
  });
});
