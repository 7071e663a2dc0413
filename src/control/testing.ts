/** Test helpers of the control plane: an embedded engine with every table, and session/policy builders. */
import { defaultSchemaOptions, migrate } from '../storage/clickhouse/schema/index.ts';
import { openTestEngine, type TestEngine } from '../storage/clickhouse/testing.ts';
import { emptyIdentity, type ClientIdentity } from './policies/identity.ts';
import type { CollectionPolicy } from './policies/model.ts';
import { controlTableStatements } from '../storage/clickhouse/schema/controlPlane.ts';
import type { DebugSession } from './sessions/model.ts';

/** A fresh embedded ClickHouse with the telemetry tables (migrated) and the control-plane tables in `database`. */
export async function openControlEngine(database = 'otel'): Promise<TestEngine> {
  const engine = openTestEngine();
  const opts = { ...defaultSchemaOptions, database };
  await migrate(engine.client, opts);
  for (const query of controlTableStatements(opts)) await engine.client.command({ query });
  return engine;
}

export const MINUTE = 60_000;
/** A fixed clock for pure tests: 2025-01-01T00:00:00Z. */
export const T0 = Date.UTC(2025, 0, 1);

let sequence = 0;

/** An active debug session for installation `inst-1` from T0 for an hour, with `overrides`. */
export function makeSession(overrides: Partial<DebugSession> = {}): DebugSession {
  sequence++;
  return {
    id: `ds_${sequence.toString(16).padStart(24, '0')}`,
    target: { 'app.installation.id': 'inst-1' },
    level: 'debug',
    capture: { logs: true, spans: true, network: false },
    reason: '',
    consent: null,
    requireConsent: false,
    createdAtMs: T0,
    createdBy: 'token:00000000',
    startsAtMs: T0,
    endsAtMs: T0 + 60 * MINUTE,
    pausedAtMs: 0,
    resumedAtMs: 0,
    cancelledAtMs: 0,
    cancelledBy: '',
    updatedAtMs: T0,
    updatedBy: 'token:00000000',
    version: 1,
    ...overrides,
  };
}

/** An enabled policy targeting everyone and setting nothing, with `overrides`. */
export function makePolicy(overrides: Partial<CollectionPolicy> = {}): CollectionPolicy {
  sequence++;
  return {
    id: `pol_${sequence.toString(16).padStart(24, '0')}`,
    name: 'test policy',
    description: '',
    enabled: true,
    priority: 0,
    targeting: { rolloutPercentage: 100 },
    startsAtMs: null,
    expiresAtMs: null,
    settings: {},
    createdAtMs: T0,
    createdBy: 'token:00000000',
    updatedAtMs: T0,
    updatedBy: 'token:00000000',
    version: 1,
    ...overrides,
  };
}

/** An identity with `fields` set (the rest empty). */
export function identity(fields: Partial<ClientIdentity> = {}): ClientIdentity {
  return { ...emptyIdentity(), ...fields };
}
