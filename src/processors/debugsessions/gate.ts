import { countRecords } from '../../batch/records.ts';
import type { Batch, LogRecord, Metric, ResourceGroup, Span } from '../../batch/types.ts';
import { identityOfResource } from '../../control/policies/identity.ts';
import { LEVEL_SEVERITY } from '../../control/policies/model.ts';
import type { ConfigResolver } from '../../control/policies/resolve.ts';
import type { SessionRegistry } from '../../control/sessions/registry.ts';
import type { DropSink } from '../processor.ts';
import { samplePolicyGroup } from './policySampling.ts';

/** Events the SDK reports about itself: never dropped for their level. */
const SDK_EVENT_PREFIX = 'otelhouse.sdk.';

/** The resource attribute naming the debug session a record was kept for. */
export const SESSION_ATTRIBUTE = 'otelhouse.debug_session.id';

/** The control state the gate reads: in-memory registries, never ClickHouse. */
export interface GateControl {
  /** Effective config (policies + active session) per client identity. */
  resolver: Pick<ConfigResolver, 'resolve'>;
  /** Where session stats are counted. */
  sessions: Pick<SessionRegistry, 'record'>;
  /** Clock, ms. Default `Date.now`. */
  now?: () => number;
}

/** Per-batch counts, reported once. */
export class GateTally {
  disabled = 0;
  belowMinLevel = 0;
  belowSessionLevel = 0;
  policySampled = 0;
  sessionRecords = 0;

  report(sink: DropSink): void {
    sink.drop('telemetry_disabled', this.disabled);
    sink.drop('below_min_level', this.belowMinLevel);
    sink.drop('below_session_level', this.belowSessionLevel);
    sink.drop('policy_sampling', this.policySampled);
    sink.count('debug_session', this.sessionRecords);
  }
}

const ERROR_SEVERITY = 17;
const SPAN_KIND_CLIENT = 3;
const STATUS_ERROR = 2;

/** An outgoing HTTP call: what a session's `network` capture flag covers. */
function isNetworkSpan(span: Span): boolean {
  const a = span.attributes;
  return span.kind === SPAN_KIND_CLIENT && (a.has('http.request.method') || a.has('http.method') || a.has('url.full'));
}

/**
 * Applies each resource group's effective config in place (see the processor's TSDoc) and prunes
 * groups left empty. Work per record is a severity comparison and, for session records, one
 * attribute write; identity and config are resolved once per resource group (and cached across
 * batches by the resolver). Metrics obey only the kill switch (their data points counted): a
 * level is not theirs, sampling them would make them wrong, and sessions capture logs and spans.
 */
export function gateBatch(batch: Batch, control: GateControl, nowMs: number, enforce: boolean, exemptKey: string, tally: GateTally): void {
  const groups = batch.resources as ResourceGroup<LogRecord | Span | Metric>[];
  let keptGroups = 0;
  for (const group of groups) {
    const attributes = group.resource.attributes;
    const { config, session } = control.resolver.resolve(identityOfResource(attributes), nowMs);
    if (enforce && !config.telemetryEnabled) {
      tally.disabled += countRecords({ signal: batch.signal, resources: [group] } as Batch);
      continue;
    }
    if (batch.signal === 'metrics') {
      if (attributes.size > 0) attributes.delete(SESSION_ATTRIBUTE);
      groups[keptGroups++] = group;
      continue;
    }
    const captured = session !== undefined && (batch.signal === 'logs' ? session.capture.logs : session.capture.spans);
    // A client cannot tag itself into a session: the gateway decides, and removes a stale claim.
    if (captured) attributes.set(SESSION_ATTRIBUTE, session.id);
    else if (attributes.size > 0) attributes.delete(SESSION_ATTRIBUTE);

    let logs = 0;
    let spans = 0;
    let errors = 0;
    if (batch.signal === 'logs') {
      const min = enforce || captured ? LEVEL_SEVERITY[config.minLogLevel] : 0;
      for (const scope of group.scopes as ResourceGroup<LogRecord>['scopes']) {
        const before = scope.records.length;
        // Severity 0 is "unspecified": the sender did not say, so it is not below anything. The
        // SDK's own reports (`otelhouse.sdk.health`, `.dropped`) are kept whatever the level.
        if (min > 1) scope.records = scope.records.filter((log) => log.severityNumber === 0 || log.severityNumber >= min || log.eventName.startsWith(SDK_EVENT_PREFIX));
        const dropped = before - scope.records.length;
        if (captured) tally.belowSessionLevel += dropped;
        else tally.belowMinLevel += dropped;
        if (!captured) continue;
        for (const log of scope.records) {
          log.attributes.set(exemptKey, 1n);
          if (log.severityNumber >= ERROR_SEVERITY) errors++;
        }
        logs += scope.records.length;
      }
    } else if (captured) {
      const network = session.capture.network;
      for (const scope of group.scopes as ResourceGroup<Span>['scopes']) {
        for (const span of scope.records) {
          if (!network && isNetworkSpan(span)) continue;
          span.attributes.set(exemptKey, 1n);
          spans++;
          if (span.status.code === STATUS_ERROR) errors++;
        }
      }
    }
    // A client not in a session is held to its policy's sampling rate, had it sampled or not.
    const percentage = batch.signal === 'logs' ? config.sampling.logsPercentage : config.sampling.tracesPercentage;
    if (enforce && !captured && percentage < 100) tally.policySampled += samplePolicyGroup(batch.signal, group as ResourceGroup<Span | LogRecord>, percentage);
    if (captured && logs + spans > 0) {
      control.sessions.record(session.id, logs, spans, errors, nowMs);
      tally.sessionRecords += logs + spans;
    }
    let keptScopes = 0;
    for (const scope of group.scopes) if (scope.records.length > 0) group.scopes[keptScopes++] = scope;
    group.scopes.length = keptScopes;
    if (keptScopes > 0) groups[keptGroups++] = group;
  }
  groups.length = keptGroups;
}
