import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultSchemaOptions, migrate } from '../../storage/clickhouse/schema/index.ts';
import { openTestEngine } from '../../storage/clickhouse/testing.ts';
import type { IssueState } from '../lifecycle.ts';
import { CursorError } from '../../storage/clickhouse/cursor.ts';
import { IssueStore } from './issueStore.ts';
import { sortVersions } from './model.ts';
import { encodeErrorEvents, eventId } from './rows.ts';
import { insertOccurrences, makeOccurrence } from './testing.ts';

const engine = openTestEngine();
const store = new IssueStore(engine.client, { database: 'otel', config: { ongoingAfterMs: 86_400_000 } });
const DAY_S = 86_400;

beforeAll(async () => {
  await migrate(engine.client, { ...defaultSchemaOptions, database: 'otel' });
});
afterAll(() => engine.close());

describe('encoding error events', () => {
  it('stores the exact nanosecond timestamp, the event id and awkward strings as given', async () => {
    const o = makeOccurrence({
      fingerprint: 'fp-encode',
      timeUnixNano: 1_700_000_000_123_456_789n,
      message: 'quote " backslash \\ newline \n tab \t emoji 🚀',
      stacktrace: 'lone \ud800 surrogate',
    });
    await insertOccurrences(engine.client, 'otel', [o], 'encode-1');
    const [row] = await engine.select<Record<string, string>>(
      "SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ns, EventId, Message, StackTrace FROM otel.otelhouse_error_events WHERE Fingerprint = 'fp-encode'",
    );
    expect(row).toEqual({ ns: '1700000000123456789', EventId: eventId(o), Message: o.message, StackTrace: 'lone \ufffd surrogate' });
    expect(row!.EventId).toMatch(/^[0-9a-f]{32}$/);
  });

  it('gives the same occurrence the same id, and different occurrences different ids', () => {
    const o = makeOccurrence();
    expect(eventId({ ...o })).toBe(eventId(o));
    expect(eventId({ ...o, timeUnixNano: o.timeUnixNano + 1n })).not.toBe(eventId(o));
    expect(eventId({ ...o, spanId: 'ffffffffffffffff' })).not.toBe(eventId(o));
    expect(eventId({ ...o, source: 'log' })).not.toBe(eventId(o));
    expect(encodeErrorEvents([o, o]).rows).toBe(2);
  });
});

describe('issue aggregates kept by the materialized views', () => {
  const fp = 'fp-aggregates';
  const first = makeOccurrence({ fingerprint: fp, secondsAgo: 300, userId: 'alice', version: '1.0.0' });
  const batch1 = [first, makeOccurrence({ fingerprint: fp, secondsAgo: 200, userId: '', version: '1.0.0' })];
  const last = makeOccurrence({ fingerprint: fp, secondsAgo: 10, userId: 'bob', version: '1.1.0', severity: 'fatal', type: 'RangeError', normalizedMessage: 'too far' });
  const batch2 = [makeOccurrence({ fingerprint: fp, secondsAgo: 100, userId: 'alice', version: '1.0.1', environment: 'staging' }), last];

  beforeAll(async () => {
    await insertOccurrences(engine.client, 'otel', batch1, 'agg-1');
    await insertOccurrences(engine.client, 'otel', batch2, 'agg-2');
    await insertOccurrences(engine.client, 'otel', batch2, 'agg-2'); // a spool replay
  });

  it('keeps first/last seen, events, distinct non-empty users, versions and the latest event', async () => {
    const stats = (await store.stats([fp])).get(fp)!;
    expect(stats).toMatchObject({
      fingerprint: fp,
      firstSeenMs: Number(first.timeUnixNano / 1_000_000n),
      lastSeenMs: Number(last.timeUnixNano / 1_000_000n),
      events: 4,
      users: 2,
      highestSeverity: 'fatal',
      versions: ['1.0.0', '1.0.1', '1.1.0'],
      services: ['checkout'],
      environments: ['production', 'staging'],
      latestEventId: eventId(last),
      type: 'RangeError',
      message: 'too far',
    });
  });

  it('counts events per day and severity, and lists 14 days with zeros for quiet days', async () => {
    await insertOccurrences(engine.client, 'otel', [
      makeOccurrence({ fingerprint: fp, secondsAgo: 3 * DAY_S, severity: 'warning' }),
      makeOccurrence({ fingerprint: fp, secondsAgo: 3 * DAY_S + 1, severity: 'warning' }),
      makeOccurrence({ fingerprint: fp, secondsAgo: 20 * DAY_S }),
    ], 'agg-3');
    const timeline = await store.timeline(fp);
    expect(timeline).toHaveLength(14);
    expect(timeline.at(-1)!.day).toBe(new Date().toISOString().slice(0, 10));
    const total = timeline.reduce((n, d) => n + d.total, 0);
    expect(total).toBe(6); // the event 20 days ago is outside the window
    const threeDaysAgo = timeline.find((d) => d.day === new Date(Date.now() - 3 * DAY_S * 1000).toISOString().slice(0, 10))!;
    expect(threeDaysAgo.warning).toBeGreaterThanOrEqual(1);
    expect(timeline.reduce((n, d) => n + d.fatal, 0)).toBe(1);
    expect(timeline.filter((d) => d.total === 0).length).toBeGreaterThanOrEqual(11);
  });

  it('counts two different inserts even when their per-day rows are identical', async () => {
    const fpTwin = 'fp-twin-blocks';
    await insertOccurrences(engine.client, 'otel', [makeOccurrence({ fingerprint: fpTwin, secondsAgo: 5 })], 'twin-1');
    await insertOccurrences(engine.client, 'otel', [makeOccurrence({ fingerprint: fpTwin, secondsAgo: 5 })], 'twin-2');
    expect((await store.timeline(fpTwin)).at(-1)!.total).toBe(2);
    expect((await store.stats([fpTwin])).get(fpTwin)!.events).toBe(2);
  });
});

describe('listing issues', () => {
  it('sorts counts as numbers across pages (12 events before 9)', async () => {
    const many = (fingerprint: string, n: number) => Array.from({ length: n }, () => makeOccurrence({ fingerprint, service: 'sorting' }));
    await insertOccurrences(engine.client, 'otel', [...many('fp-nine', 9), ...many('fp-twelve', 12)], 'sorting-1');
    const first = await store.list({ service: 'sorting', sort: 'events', limit: 1 });
    const second = await store.list({ service: 'sorting', sort: 'events', limit: 1, cursor: first.nextCursor! });
    expect([...first.items, ...second.items].map((i) => [i.fingerprint, i.events])).toEqual([['fp-twelve', 12], ['fp-nine', 9]]);
    expect(second.nextCursor).toBeNull();
    const ascending = await store.list({ service: 'sorting', sort: 'events', order: 'asc', limit: 10 });
    expect(ascending.items.map((i) => i.fingerprint)).toEqual(['fp-nine', 'fp-twelve']);
  });
});

describe('affected versions', () => {
  it('sort oldest first by semver, with non-versions last', () => {
    expect(sortVersions(['1.10.0', 'nightly', '1.9.0', '1.9.0-rc.1', 'beta', '1.2'])).toEqual(['1.2', '1.9.0-rc.1', '1.9.0', '1.10.0', 'beta', 'nightly']);
  });
});

describe('paging an issue\'s events', () => {
  const fp = 'fp-paging';
  const occurrences = Array.from({ length: 5 }, (_, i) => makeOccurrence({ fingerprint: fp, secondsAgo: 50 - i }));

  beforeAll(() => insertOccurrences(engine.client, 'otel', occurrences, 'paging-1'));

  it('returns every event once, newest first, across pages', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    const sizes: number[] = [];
    do {
      const page = await store.events(fp, { limit: 2, cursor });
      sizes.push(page.items.length);
      seen.push(...page.items.map((e) => e.eventId));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && seen.length <= occurrences.length);
    expect(sizes).toEqual([2, 2, 1]);
    expect(seen).toEqual([...occurrences].reverse().map(eventId));
  });

  it('returns the newest event with its exact time', async () => {
    const latest = await store.latestEvent(fp);
    expect(latest).toMatchObject({ eventId: eventId(occurrences[4]!), timeUnixNano: occurrences[4]!.timeUnixNano.toString(), severity: 'error' });
  });

  it.each(['not-base64!', Buffer.from('[1,2]').toString('base64url'), Buffer.from('["1; DROP TABLE x","a"]').toString('base64url')])(
    'refuses a cursor it did not make: %s',
    async (cursor) => {
      await expect(store.events(fp, { limit: 2, cursor })).rejects.toBeInstanceOf(CursorError);
    },
  );
});

describe('state rows', () => {
  const state = (over: Partial<IssueState> = {}): IssueState => ({
    fingerprint: 'fp-state', status: 'new', severity: 'error', firstSeenMs: 1_700_000_000_000,
    resolvedInVersion: '', resolvedAtMs: 0, ignoreUntilMs: 0, ignoreUntilEvents: 0, ignoreBaseEvents: 0,
    assignee: '', notes: [], updatedAtMs: 1_700_000_000_000, updatedBy: 'system', version: 0, ...over,
  });

  it('reads back the newest version of each issue, notes included', async () => {
    const [a] = await store.writeStates([state()]);
    const [b] = await store.writeStates([state({ status: 'resolved', resolvedAtMs: 1_700_000_001_000, assignee: 'dana', notes: [{ timeMs: 1_700_000_001_000, author: 'dana', text: "it's fixed" }], version: a!.version })]);
    expect(b!.version).toBeGreaterThan(a!.version);
    expect((await store.states(['fp-state', 'fp-unknown'])).get('fp-state')).toEqual(b);
    expect((await store.states(['fp-unknown'])).size).toBe(0);
  });
});
