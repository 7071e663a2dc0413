import { describe, expect, it } from 'vitest';

import type { AnyValue, Batch, LogBatch, LogRecord, Metric, MetricBatch, Span, TraceBatch } from '../../batch/types.ts';
import { PolicyRegistry } from '../../control/policies/registry.ts';
import { ConfigResolver } from '../../control/policies/resolve.ts';
import type { CollectionPolicy } from '../../control/policies/model.ts';
import type { DebugSession } from '../../control/sessions/model.ts';
import { SessionRegistry } from '../../control/sessions/registry.ts';
import type { StatsIncrement } from '../../control/sessions/store.ts';
import { makePolicy, makeSession, MINUTE, T0 } from '../../control/testing.ts';
import { buildProcessors } from '../registry.ts';
import { attrs, idSource, makeLog, makeSpan } from '../../batch/testing.ts';
import { recorder } from '../testing.ts';
import { createDebugSessionsFactory, SESSION_ATTRIBUTE, type GateControl } from './debugsessions.ts';

const NOW = T0 + MINUTE;

/** The gate over in-memory registries holding `sessions` and `policies`, at NOW. */
async function control(sessions: DebugSession[], policies: CollectionPolicy[] = []) {
  const increments: StatsIncrement[] = [];
  const sessionRegistry = new SessionRegistry({ live: async () => sessions, addStats: async (i) => void increments.push(...i) }, { now: () => NOW });
  const policyRegistry = new PolicyRegistry({ all: async () => policies });
  await Promise.all([sessionRegistry.refresh(), policyRegistry.refresh()]);
  const state: GateControl = { resolver: new ConfigResolver(policyRegistry, sessionRegistry), sessions: sessionRegistry, now: () => NOW };
  const stats = async () => {
    await sessionRegistry.stats.flush();
    return increments;
  };
  return { state, stats };
}

function gate(state: GateControl | undefined, options: Record<string, unknown> = {}) {
  const processor = createDebugSessionsFactory(() => state).create('debugsessions', createDebugSessionsFactory(() => state).parse(options));
  return <B extends Batch>(batch: B) => {
    const report = recorder();
    const out = processor.process(batch, report) as B;
    return { out, ...report };
  };
}

const scope = () => ({ name: 'test', version: '', attributes: new Map(), droppedAttributesCount: 0 });
const resourceOf = (a: Record<string, AnyValue>) => ({ attributes: attrs(a), droppedAttributesCount: 0 });

/** One resource group per entry: its resource attributes and records. */
function logs(...groups: Array<[Record<string, AnyValue>, LogRecord[]]>): LogBatch {
  return { signal: 'logs', resources: groups.map(([a, records]) => ({ resource: resourceOf(a), schemaUrl: '', scopes: [{ scope: scope(), schemaUrl: '', records }] })) };
}
function spans(...groups: Array<[Record<string, AnyValue>, Span[]]>): TraceBatch {
  return { signal: 'traces', resources: groups.map(([a, records]) => ({ resource: resourceOf(a), schemaUrl: '', scopes: [{ scope: scope(), schemaUrl: '', records }] })) };
}

const severities = [1, 5, 9, 13, 17, 0]; // TRACE, DEBUG, INFO, WARN, ERROR, unspecified
const levelledLogs = () => severities.map((severityNumber) => makeLog({ severityNumber }));
const debugging = { 'service.name': 'app', 'app.installation.id': 'inst-debug' };
const other = { 'service.name': 'app', 'app.installation.id': 'inst-other' };
/** A fleet-wide policy raising the minimum level to INFO (with no policy every level is kept). */
const infoForAll = () => makePolicy({ settings: { minLogLevel: 'info' } });

describe('the debug-session gate', () => {
  it('keeps every level of every client when no policy raises the minimum level, as a Collector keeps what it is sent', async () => {
    const { state } = await control([]);
    const { out, drops } = gate(state)(logs([other, levelledLogs()]));
    expect(out.resources[0].scopes[0].records.map((l) => l.severityNumber)).toEqual(severities);
    expect(drops).toEqual({});
  });

  it('keeps a matching installation down to the session level, tagged and exempt; drops debug logs of others; counts it all', async () => {
    const session = makeSession({ target: { 'app.installation.id': 'inst-debug' }, level: 'debug' });
    const { state, stats } = await control([session], [infoForAll()]);
    const { out, drops, events } = gate(state)(logs([debugging, levelledLogs()], [other, levelledLogs()]));

    const [mine, theirs] = out.resources;
    expect(mine.resource.attributes.get(SESSION_ATTRIBUTE)).toBe(session.id);
    expect(mine.scopes[0].records.map((l) => l.severityNumber)).toEqual([5, 9, 13, 17, 0]);
    expect(mine.scopes[0].records.every((l) => l.attributes.get('sampling.priority') === 1n)).toBe(true);
    expect(theirs.resource.attributes.has(SESSION_ATTRIBUTE)).toBe(false);
    expect(theirs.scopes[0].records.map((l) => l.severityNumber)).toEqual([9, 13, 17, 0]);
    expect(theirs.scopes[0].records.some((l) => l.attributes.has('sampling.priority'))).toBe(false);
    expect(drops).toEqual({ below_session_level: 1, below_min_level: 2 });
    expect(events).toEqual({ debug_session: 5 });
    expect(await stats()).toEqual([{ sessionId: session.id, logs: 5, spans: 0, errors: 1, lastSeenMs: NOW }]);
  });

  it('lets sampling keep every session record, even at 0 %', async () => {
    const session = makeSession({ target: { 'app.installation.id': 'inst-debug' }, level: 'trace' });
    const { state } = await control([session]);
    const [sampling] = buildProcessors([{ type: 'sampling', percentage: 0 }]);
    const batch = spans([debugging, [makeSpan(), makeSpan()]], [other, [makeSpan()]]);
    const gated = gate(state)(batch).out;
    const sampled = (await sampling.process(gated, recorder())) as TraceBatch;
    expect(sampled.resources).toHaveLength(1);
    expect(sampled.resources[0].resource.attributes.get(SESSION_ATTRIBUTE)).toBe(session.id);
    expect(sampled.resources[0].scopes[0].records).toHaveLength(2);
  });

  it.each([
    ['a trace-level session keeps TRACE logs', { level: 'trace' }, 'logs', 6],
    ['a standard session keeps INFO and up', { level: 'standard' }, 'logs', 4],
    ['logs not captured: the policy level applies, untagged', { capture: { logs: false, spans: true, network: false } }, 'logs', 4],
  ] as const)('%s', async (_name, overrides, _signal, kept) => {
    const session = makeSession({ target: { 'app.installation.id': 'inst-debug' }, ...overrides });
    const { state } = await control([session], [infoForAll()]);
    const { out } = gate(state)(logs([debugging, levelledLogs()]));
    expect(out.resources[0].scopes[0].records).toHaveLength(kept);
    expect(out.resources[0].resource.attributes.has(SESSION_ATTRIBUTE)).toBe('capture' in overrides ? false : true);
  });

  it('exempts network spans only when the session captures network, and counts errors', async () => {
    const http = () => makeSpan({ kind: 3, attributes: attrs({ 'http.request.method': 'GET' }) });
    for (const network of [false, true]) {
      const session = makeSession({ target: { 'app.installation.id': 'inst-debug' }, capture: { logs: true, spans: true, network } });
      const { state, stats } = await control([session]);
      const { out } = gate(state)(spans([debugging, [http(), makeSpan({ status: { code: 2, message: 'boom' } })]]));
      expect(out.resources[0].scopes[0].records.map((s) => s.attributes.get('sampling.priority'))).toEqual([network ? 1n : undefined, 1n]);
      expect(await stats()).toEqual([expect.objectContaining({ spans: network ? 2 : 1, errors: 1 })]);
    }
  });

  it('applies nothing for a paused or not-yet-started session, and removes a tag the client set itself', async () => {
    const paused = makeSession({ target: { 'app.installation.id': 'inst-debug' }, pausedAtMs: T0 });
    const later = makeSession({ target: { 'app.installation.id': 'inst-debug' }, startsAtMs: NOW + MINUTE });
    const { state } = await control([paused, later], [infoForAll()]);
    const { out, drops } = gate(state)(logs([{ ...debugging, [SESSION_ATTRIBUTE]: 'ds_forged' }, levelledLogs()]));
    expect(out.resources[0].resource.attributes.has(SESSION_ATTRIBUTE)).toBe(false);
    expect(drops).toEqual({ below_min_level: 2 });
  });

  it('holds clients to their policy: kill switch drops everything, a minimum level drops below it', async () => {
    const kill = makePolicy({ targeting: { platforms: ['webjs'], rolloutPercentage: 100 }, settings: { telemetryEnabled: false } });
    const warn = makePolicy({ targeting: { services: ['api'], rolloutPercentage: 100 }, settings: { minLogLevel: 'warn' } });
    const session = makeSession({ target: { 'app.installation.id': 'inst-web' } }); // the kill switch beats it
    const { state } = await control([session], [kill, warn]);
    const { out, drops } = gate(state)(logs(
      [{ 'service.name': 'web', 'telemetry.sdk.language': 'webjs', 'app.installation.id': 'inst-web' }, levelledLogs()],
      [{ 'service.name': 'api' }, levelledLogs()],
    ));
    expect(out.resources).toHaveLength(1);
    expect(out.resources[0].scopes[0].records.map((l) => l.severityNumber)).toEqual([13, 17, 0]);
    expect(drops).toEqual({ telemetry_disabled: 6, below_min_level: 3 });
  });

  it('holds metrics to the kill switch alone, counting data points: no level, no sampling, no session tag', async () => {
    const kill = makePolicy({ targeting: { services: ['killed'], rolloutPercentage: 100 }, settings: { telemetryEnabled: false } });
    const sampled = makePolicy({ targeting: { services: ['api'], rolloutPercentage: 100 }, settings: { minLogLevel: 'error', sampling: { logsPercentage: 1, tracesPercentage: 1 } } });
    const session = makeSession({ target: { 'service.name': 'api' } });
    const { state } = await control([session], [kill, sampled]);
    const gauge = (name: string, points: number): Metric => ({
      name, description: '', unit: '', metadata: new Map(),
      data: { kind: 'gauge', points: Array.from({ length: points }, (_, i) => ({ attributes: new Map(), startTimeUnixNano: 0n, timeUnixNano: 1n, flags: 0, value: i, exemplars: [] })) },
    });
    const batch: MetricBatch = { signal: 'metrics', resources: [
      { resource: resourceOf({ 'service.name': 'killed' }), schemaUrl: '', scopes: [{ scope: scope(), schemaUrl: '', records: [gauge('a', 3), gauge('b', 2)] }] },
      { resource: resourceOf({ 'service.name': 'api', [SESSION_ATTRIBUTE]: 'claimed' }), schemaUrl: '', scopes: [{ scope: scope(), schemaUrl: '', records: [gauge('c', 400)] }] },
    ] };
    const { out, drops } = gate(state)(batch);
    expect(drops).toEqual({ telemetry_disabled: 5 });
    expect(out.resources).toHaveLength(1);
    expect(out.resources[0].resource.attributes.has(SESSION_ATTRIBUTE)).toBe(false);
    expect(out.resources[0].scopes[0].records[0].data.points).toHaveLength(400);
  });

  it('keeps the SDK\'s own reports whatever the minimum level', async () => {
    const error = makePolicy({ targeting: { services: ['api'], rolloutPercentage: 100 }, settings: { minLogLevel: 'error' } });
    const { state } = await control([], [error]);
    const own = ['otelhouse.sdk.health', 'otelhouse.sdk.dropped'].map((eventName) => makeLog({ severityNumber: 9, eventName }));
    const { out, drops } = gate(state)(logs([{ 'service.name': 'api' }, [...own, makeLog({ severityNumber: 9, eventName: 'page_view' })]]));
    expect(out.resources[0].scopes[0].records.map((l) => l.eventName)).toEqual(['otelhouse.sdk.health', 'otelhouse.sdk.dropped']);
    expect(drops).toEqual({ below_min_level: 1 });
  });

  it('only applies sessions when policies are not enforced', async () => {
    const kill = makePolicy({ settings: { telemetryEnabled: false } });
    const { state } = await control([], [kill]);
    const { out, drops } = gate(state, { enforcePolicies: false })(logs([other, levelledLogs()]));
    expect(out.resources[0].scopes[0].records).toHaveLength(6);
    expect(drops).toEqual({});
  });

  it('passes everything on, counted, when no control state is provided', () => {
    const { out, events } = gate(undefined)(logs([other, levelledLogs()]));
    expect(out.resources[0].scopes[0].records).toHaveLength(6);
    expect(events).toEqual({ no_control_state: 6 });
  });

  it('validates its options', () => {
    expect(() => createDebugSessionsFactory(() => undefined).parse({ enforcePolicies: 'yes' })).toThrow();
    expect(() => createDebugSessionsFactory(() => undefined).parse({ unknown: 1 })).toThrow();
  });
});

describe('policy sampling rates, enforced at the gateway', () => {
  const ids = idSource(42);
  const sampled = makePolicy({ targeting: { rolloutPercentage: 100, services: ['app'] }, settings: { sampling: { tracesPercentage: 10, logsPercentage: 20 } } });

  it('keep about the policy’s share of a client’s spans, consistently by trace, with the threshold the sampling processor turns into SampleRate', async () => {
    const { state } = await control([], [sampled]);
    const sent = Array.from({ length: 4000 }, () => makeSpan({ traceId: ids(32), spanId: ids(16) }));
    const { out, drops } = gate(state)(spans([other, sent]));
    const kept = out.resources.flatMap((r) => r.scopes.flatMap((s) => s.records));
    expect(kept.length).toBeGreaterThan(4000 * 0.1 * 0.85);
    expect(kept.length).toBeLessThan(4000 * 0.1 * 1.15);
    expect(drops.policy_sampling).toBe(4000 - kept.length);
    expect(new Set(kept.map((s) => s.traceState))).toEqual(new Set(['ot=th:e666']));

    const [sampling] = buildProcessors([{ type: 'sampling' }]);
    await sampling!.process(out, recorder());
    const weighted = kept.reduce((sum, s) => sum + Number(s.attributes.get('SampleRate') ?? 1), 0);
    expect(weighted).toBeGreaterThan(4000 * 0.85);
    expect(weighted).toBeLessThan(4000 * 1.15);
  });

  it('keep errors, leave a client that already sampled at the rate alone, and exempt session clients', async () => {
    const session = makeSession({ target: { 'app.installation.id': 'inst-debug' }, level: 'debug' });
    const { state } = await control([session], [sampled]);
    const error = makeSpan({ traceId: 'f'.repeat(17) + '0'.repeat(15), status: { code: 2, message: 'boom' } });
    const presampled = makeSpan({ traceId: '0'.repeat(18) + 'f'.repeat(14), traceState: 'ot=th:e666' });
    const fromSession = Array.from({ length: 50 }, () => makeSpan({ traceId: ids(32) }));
    const { out } = gate(state)(spans([other, [error, presampled]], [debugging, fromSession]));
    expect(out.resources[0]!.scopes[0]!.records).toEqual([error, presampled]);
    expect(out.resources[1]!.scopes[0]!.records).toHaveLength(50);
  });

  it('sample logs at the policy’s log rate, following their trace, and keep ERROR logs', async () => {
    const { state } = await control([], [sampled]);
    const sent = Array.from({ length: 3000 }, () => makeLog({ severityNumber: 9, traceId: ids(32) }));
    const errors = Array.from({ length: 10 }, () => makeLog({ severityNumber: 17, traceId: ids(32) }));
    const { out } = gate(state)(logs([other, [...sent, ...errors]]));
    const kept = out.resources.flatMap((r) => r.scopes.flatMap((s) => s.records));
    const info = kept.filter((l) => l.severityNumber === 9);
    expect(info.length).toBeGreaterThan(3000 * 0.2 * 0.85);
    expect(info.length).toBeLessThan(3000 * 0.2 * 1.15);
    expect(kept.filter((l) => l.severityNumber === 17)).toHaveLength(10);
    expect(info.every((l) => l.attributes.get('sampling.threshold') === 'cccd')).toBe(true);
  });
});

describe('the debug-session gate, in detail (mutants the first mutation run left alive)', () => {
  const session = () => makeSession({ target: { 'app.installation.id': 'inst-debug' }, level: 'debug' });
  const exempt = (records: Array<{ attributes: Map<string, AnyValue> }>) => records.map((r) => r.attributes.get('sampling.priority') ?? null);

  it('leaves outgoing HTTP calls out of a session without network capture, and only them', async () => {
    const { state } = await control([session()]);
    const records = [
      makeSpan({ kind: 3, attributes: attrs({ 'http.request.method': 'GET' }) }), // a client call: network
      makeSpan({ kind: 3, attributes: attrs({ 'http.method': 'GET' }) }), // the older convention
      makeSpan({ kind: 3, attributes: attrs({ 'url.full': 'https://api.example.com/x' }) }),
      makeSpan({ kind: 2, attributes: attrs({ 'http.request.method': 'GET' }) }), // a server span: not network
      makeSpan({ kind: 3, attributes: attrs({ 'db.system': 'postgresql' }) }), // a client span that is no HTTP call
    ];
    const { out, events } = gate(state)(spans([debugging, records]));
    expect(exempt(out.resources[0]!.scopes[0]!.records)).toEqual([null, null, null, 1n, 1n]);
    expect(events.debug_session).toBe(2);
  });

  it('counts a session\'s logs and spans as its records, and its errors', async () => {
    const s = session();
    const { state, stats } = await control([s]);
    const g = gate(state);
    expect(g(logs([debugging, [makeLog({ severityNumber: 9 }), makeLog({ severityNumber: 17 }), makeLog({ severityNumber: 13 })]])).events.debug_session).toBe(3);
    expect(g(spans([debugging, [makeSpan({ status: { code: 2, message: '' } }), makeSpan()]])).events.debug_session).toBe(2);
    // Summed per session until flushed: 3 logs and 2 spans, an ERROR log and an error span.
    expect(await stats()).toEqual([expect.objectContaining({ sessionId: s.id, logs: 3, spans: 2, errors: 2 })]);
  });

  it('records nothing for a session whose records were all below its level', async () => {
    const { state, stats } = await control([session()], [infoForAll()]);
    const { events, drops } = gate(state)(logs([debugging, [makeLog({ severityNumber: 1 }), makeLog({ severityNumber: 2 })]]));
    expect(drops.below_session_level).toBe(2);
    expect(events.debug_session ?? 0).toBe(0);
    expect(await stats()).toEqual([]);
  });

  it('prunes scopes and resource groups it empties, and keeps the others in order', async () => {
    const { state } = await control([], [infoForAll()]);
    const batch = logs([other, [makeLog({ severityNumber: 5 })]], [{ ...other, 'app.installation.id': 'inst-2' }, [makeLog({ severityNumber: 9 })]]);
    batch.resources[1]!.scopes.unshift({ scope: scope(), schemaUrl: '', records: [makeLog({ severityNumber: 1 })] });
    const { out, drops } = gate(state)(batch);
    expect(out.resources).toHaveLength(1);
    expect(out.resources[0]!.resource.attributes.get('app.installation.id')).toBe('inst-2');
    expect(out.resources[0]!.scopes.map((s) => s.records.map((r) => r.severityNumber))).toEqual([[9]]);
    expect(drops.below_min_level).toBe(2);
  });

  it('samples a client outside a session at its policy\'s rate, and not one in a session, at 100 %, or without enforcement', async () => {
    const half = makePolicy({ settings: { sampling: { logsPercentage: 10, tracesPercentage: 10 } } });
    const many = () => Array.from({ length: 2000 }, () => makeLog({ traceId: traceId() }));
    const { state } = await control([session()], [half]);
    const sampled = gate(state)(logs([other, many()]));
    const kept = sampled.out.resources[0]!.scopes[0]!.records.length;
    expect(kept).toBeGreaterThan(120);
    expect(kept).toBeLessThan(280);
    expect(sampled.drops.policy_sampling).toBe(2000 - kept);
    expect(gate(state)(logs([debugging, many()])).out.resources[0]!.scopes[0]!.records).toHaveLength(2000);
    expect(gate(state, { enforcePolicies: false })(logs([other, many()])).out.resources[0]!.scopes[0]!.records).toHaveLength(2000);
    const spansKept = gate(state)(spans([other, Array.from({ length: 2000 }, () => makeSpan({ traceId: traceId() }))])).out.resources[0]!.scopes[0]!.records.length;
    expect(spansKept).toBeLessThan(280);
    const all = await control([], [makePolicy({ settings: { sampling: { logsPercentage: 100 } } })]);
    const full = gate(all.state)(logs([other, many()]));
    expect(full.out.resources[0]!.scopes[0]!.records).toHaveLength(2000);
    expect(full.drops.policy_sampling ?? 0).toBe(0);
    // Without enforcement a policy's minimum level is not applied either.
    const levels = await control([], [infoForAll()]);
    expect(gate(levels.state, { enforcePolicies: false })(logs([other, levelledLogs()])).out.resources[0]!.scopes[0]!.records.map((l) => l.severityNumber)).toEqual(severities);
    // The policy sampler's own adjusted-count attribute is not left on the records.
    expect(sampled.out.resources[0]!.scopes[0]!.records.some((r) => r.attributes.has('otelhouse.policy.sample_rate'))).toBe(false);
  });
});

const traceId = idSource(99).bind(null, 32);
