import { describe, expect, it } from 'vitest';

import { issuesConfigSchema } from './config.ts';
import {
  applyCommand, applyEvent, effectiveStatus, LifecycleError, openIssue, parseVersion, regresses,
  type EventFacts, type IssueCommand, type IssueState,
} from './lifecycle.ts';

const config = issuesConfigSchema.parse({ escalation: { error: { events: 10, users: 3 }, fatal: { events: 100, users: 20 } }, ongoingAfterMs: 60_000 });
const NOW = 1_800_000_000_000;
const quiet = { events: 1, users: 1 };

const state = (over: Partial<IssueState> = {}): IssueState => ({
  fingerprint: 'fp', status: 'ongoing', severity: 'error', firstSeenMs: NOW - 3_600_000,
  resolvedInVersion: '', resolvedAtMs: 0, ignoreUntilMs: 0, ignoreUntilEvents: 0, ignoreBaseEvents: 0,
  assignee: '', notes: [], updatedAtMs: 0, updatedBy: 'system', version: 1, ...over,
});
const event = (over: Partial<EventFacts> = {}): EventFacts => ({ timeMs: NOW - 1_000, version: '1.0.0', severity: 'error', ...over });
const resolvedIn = (version: string) => state({ status: 'resolved', resolvedInVersion: version, resolvedAtMs: NOW - 10_000 });

describe('the config schema', () => {
  it('has sensible defaults and refuses fatal thresholds below error ones', () => {
    expect(issuesConfigSchema.parse({})).toMatchObject({
      enabled: true, ongoingAfterMs: 86_400_000, fingerprintRules: [],
      escalation: { error: { events: 100, users: 10 }, fatal: { events: 1000, users: 100 } },
    });
    const bad = issuesConfigSchema.safeParse({ escalation: { error: { events: 50 }, fatal: { events: 10 } } });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues[0]!.path).toEqual(['escalation', 'fatal', 'events']);
  });
});

describe('semver comparison for regressions', () => {
  it.each([
    ['1.2.0', '1.1.9', false],
    ['1.2.0', '1.2.0', false],
    ['1.2.0', '1.2.1', true],
    ['1.9.0', '1.10.0', true],
    ['1.2.0', '1.2.0-rc.1', false], // a pre-release comes before its release
    ['1.2.0', '1.3.0-beta.1', true],
    ['1.2.0-beta.1', '1.2.0-beta.2', true],
    ['1.2.0-beta.2', '1.2.0-beta.10', true],
    ['1.2.0', '1.2.0+build.7', false], // build metadata does not order
    ['1.2.0', 'v1.2.1', true],
    ['1.2.0', '1.3', true], // coerced to 1.3.0
    ['1.2.3', '1.2.3.5', true], // a fourth part counts (Android, .NET build numbers)
    ['1.2.3.5', '1.2.3.4', false],
    ['1.2.3.5', '1.2.3.10', true],
    ['1.2.3.5', '1.2.4', true],
    ['v1.2.3', '1.2.3.0', false],
    ['=1.2.3', '1.2.4', true], // loose semver, no leading number
    ['1.2.0', 'nightly', false], // not a version: cannot tell it is newer
    ['1.2.0', '', false],
  ])('resolved in %s, event from %j → regressed: %s', (fixed, seen, expected) => {
    expect(regresses(resolvedIn(fixed), event({ version: seen }))).toBe(expected);
    const changes = applyEvent(resolvedIn(fixed), event({ version: seen }), quiet, config, NOW);
    expect(changes.some((c) => c.after.status === 'regressed')).toBe(expected);
  });

  it('parses loose and coercible versions only', () => {
    expect(parseVersion('v2.0.1')?.version).toBe('2.0.1');
    expect(parseVersion('2024.01.05')?.version).toBe('2024.1.5');
    expect(parseVersion('build-5')).toBeNull();
  });
});

describe('events', () => {
  it('opens an issue as new, at the event severity, with a new alert', () => {
    const change = openIssue('fp', event({ severity: 'warning' }), quiet, config, NOW);
    expect(change).toMatchObject({ action: 'issue.open', before: null, alerts: ['new'] });
    expect(change.after).toMatchObject({ status: 'new', severity: 'warning', firstSeenMs: NOW - 1_000, updatedBy: 'system' });
  });

  it.each<[string, IssueState, EventFacts, { events: number; users: number }, string | undefined, string[]]>([
    ['a young new issue stays new', state({ status: 'new', firstSeenMs: NOW - 30_000 }), event(), quiet, undefined, []],
    ['a new issue past ongoingAfterMs becomes ongoing', state({ status: 'new', firstSeenMs: NOW - 61_000 }), event(), quiet, 'ongoing', []],
    ['an ongoing issue stays ongoing', state(), event(), quiet, undefined, []],
    ['resolved now + a later event regresses', state({ status: 'resolved', resolvedAtMs: NOW - 5_000 }), event({ timeMs: NOW - 1_000 }), quiet, 'regressed', ['regressed']],
    ['resolved now + an event from before the resolution stays resolved', state({ status: 'resolved', resolvedAtMs: NOW - 5_000 }), event({ timeMs: NOW - 9_000 }), quiet, undefined, []],
    ['ignored forever stays ignored', state({ status: 'ignored' }), event(), { events: 1e6, users: 1 }, undefined, []],
    ['ignored until a time that has passed becomes ongoing', state({ status: 'ignored', ignoreUntilMs: NOW - 1 }), event(), quiet, 'ongoing', []],
    ['ignored until a time still ahead stays ignored', state({ status: 'ignored', ignoreUntilMs: NOW + 60_000 }), event(), quiet, undefined, []],
    ['ignored until 5 more events stays ignored at 4', state({ status: 'ignored', ignoreUntilEvents: 5, ignoreBaseEvents: 7 }), event(), { events: 11, users: 1 }, undefined, []],
    ['ignored until 5 more events becomes ongoing at 5', state({ status: 'ignored', ignoreUntilEvents: 5, ignoreBaseEvents: 7 }), event(), { events: 12, users: 1 }, 'ongoing', []],
    ['a regressed issue stays regressed', state({ status: 'regressed' }), event(), quiet, undefined, []],
  ])('%s', (_name, before, facts, counts, status, alerts) => {
    const changes = applyEvent(before, facts, counts, config, NOW);
    expect(changes.find((c) => c.action !== 'issue.escalate')?.after.status).toBe(status);
    expect(changes.flatMap((c) => c.alerts)).toEqual(alerts);
  });

  it.each<[string, IssueState, EventFacts, { events: number; users: number }, string | undefined, string[]]>([
    ['warning → error at the event threshold', state({ severity: 'warning' }), event({ severity: 'warning' }), { events: 10, users: 1 }, 'error', ['escalated']],
    ['warning → error at the user threshold', state({ severity: 'warning' }), event({ severity: 'warning' }), { events: 2, users: 3 }, 'error', ['escalated']],
    ['error → fatal at the event threshold', state(), event(), { events: 100, users: 1 }, 'fatal', ['escalated']],
    ['warning → fatal straight away at the fatal user threshold', state({ severity: 'warning' }), event({ severity: 'warning' }), { events: 1, users: 20 }, 'fatal', ['escalated']],
    ['warning → fatal from a fatal event', state({ severity: 'warning' }), event({ severity: 'fatal' }), quiet, 'fatal', ['escalated']],
    ['below the thresholds nothing changes', state({ severity: 'warning' }), event({ severity: 'warning' }), { events: 9, users: 2 }, undefined, []],
    ['never de-escalates', state({ severity: 'fatal' }), event({ severity: 'warning' }), quiet, undefined, []],
    ['escalates an ignored issue without an alert', state({ status: 'ignored', severity: 'warning' }), event(), quiet, 'error', []],
  ])('severity: %s', (_name, before, facts, counts, severity, alerts) => {
    const changes = applyEvent(before, facts, counts, config, NOW);
    expect(changes.find((c) => c.action === 'issue.escalate')?.after.severity).toBe(severity);
    expect(changes.flatMap((c) => c.alerts)).toEqual(alerts);
  });

  it('reports a regression and an escalation as two changes, one alert each', () => {
    const changes = applyEvent(resolvedIn('1.0.0'), event({ version: '1.0.1', severity: 'fatal' }), quiet, config, NOW);
    expect(changes.map((c) => [c.action, c.after.status, c.after.severity, c.alerts])).toEqual([
      ['issue.regress', 'regressed', 'error', ['regressed']],
      ['issue.escalate', 'regressed', 'fatal', ['escalated']],
    ]);
    expect(changes[1]!.before).toBe(changes[0]!.after);
    expect(changes[0]!.after).toMatchObject({ resolvedInVersion: '', resolvedAtMs: 0 });
  });
});

describe('commands', () => {
  const ctx = { actor: 'token:abcd1234', nowMs: NOW, events: 40, config };
  const run = (s: IssueState, c: IssueCommand) => applyCommand(s, c, ctx);

  it.each<[string, IssueState, IssueCommand, Partial<IssueState>]>([
    ['resolves an ongoing issue now', state(), { kind: 'resolve' }, { status: 'resolved', resolvedInVersion: '', resolvedAtMs: NOW }],
    ['resolves a new issue in a version', state({ status: 'new', firstSeenMs: NOW }), { kind: 'resolve', inVersion: '1.2.0' }, { status: 'resolved', resolvedInVersion: '1.2.0' }],
    ['changes a resolution from a version to now', resolvedIn('1.2.0'), { kind: 'resolve' }, { status: 'resolved', resolvedInVersion: '' }],
    ['resolves an ignored issue', state({ status: 'ignored' }), { kind: 'resolve' }, { status: 'resolved', ignoreUntilMs: 0 }],
    ['resolves a regressed issue', state({ status: 'regressed' }), { kind: 'resolve', inVersion: '2.0.0' }, { status: 'resolved' }],
    ['ignores forever', state(), { kind: 'ignore' }, { status: 'ignored', ignoreUntilMs: 0, ignoreUntilEvents: 0 }],
    ['ignores for a duration', state(), { kind: 'ignore', forMs: 3_600_000 }, { status: 'ignored', ignoreUntilMs: NOW + 3_600_000 }],
    ['ignores until N more events, remembering the count', state(), { kind: 'ignore', untilEvents: 5 }, { status: 'ignored', ignoreUntilEvents: 5, ignoreBaseEvents: 40 }],
    ['changes the terms of an ignore', state({ status: 'ignored' }), { kind: 'ignore', untilEvents: 5 }, { status: 'ignored', ignoreUntilEvents: 5 }],
    ['reopens a resolved issue as ongoing', resolvedIn('1.0.0'), { kind: 'reopen' }, { status: 'ongoing', resolvedInVersion: '', resolvedAtMs: 0 }],
    ['reopens an ignored issue', state({ status: 'ignored', ignoreUntilEvents: 3, ignoreBaseEvents: 40 }), { kind: 'reopen' }, { status: 'ongoing', ignoreUntilEvents: 0 }],
    ['assigns', state(), { kind: 'assign', assignee: 'dana' }, { assignee: 'dana', status: 'ongoing' }],
    ['adds a note by the actor', state(), { kind: 'note', text: ' looking ' }, { notes: [{ timeMs: NOW, author: 'token:abcd1234', text: 'looking' }] }],
  ])('%s', (_name, before, command, expected) => {
    const change = run(before, command)!;
    expect(change.after).toMatchObject({ ...expected, updatedAtMs: NOW, updatedBy: 'token:abcd1234' });
    expect(change.before).toBe(before);
    expect(change.alerts).toEqual([]);
  });

  it.each<[string, IssueState, IssueCommand]>([
    ['resolve an issue already resolved now', state({ status: 'resolved', resolvedAtMs: NOW - 1 }), { kind: 'resolve' }],
    ['resolve again in the same version', resolvedIn('1.2.0'), { kind: 'resolve', inVersion: '1.2.0' }],
    ['ignore a resolved issue', resolvedIn('1.2.0'), { kind: 'ignore' }],
    ['ignore again on the same terms', state({ status: 'ignored' }), { kind: 'ignore' }],
    ['reopen an ongoing issue', state(), { kind: 'reopen' }],
    ['reopen a regressed issue', state({ status: 'regressed' }), { kind: 'reopen' }],
    ['reopen a new issue', state({ status: 'new', firstSeenMs: NOW }), { kind: 'reopen' }],
    ['reopen an issue whose ignore has run out (it already reads ongoing)', state({ status: 'ignored', ignoreUntilMs: NOW - 1 }), { kind: 'reopen' }],
  ])('refuses to %s with a conflict', (_name, before, command) => {
    expect(() => run(before, command)).toThrow(expect.objectContaining({ kind: 'conflict' }));
  });

  it.each<[IssueCommand, string]>([
    [{ kind: 'resolve', inVersion: 'next' }, 'resolution.inVersion'],
    [{ kind: 'resolve', inVersion: '1.2' }, 'resolution.inVersion'],
    [{ kind: 'ignore', untilMs: NOW - 1 }, 'ignore.untilMs'],
    [{ kind: 'ignore', untilEvents: 1.5 }, 'ignore.untilEvents'],
    [{ kind: 'note', text: '   ' }, 'note'],
  ])('refuses %j as invalid, naming %s', (command, field) => {
    let error: unknown;
    try {
      run(state(), command);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(LifecycleError);
    expect(error).toMatchObject({ kind: 'invalid', field });
  });

  it('treats assigning the same person as no change', () => {
    expect(run(state({ assignee: 'dana' }), { kind: 'assign', assignee: 'dana' })).toBeUndefined();
  });

  it('keeps the newest 100 notes', () => {
    const notes = Array.from({ length: 100 }, (_, i) => ({ timeMs: i, author: 'a', text: `n${i}` }));
    const after = run(state({ notes }), { kind: 'note', text: 'latest' })!.after;
    expect(after.notes).toHaveLength(100);
    expect(after.notes[0]!.text).toBe('n1');
    expect(after.notes.at(-1)!.text).toBe('latest');
  });
});

describe('the status reads show', () => {
  it.each<[string, IssueState, number, string]>([
    ['new while young', state({ status: 'new', firstSeenMs: NOW - 59_000 }), 1, 'new'],
    ['ongoing once old, without another event', state({ status: 'new', firstSeenMs: NOW - 60_000 }), 1, 'ongoing'],
    ['ongoing once an ignore has run out', state({ status: 'ignored', ignoreUntilMs: NOW }), 1, 'ongoing'],
    ['ongoing once an ignore has seen its events', state({ status: 'ignored', ignoreUntilEvents: 2, ignoreBaseEvents: 3 }), 5, 'ongoing'],
    ['ignored before that', state({ status: 'ignored', ignoreUntilEvents: 2, ignoreBaseEvents: 3 }), 4, 'ignored'],
    ['resolved as stored', resolvedIn('1.0.0'), 1, 'resolved'],
  ])('%s', (_name, s, events, expected) => {
    expect(effectiveStatus(s, NOW, events, config)).toBe(expected);
  });
});
