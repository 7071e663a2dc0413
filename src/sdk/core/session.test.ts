import { describe, expect, it } from 'vitest';

import { SESSION_IDLE_MS, SESSION_MAX_MS, SessionClock, type SessionShare, type SharedSession } from './session.ts';

// The session clock under a clock the test moves: idle end, the 4-hour limit under steady
// activity, session.previous_id on the first records of the next session, and sharing.

function stamp(clock: SessionClock): Record<string, string> {
  const attributes: Record<string, string> = {};
  clock.stamp((key, value) => (attributes[key] = value));
  return attributes;
}

class MemoryShare implements SessionShare {
  value: SharedSession | undefined;
  reads = 0;
  read(): SharedSession | undefined {
    this.reads++;
    return this.value && { ...this.value };
  }
  write(session: SharedSession): void {
    this.value = { ...session };
  }
}

describe('SessionClock', () => {
  it('keeps one session while records keep coming, and starts the next after 30 minutes idle', () => {
    let now = 1_000_000;
    const clock = new SessionClock(undefined, () => now);
    const first = stamp(clock)['session.id'];
    now += SESSION_IDLE_MS; // exactly 30 minutes idle: still the same session
    expect(stamp(clock)['session.id']).toBe(first);
    now += SESSION_IDLE_MS + 1;
    const next = stamp(clock);
    expect(next['session.id']).not.toBe(first);
    expect(next['session.previous_id']).toBe(first);
  });

  it('ends a session after 4 hours in all even when it is never idle', () => {
    let now = 5_000_000;
    const clock = new SessionClock(undefined, () => now);
    const first = stamp(clock)['session.id']!;
    const seen = new Set<string>();
    // A record every 10 minutes for 4 hours: never idle.
    for (let t = 0; t < SESSION_MAX_MS; t += 10 * 60_000) {
      now = 5_000_000 + t;
      seen.add(stamp(clock)['session.id']!);
    }
    now = 5_000_000 + SESSION_MAX_MS;
    seen.add(stamp(clock)['session.id']!);
    expect([...seen]).toEqual([first]);
    now += 1;
    const next = stamp(clock);
    expect(next['session.id']).not.toBe(first);
    expect(next['session.previous_id']).toBe(first);
  });

  it('names the previous session on the first 10 records of the next only', () => {
    let now = 0;
    const clock = new SessionClock(undefined, () => now);
    const first = stamp(clock)['session.id'];
    expect(stamp(clock)['session.previous_id']).toBeUndefined();
    now += SESSION_IDLE_MS + 1;
    const next = Array.from({ length: 12 }, () => stamp(clock));
    expect(next.map((a) => a['session.previous_id'])).toEqual([...Array(10).fill(first), undefined, undefined]);
    expect(new Set(next.map((a) => a['session.id'])).size).toBe(1);
  });

  it('shares one session through the share, and reads it again at most once a second', () => {
    let now = 10_000;
    const share = new MemoryShare();
    const a = new SessionClock(share, () => now);
    const b = new SessionClock(share, () => now);
    const id = stamp(a)['session.id'];
    expect(stamp(b)['session.id']).toBe(id);
    const reads = share.reads;
    for (let i = 0; i < 100; i++) stamp(b);
    expect(share.reads).toBe(reads);
    // Another page started a new session; this one sees it within a second.
    share.value = { id: 'from-another-page', startedMs: now, lastMs: now };
    expect(stamp(b)['session.id']).toBe(id);
    now += 1000;
    expect(stamp(b)['session.id']).toBe('from-another-page');
  });

  it('counts the 4 hours from the shared start, not from when a page joined', () => {
    let now = 0;
    const share = new MemoryShare();
    const a = new SessionClock(share, () => now);
    const id = stamp(a)['session.id'];
    // Activity every 5 minutes; a page opened 3 hours in joins the session.
    for (; now < 3 * 3_600_000; now += 5 * 60_000) stamp(a);
    const b = new SessionClock(share, () => now);
    expect(stamp(b)['session.id']).toBe(id);
    for (; now <= SESSION_MAX_MS; now += 5 * 60_000) {
      stamp(a);
      expect(stamp(b)['session.id']).toBe(id);
    }
    expect(stamp(b)['session.id']).not.toBe(id);
  });
});
