import { afterEach, describe, expect, it, vi } from 'vitest';

import { MIN_POLL_MS, readConfig, RemoteConfig, type ClientConfig, type ConfigFetch } from './remoteConfig.ts';

// The config poller under a scripted fetch and fake timers: what it keeps when an answer is
// missing, wrong or unchanged, the 5 s floor, pausing and resuming.

const served = (over: Record<string, unknown> = {}) => ({
  telemetryEnabled: true,
  minLogLevel: 'info',
  sampling: { tracesPercentage: 100, logsPercentage: 100 },
  sdk: { maxBatchSize: 512, flushIntervalMs: 5000, maxQueueSize: 2048, pollIntervalMs: 1000 },
  debugSession: null,
  policies: [],
  ...over,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('readConfig', () => {
  it('reads what the gateway serves', () => {
    expect(readConfig(served({ debugSession: { id: 'ds_1', level: 'debug', capture: {}, startsAt: 'a', endsAt: 'b' }, policies: ['pol_1'] }))).toEqual({
      telemetryEnabled: true,
      minLogLevel: 'info',
      sdk: { maxBatchSize: 512, flushIntervalMs: 5000, pollIntervalMs: 1000 },
      sampling: { tracesPercentage: 100, logsPercentage: 100, logsPerMinute: 0 },
      debugSession: { id: 'ds_1', level: 'debug', startsAt: 'a', endsAt: 'b' },
      policies: ['pol_1'],
    });
    expect(readConfig(served({ sampling: { tracesPercentage: 12.5, logsPercentage: 0, logsPerMinute: 30 } }))!.sampling).toEqual({ tracesPercentage: 12.5, logsPercentage: 0, logsPerMinute: 30 });
    // What cannot be a percentage keeps everything: a client never samples on a misread.
    expect(readConfig(served({ sampling: { tracesPercentage: 250, logsPercentage: '10', logsPerMinute: -1 } }))!.sampling).toEqual({ tracesPercentage: 100, logsPercentage: 100, logsPerMinute: 0 });
  });

  it.each([
    ['null', null],
    ['a string', 'telemetryEnabled'],
    ['an array', [served()]],
    ['no telemetryEnabled', served({ telemetryEnabled: undefined })],
    ['telemetryEnabled as text', served({ telemetryEnabled: 'false' })],
    ['an unknown level', served({ minLogLevel: 'verbose' })],
  ])('refuses %s', (_name, body) => {
    expect(readConfig(body)).toBeUndefined();
  });

  it('falls back on the defaults for sdk numbers that are missing, negative or not numbers, and drops policy ids that are not text', () => {
    expect(readConfig(served({ sdk: { maxBatchSize: -1, flushIntervalMs: 'soon', pollIntervalMs: Infinity }, policies: ['p', 7, null] }))).toMatchObject({
      sdk: { maxBatchSize: 512, flushIntervalMs: 5000, pollIntervalMs: 60_000 },
      policies: ['p'],
    });
  });

  it('reads which sdk settings the policies set, and leaves it out for a gateway that does not say', () => {
    expect(readConfig(served({ sdkFromPolicies: ['flushIntervalMs', 3, null] }))?.sdkFromPolicies).toEqual(['flushIntervalMs']);
    expect(readConfig(served({ sdkFromPolicies: [] }))?.sdkFromPolicies).toEqual([]);
    expect(readConfig(served({ sdkFromPolicies: 'flushIntervalMs' }))).not.toHaveProperty('sdkFromPolicies');
    expect(readConfig(served())).not.toHaveProperty('sdkFromPolicies');
  });
});

describe('RemoteConfig', () => {
  function poller(answers: Array<Awaited<ReturnType<ConfigFetch>>>) {
    const seen: Array<string | undefined> = [];
    const changes: ClientConfig[] = [];
    const fetchConfig: ConfigFetch = async (_query, etag) => {
      seen.push(etag);
      return answers.shift() ?? { status: 0 };
    };
    return { remote: new RemoteConfig(fetchConfig, () => 'service.name=t', (c) => changes.push(c)), seen, changes };
  }

  it('revalidates with the ETag it got, keeps its config on a 304, an error, no answer or a body it cannot read, and polls no more often than every 5 s', async () => {
    vi.useFakeTimers();
    const { remote, seen, changes } = poller([
      { status: 200, etag: '"a"', body: served() },
      { status: 304 },
      { status: 503 },
      { status: 0 },
      { status: 200, etag: '"b"', body: { telemetryEnabled: 'maybe' } },
      { status: 200, etag: '"c"', body: served({ minLogLevel: 'warn' }) },
    ]);
    await remote.start();
    expect(changes.map((c) => c.minLogLevel)).toEqual(['info']);
    // Served 1 s; polled every 5 s.
    await vi.advanceTimersByTimeAsync(MIN_POLL_MS - 1);
    expect(seen).toEqual([undefined]);
    for (let i = 0; i < 5; i++) await vi.advanceTimersByTimeAsync(MIN_POLL_MS);
    expect(seen).toEqual([undefined, '"a"', '"a"', '"a"', '"a"', '"a"']);
    expect(changes.map((c) => c.minLogLevel)).toEqual(['info', 'warn']);
    expect(remote.etag).toBe('"c"');
    remote.stop();
  });

  it('does not poll while paused, polls at once when resumed, and joins a poll already under way', async () => {
    vi.useFakeTimers();
    const { remote, seen } = poller(Array.from({ length: 5 }, () => ({ status: 200, etag: '"a"', body: served() })));
    await remote.start();
    remote.pause();
    await vi.advanceTimersByTimeAsync(10 * MIN_POLL_MS);
    expect(seen).toHaveLength(1);
    remote.resume();
    remote.resume();
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toHaveLength(2);
    remote.stop();
    await vi.advanceTimersByTimeAsync(10 * MIN_POLL_MS);
    expect(seen).toHaveLength(2);
  });

  it('applies the config kept from the last run before any answer, revalidates it with its ETag, and keeps each new one', async () => {
    let kept: string | undefined = JSON.stringify({ etag: '"k"', body: served({ telemetryEnabled: false }) });
    const seen: Array<string | undefined> = [];
    const changes: ClientConfig[] = [];
    const remote = new RemoteConfig(async (_q, etag) => {
      seen.push(etag);
      return { status: 200, etag: '"n"', body: served({ minLogLevel: 'error' }) };
    }, () => '', (c) => changes.push(c), { load: async () => kept, save: async (text) => void (kept = text) });
    await remote.restore();
    expect(changes.map((c) => c.telemetryEnabled)).toEqual([false]);
    await remote.start();
    remote.stop();
    expect(seen).toEqual(['"k"']);
    expect(changes.map((c) => c.minLogLevel)).toEqual(['info', 'error']);
    await vi.waitFor(() => expect(JSON.parse(kept!)).toMatchObject({ etag: '"n"', body: { minLogLevel: 'error' } }));
  });

  it.each([['nothing kept', undefined], ['text that is not JSON', '{"etag":'], ['a body that is not a config', JSON.stringify({ etag: '"x"', body: { minLogLevel: 'loud' } })]])(
    'starts from the defaults with %s',
    async (_name, text) => {
      const changes: ClientConfig[] = [];
      const remote = new RemoteConfig(async () => ({ status: 0 }), () => '', (c) => changes.push(c), { load: async () => text, save: async () => {} });
      await remote.restore();
      expect([changes, remote.etag, remote.config]).toEqual([[], undefined, undefined]);
    },
  );
});
