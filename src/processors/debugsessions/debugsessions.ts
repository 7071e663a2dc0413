import type { Processor, ProcessorFactory } from '../processor.ts';
import { debugSessionsConfigSchema, type DebugSessionsConfig } from './config.ts';
import { gateBatch, GateTally, type GateControl } from './gate.ts';

export { SESSION_ATTRIBUTE, type GateControl } from './gate.ts';

/**
 * The gate between redaction and sampling (processor type `debugsessions`). Per resource group,
 * from the client's identity (its resource attributes) and its effective config:
 * - telemetry off (kill switch / opt-out) → every record dropped (`telemetry_disabled`);
 * - an active debug session capturing this signal → the resource is tagged
 *   `otelhouse.debug_session.id`, logs below the session's level are dropped
 *   (`below_session_level`), and every kept record gets `sampling.priority` = 1 so sampling keeps it
 *   (spans of outgoing HTTP calls only when the session captures `network`); the session's stats
 *   count them (event `debug_session`);
 * - otherwise logs below the policy's minimum level (INFO by default) are dropped
 *   (`below_min_level`), the policy's sampling rates are applied to what the client did not
 *   sample itself (`policy_sampling`; consistent, errors kept, thresholds left for the `sampling`
 *   processor to turn into `SampleRate`), and a client-sent `otelhouse.debug_session.id` is removed.
 * Severity 0 (unspecified) is never below a level. `source` gives the control state at every
 * batch (the gateway's registries; see `buildProcessors`).
 */
export function createDebugSessionsFactory(source: () => GateControl | undefined): ProcessorFactory<DebugSessionsConfig> {
  return {
    parse: (options) => debugSessionsConfigSchema.parse(options),
    create(name, config): Processor {
      return {
        name,
        process(batch, report) {
          const control = source();
          if (!control) {
            // No control plane wired (e.g. a chain built without one): pass everything on, counted.
            let n = 0;
            for (const r of batch.resources) for (const s of r.scopes) n += s.records.length;
            report.count('no_control_state', n);
            return batch;
          }
          const tally = new GateTally();
          gateBatch(batch, control, (control.now ?? Date.now)(), config.enforcePolicies, config.exemptAttribute, tally);
          tally.report(report);
          return batch;
        },
      };
    },
  };
}

