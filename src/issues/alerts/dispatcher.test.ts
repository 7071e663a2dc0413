import { afterEach, describe, expect, it } from 'vitest';
import { AlertDispatcher, type DeliveryEvent } from './dispatcher.ts';
import { makeAlert, makeConfig, sleep, startReceiver, until, type Receiver } from './testing.ts';

let receiver: Receiver | undefined;
let dispatcher: AlertDispatcher | undefined;
afterEach(async () => {
  await dispatcher?.shutdown(0);
  await receiver?.close();
});

describe('AlertDispatcher', () => {
  it('sends each alert kind only to the webhooks subscribed to it, in their format', async () => {
    receiver = await startReceiver();
    dispatcher = new AlertDispatcher(
      makeConfig([
        { url: `${receiver.url}/slack`, format: 'slack', events: ['regressed'] },
        { url: `${receiver.url}/json`, events: ['new', 'escalated'] },
      ]),
    );
    for (const kind of ['new', 'regressed', 'escalated'] as const) dispatcher.notify(makeAlert({ kind }));
    await receiver.waitFor(3);
    await sleep(100); // nothing else arrives

    const byPath = (path: string) => receiver!.requests.filter((r) => r.path === path).map((r) => JSON.parse(r.body));
    const [slack, ...others] = byPath('/slack');
    expect(others).toEqual([]);
    expect(slack.text).toMatch(/^Regressed issue/);
    expect(slack.blocks[0].type).toBe('section');
    expect(slack.blocks[0].text.type).toBe('mrkdwn');
    const json = byPath('/json');
    expect(json.map((b) => b.event)).toEqual(['new', 'escalated']);
    expect(json[0].issue.fingerprint).toBe('f3a1c0de');
    expect(Date.parse(json[0].sentAt)).not.toBeNaN();
    // Unnamed webhooks are named after their URL's host (never the path, often a secret); repeats get a suffix.
    const host = new URL(receiver.url).host;
    expect(dispatcher.stats()).toEqual({
      [host]: { sent: 1, failed: 0, retried: 0, dropped: 0, queued: 0 },
      [`${host}-2`]: { sent: 2, failed: 0, retried: 0, dropped: 0, queued: 0 },
    });
  });

  it('sends the configured headers', async () => {
    receiver = await startReceiver();
    dispatcher = new AlertDispatcher(makeConfig([{ url: receiver.url, headers: { Authorization: 'Bearer s3cret-token', 'X-Team': 'payments' } }]));
    dispatcher.notify(makeAlert());
    const [request] = await receiver.waitFor(1);
    expect(request!.headers).toMatchObject({ authorization: 'Bearer s3cret-token', 'x-team': 'payments', 'content-type': 'application/json' });
  });

  it('keeps notify synchronous and the event loop free while the webhook hangs, with one attempt in flight', async () => {
    receiver = await startReceiver(() => 'hang');
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'ops', url: receiver.url, timeoutMs: 200, maxAttempts: 2 }]));

    // notify only queues: nothing is awaited, and the 1 000 alerts wait behind one attempt, not in 1 000 requests.
    for (let i = 0; i < 1000; i++) expect(dispatcher.notify(makeAlert({}, { fingerprint: `fp-${i}` }))).toBeUndefined();
    const queued = dispatcher.stats().ops!.queued;
    expect(queued).toBeGreaterThanOrEqual(999);
    expect(queued).toBeLessThanOrEqual(1000);
    // The event loop turns while the webhook hangs.
    await new Promise((resolve) => setImmediate(resolve));

    await sleep(100);
    expect(receiver.requests).toHaveLength(1); // one connection, not one per alert
    await receiver.waitFor(2); // the first attempt timed out and was retried
    expect(dispatcher.stats().ops!.retried).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(receiver.requests[1]!.body).issue.fingerprint).toBe('fp-0');
  });

  it('drops the oldest waiting alert beyond maxQueued and counts it', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    receiver = await startReceiver(async () => {
      await gate;
      return { status: 200 };
    });
    const events: DeliveryEvent[] = [];
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'ops', url: receiver.url }], { maxQueued: 3 }), { onDelivery: (e) => events.push(e) });
    for (let i = 1; i <= 6; i++) dispatcher.notify(makeAlert({}, { fingerprint: `fp-${i}` }));
    await receiver.waitFor(1);
    release();
    await receiver.waitFor(4);
    await until(() => dispatcher!.stats().ops!.sent === 4);

    expect(receiver.requests.map((r) => JSON.parse(r.body).issue.fingerprint)).toEqual(['fp-1', 'fp-4', 'fp-5', 'fp-6']);
    expect(dispatcher.stats().ops).toEqual({ sent: 4, failed: 0, retried: 0, dropped: 2, queued: 0 });
    expect(events.filter((e) => e.outcome === 'dropped')).toEqual([
      { webhook: 'ops', outcome: 'dropped', kind: 'new', fingerprint: 'fp-2', attempt: 0, reason: 'queue full' },
      { webhook: 'ops', outcome: 'dropped', kind: 'new', fingerprint: 'fp-3', attempt: 0, reason: 'queue full' },
    ]);
  });

  it('keeps delivering when the onDelivery hook throws, and never throws from notify', async () => {
    receiver = await startReceiver();
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'ops', url: receiver.url }]), {
      onDelivery: () => {
        throw new Error('hook failed');
      },
    });
    dispatcher.notify(makeAlert({}, { fingerprint: 'a' }));
    expect(() => dispatcher!.notify(null as never)).not.toThrow();
    dispatcher.notify(makeAlert({}, { fingerprint: 'b' }));
    await until(() => dispatcher!.stats().ops!.sent === 2);
  });
});

describe('AlertDispatcher.shutdown', () => {
  it('delivers the queued alerts within its deadline, then refuses new ones', async () => {
    receiver = await startReceiver(async () => {
      await sleep(30);
      return { status: 200 };
    });
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'ops', url: receiver.url }]));
    for (let i = 0; i < 5; i++) dispatcher.notify(makeAlert({}, { fingerprint: `fp-${i}` }));

    await dispatcher.shutdown(5000);
    expect(receiver.requests).toHaveLength(5);

    dispatcher.notify(makeAlert());
    await sleep(50);
    expect(receiver.requests).toHaveLength(5);
    expect(dispatcher.stats().ops).toEqual({ sent: 5, failed: 0, retried: 0, dropped: 1, queued: 0 });
  });

  it('resolves by its deadline when the webhook hangs, counting what is left as dropped', async () => {
    receiver = await startReceiver(() => 'hang');
    dispatcher = new AlertDispatcher(makeConfig([{ name: 'ops', url: receiver.url, timeoutMs: 30_000 }]));
    for (let i = 0; i < 3; i++) dispatcher.notify(makeAlert({}, { fingerprint: `fp-${i}` }));
    await receiver.waitFor(1);

    // It waits for its deadline (a timer set for before it has fired), and not for the 30 s webhook timeout (the request still hangs).
    let beforeDeadline = false;
    const timer = setTimeout(() => (beforeDeadline = true), 200);
    await dispatcher.shutdown(300);
    clearTimeout(timer);
    expect(beforeDeadline).toBe(true);
    expect(receiver.requests).toHaveLength(1);
    expect(dispatcher.stats().ops).toEqual({ sent: 0, failed: 0, retried: 0, dropped: 3, queued: 0 });
    expect(dispatcher.shutdown(300)).toBe(dispatcher.shutdown(0)); // idempotent
  });
});
