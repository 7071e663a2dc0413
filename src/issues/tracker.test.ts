import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuditLog } from '../storage/clickhouse/audit.ts';
import { defaultSchemaOptions, migrate } from '../storage/clickhouse/schema/index.ts';
import { openTestEngine } from '../storage/clickhouse/testing.ts';
import { issuesConfigSchema } from './config.ts';
import type { AlertKind } from './lifecycle.ts';
import { IssueStore } from './store/issueStore.ts';
import { insertOccurrences, makeOccurrence } from './store/testing.ts';
import { IssueTracker, type AlertPrevious, type IssueSummary } from './tracker.ts';
import type { Occurrence } from './types.ts';

const engine = openTestEngine();
const config = issuesConfigSchema.parse({ escalation: { error: { events: 4, users: 50 }, fatal: { events: 50, users: 50 } } });
const store = new IssueStore(engine.client, { database: 'otel', config });
const audit = new AuditLog(engine.client, { database: 'otel' });
let token = 0;

function tracker(over: Partial<ConstructorParameters<typeof IssueTracker>[0]> = {}) {
  const alerts: Array<{ kind: AlertKind; issue: IssueSummary; occurrence: Occurrence; previous?: AlertPrevious }> = [];
  const t = new IssueTracker({ store, audit, config, onAlert: (kind, issue, occurrence, previous) => void alerts.push({ kind, issue, occurrence, previous }), ...over });
  return { t, alerts };
}

/** Stores the occurrences as the exporter would, then tells the tracker. */
async function arrive(t: IssueTracker, occurrences: Occurrence[]): Promise<void> {
  await insertOccurrences(engine.client, 'otel', occurrences, `tracker-${++token}`);
  await t.observe(occurrences);
}

const history = async (fingerprint: string) =>
  (await audit.list({ entityType: 'issue', entityId: fingerprint, limit: 100 })).items.reverse();

beforeAll(async () => {
  await migrate(engine.client, { ...defaultSchemaOptions, database: 'otel' });
});
afterAll(() => engine.close());

describe('tracking issues from occurrences', () => {
  it('alerts once for a new issue and not for its next events', async () => {
    const { t, alerts } = tracker();
    const fp = 'fp-new';
    await arrive(t, [makeOccurrence({ fingerprint: fp, secondsAgo: 30 }), makeOccurrence({ fingerprint: fp, secondsAgo: 29 })]);
    await arrive(t, [makeOccurrence({ fingerprint: fp, secondsAgo: 20 })]);
    expect(alerts.map((a) => a.kind)).toEqual(['new']);
    expect(alerts[0]!.issue).toMatchObject({
      fingerprint: fp, status: 'new', severity: 'error', service: 'checkout', environment: 'production', events: 2,
      title: "TypeError: Cannot read properties of undefined (reading 'id')", versions: ['1.0.0'],
    });
    expect((await store.states([fp])).get(fp)).toMatchObject({ status: 'new', updatedBy: 'system' });
    expect((await history(fp)).map((e) => [e.action, e.actor, e.before])).toEqual([['issue.open', 'system', null]]);
  });

  it('keeps an issue resolved for older versions and regresses it once for a newer one', async () => {
    const { t, alerts } = tracker();
    const fp = 'fp-regress';
    await arrive(t, [makeOccurrence({ fingerprint: fp, version: '1.1.0' })]);
    const resolved = await t.command(fp, [{ kind: 'resolve', inVersion: '1.2.0' }], 'token:abcd1234');
    expect(resolved?.status).toBe('resolved');

    await arrive(t, [makeOccurrence({ fingerprint: fp, version: '1.1.9', secondsAgo: 5 }), makeOccurrence({ fingerprint: fp, version: '1.2.0', secondsAgo: 4 })]);
    expect((await store.states([fp])).get(fp)!.status).toBe('resolved');
    await arrive(t, [makeOccurrence({ fingerprint: fp, version: '1.2.1', secondsAgo: 3 }), makeOccurrence({ fingerprint: fp, version: '1.3.0', secondsAgo: 2 })]);
    await arrive(t, [makeOccurrence({ fingerprint: fp, version: '1.3.0', secondsAgo: 1 })]);

    expect(alerts.map((a) => a.kind)).toEqual(['new', 'regressed']);
    expect(alerts[1]!.occurrence.version).toBe('1.2.1');
    expect(alerts[1]!.issue).toMatchObject({ status: 'regressed', events: 5, versions: ['1.1.0', '1.1.9', '1.2.0', '1.2.1', '1.3.0'] });
    expect(alerts[1]!.previous).toEqual({ status: 'resolved' });
    const entries = await history(fp);
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['issue.open', 'system'], ['issue.resolve', 'token:abcd1234'], ['issue.regress', 'system'],
    ]);
    expect(entries[2]!.before).toMatchObject({ status: 'resolved', resolvedInVersion: '1.2.0' });
    expect(entries[2]!.after).toMatchObject({ status: 'regressed', resolvedInVersion: '' });
  });

  it('keeps working when one batch holds more issues than its cache, or evicts a recently used one', async () => {
    const { t, alerts } = tracker({ config: { ...config, maxCachedIssues: 2 } });
    await arrive(t, [makeOccurrence({ fingerprint: 'lru-a', secondsAgo: 9 })]);
    await arrive(t, [makeOccurrence({ fingerprint: 'lru-b', secondsAgo: 8 })]);
    await arrive(t, [makeOccurrence({ fingerprint: 'lru-a', secondsAgo: 7 }), makeOccurrence({ fingerprint: 'lru-c', secondsAgo: 7 })]);
    await arrive(t, ['lru-d', 'lru-e', 'lru-f'].map((fingerprint) => makeOccurrence({ fingerprint, secondsAgo: 6 })));
    expect(alerts.map((a) => a.issue.fingerprint).sort()).toEqual(['lru-a', 'lru-b', 'lru-c', 'lru-d', 'lru-e', 'lru-f']);
  });

  it('escalates once when the stored event count reaches the threshold', async () => {
    const { t, alerts } = tracker();
    const fp = 'fp-escalate';
    await arrive(t, [makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 9 })]);
    await arrive(t, [makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 8 }), makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 7 })]);
    expect(alerts.map((a) => a.kind)).toEqual(['new']);
    await arrive(t, [makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 6 }), makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 5 })]);
    await arrive(t, [makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 4 })]);
    expect(alerts.map((a) => [a.kind, a.issue.severity])).toEqual([['new', 'warning'], ['escalated', 'error']]);
    expect(alerts[1]!.issue.events).toBe(5);
    expect(alerts[1]!.previous).toEqual({ severity: 'warning' });
    expect((await history(fp)).map((e) => e.action)).toEqual(['issue.open', 'issue.escalate']);
  });

  it('counts occurrences that are not in ClickHouse yet (spooled)', async () => {
    const { t, alerts } = tracker();
    const fp = 'fp-spooled';
    await t.observe([makeOccurrence({ fingerprint: fp, userId: 'a' }), makeOccurrence({ fingerprint: fp, userId: 'b' })]);
    expect(alerts[0]!.issue).toMatchObject({ events: 2, users: 2 });
  });

  it('counts a record standing for many occurrences as that many events, users once', async () => {
    const { t, alerts } = tracker();
    const fp = 'fp-storm-spooled';
    await t.observe([makeOccurrence({ fingerprint: fp, userId: 'a', count: 500 }), makeOccurrence({ fingerprint: fp, userId: 'a' }), makeOccurrence({ fingerprint: fp, userId: 'b' })]);
    expect(alerts[0]!.issue).toMatchObject({ events: 502, users: 2 });
  });

  it('escalates on the stored and observed occurrence counts, not on the number of records', async () => {
    const { t, alerts } = tracker();
    const fp = 'fp-storm-escalate';
    // One record: opened as a warning, the threshold (4 events) not reached yet by the first occurrence alone.
    await arrive(t, [makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 9 })]);
    await arrive(t, [makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 8, count: 2 })]);
    expect(alerts.map((a) => a.kind)).toEqual(['new']);
    await arrive(t, [makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 7, count: 10 })]);
    expect(alerts.map((a) => [a.kind, a.issue.severity])).toEqual([['new', 'warning'], ['escalated', 'error']]);
    expect(alerts[1]!.issue.events).toBe(13);
    const stored = (await store.stats([fp])).get(fp)!;
    expect(stored.events).toBe(13);
  });

  it('counts the records of one batch in time order, each with its own count, when deciding', async () => {
    const { t, alerts } = tracker();
    const fp = 'fp-storm-batch';
    // Opened by the first record (1 event: a warning); the second brings 6 and escalates it.
    await arrive(t, [
      makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 5, count: 6 }),
      makeOccurrence({ fingerprint: fp, severity: 'warning', secondsAgo: 6 }),
    ]);
    const history = alerts.map((a) => [a.kind, a.occurrence.count]);
    expect(history).toEqual([['new', 1], ['escalated', 6]]);
    expect(alerts.at(-1)!.issue.events).toBe(7);
  });

  it('ends an ignore until N more events when one record brings them', async () => {
    const { t } = tracker();
    const fp = 'fp-storm-ignore';
    await arrive(t, [makeOccurrence({ fingerprint: fp, secondsAgo: 9 })]);
    await t.command(fp, [{ kind: 'ignore', untilEvents: 100 }], 'op');
    await arrive(t, [makeOccurrence({ fingerprint: fp, secondsAgo: 8, count: 99 })]);
    expect((await store.states([fp])).get(fp)!.status).toBe('ignored');
    await arrive(t, [makeOccurrence({ fingerprint: fp, secondsAgo: 7, count: 2 })]);
    expect((await store.states([fp])).get(fp)!.status).toBe('ongoing');
  });

  it('reads the state again before acting on a cached copy another instance has changed', async () => {
    const fp = 'fp-two-instances';
    let now = Date.now();
    const a = tracker({ now: () => now });
    const b = tracker({ now: () => now, config: { ...config, ongoingAfterMs: 1_000 } });
    await arrive(b.t, [makeOccurrence({ fingerprint: fp, version: '1.0.0', secondsAgo: 1 })]); // b caches it as new
    await a.t.command(fp, [{ kind: 'resolve', inVersion: '2.0.0' }], 'operator');
    now += 5_000; // old enough for b to move it to ongoing, were it still new
    await arrive(b.t, [makeOccurrence({ fingerprint: fp, version: '1.0.0', secondsAgo: 0 })]);
    expect((await store.states([fp])).get(fp)).toMatchObject({ status: 'resolved', resolvedInVersion: '2.0.0' });
    expect((await history(fp)).map((e) => e.action)).toEqual(['issue.open', 'issue.resolve']);
  });

  it('keeps tracking when an alert callback throws', async () => {
    const warnings: unknown[] = [];
    const { t } = tracker({ onAlert: () => { throw new Error('webhook down'); }, logger: { warn: (o: unknown) => void warnings.push(o) } as never });
    await arrive(t, [makeOccurrence({ fingerprint: 'fp-bad-callback' })]);
    expect(warnings).toHaveLength(1);
    expect((await store.states(['fp-bad-callback'])).get('fp-bad-callback')?.status).toBe('new');
  });

  it('refuses an impossible command without writing anything, and ignores unknown issues', async () => {
    const { t } = tracker();
    const fp = 'fp-commands';
    await arrive(t, [makeOccurrence({ fingerprint: fp })]);
    await expect(t.command(fp, [{ kind: 'assign', assignee: 'dana' }, { kind: 'reopen' }], 'op')).rejects.toMatchObject({ kind: 'conflict' });
    expect((await store.states([fp])).get(fp)?.assignee).toBe('');
    expect(await t.command('fp-nowhere', [{ kind: 'resolve' }], 'op')).toBeUndefined();
    await t.shutdown();
    await t.observe([makeOccurrence({ fingerprint: 'fp-after-shutdown' })]);
    expect((await store.states(['fp-after-shutdown'])).size).toBe(0);
  });
});
