import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.ts';
import { createClickHouseClient, type ClickHouseClient } from './storage/clickhouse/client.ts';
import { ClickHouseExporter } from './exporters/clickhouse/exporter.ts';
import { checkDrift, migrate, type DriftProblem, type SchemaOptions } from './storage/clickhouse/schema/index.ts';
import { reconcileRetention } from './storage/clickhouse/schema/ttl.ts';
import { controlTableNames } from './storage/clickhouse/schema/options.ts';
import { clickhouseRowStore, type RowStore } from './storage/clickhouse/store.ts';
import { Spool } from './exporters/spool/spool.ts';
import { AuditLog } from './storage/clickhouse/audit.ts';
import { registerClientConfigRoute } from './control/clientConfig.ts';
import { PolicyRegistry } from './control/policies/registry.ts';
import { ConfigResolver } from './control/policies/resolve.ts';
import { PolicyService } from './control/policies/service.ts';
import { PolicyStore } from './control/policies/store.ts';
import { previewPolicy } from './control/policies/preview.ts';
import { SessionRegistry } from './control/sessions/registry.ts';
import { SessionService } from './control/sessions/service.ts';
import { SessionStore } from './control/sessions/store.ts';
import { AutoTriggers } from './control/triggers/autoTriggers.ts';
import { registerPolicyRoutes } from './query/policies.ts';
import { registerSessionRoutes } from './query/sessions.ts';
import type { Batch } from './batch/types.ts';
import { AlertDispatcher } from './issues/alerts/dispatcher.ts';
import { compileFingerprintRules } from './issues/grouping/rules.ts';
import { registerSourceMapRoutes } from './issues/sourcemaps/routes.ts';
import { SourceMapStore } from './issues/sourcemaps/store.ts';
import { IssueStore } from './issues/store/issueStore.ts';
import { encodeErrorEvents } from './issues/store/rows.ts';
import { IssueTracker } from './issues/tracker.ts';
import { createLogger, type Logger } from './ops/logger.ts';
import { fingerprintProcessor, takeOccurrences } from './processors/fingerprint/fingerprint.ts';
import { registerAuditRoutes } from './query/audit.ts';
import { registerIssueRoutes } from './query/issues.ts';
import { GatewayMetrics } from './ops/metrics.ts';
import { Pipeline } from './processors/pipeline.ts';
import { ProcessorChain } from './processors/chain.ts';
import { buildProcessors, type ProcessorServices } from './processors/registry.ts';
import { registerOtlpRoutes } from './receiver/otlpRoutes.ts';
import { createServer } from './receiver/server.ts';

export interface GatewayDeps {
  /** A ClickHouse client to use instead of creating one from config (tests wrap the real one to inject faults). */
  client?: ClickHouseClient;
  /** Wraps the row store, e.g. to inject faults in tests. */
  wrapStore?: (store: RowStore) => RowStore;
  logger?: Logger;
  /** Clock of the control plane (debug sessions, policies, issue lifecycle), ms; default `Date.now`. Tests move it. */
  now?: () => number;
}

/** A running gateway: the HTTP server, the pipeline and the store, with an explicit lifecycle. */
export interface Gateway {
  readonly app: FastifyInstance;
  readonly metrics: GatewayMetrics;
  readonly client: ClickHouseClient;
  readonly config: Config;
  /** Schema drift found at start (empty when the tables match the code). */
  readonly drift: DriftProblem[];
  /** Base URL once listening, e.g. `http://127.0.0.1:4318`. */
  url: string;
  /** Binds the port and starts accepting data. */
  listen(): Promise<string>;
  /** Stops intake, flushes, closes the store; idempotent; bounded by `shutdownTimeoutMs`. */
  shutdown(): Promise<void>;
}

/** Durable occurrences waiting for the issue tracker, at most. */
const MAX_TRACKER_BACKLOG = 50_000;

/** Schema options from the gateway config. */
export function schemaOptions(config: Config): SchemaOptions {
  const ch = config.clickhouse;
  return {
    database: ch.database,
    tracesTable: ch.tracesTable,
    logsTable: ch.logsTable,
    ttlSeconds: (ch.ttlHours ?? 0) * 3600,
    cluster: ch.cluster,
    replicated: ch.replicated,
  };
}

/**
 * Builds the gateway: validates processor config, connects to ClickHouse (embedded or server),
 * applies migrations, checks for drift, opens the spool and wires receiver → processors →
 * exporter. Nothing listens until {@link Gateway.listen}.
 */
export async function createGateway(config: Config, deps: GatewayDeps = {}): Promise<Gateway> {
  const logger = deps.logger ?? createLogger(config);
  const metrics = new GatewayMetrics();
  const gate: ProcessorServices = {};
  const processors = buildProcessors(config.processors, gate);
  if (!config.processors.some((entry) => entry.type === 'redaction')) {
    logger.warn('the processor chain has no redaction processor: personal data and secrets reach storage unredacted');
  }
  const client = deps.client ?? (await createClickHouseClient(config));

  const schema = schemaOptions(config);
  const migrations = await migrate(client, schema);
  if (migrations.applied.length) logger.info({ applied: migrations.applied, version: migrations.current }, 'schema migrated');
  if (migrations.checksumMismatches.length) {
    logger.warn({ mismatches: migrations.checksumMismatches }, 'applied migrations differ from what this version renders; they are not re-run');
  }
  const retention = {
    ttlSeconds: config.clickhouse.ttlHours === undefined ? undefined : config.clickhouse.ttlHours * 3600,
    debugTtlSeconds: config.clickhouse.debugSessionTtlHours * 3600,
  };
  const altered = await reconcileRetention(client, schema, retention);
  if (altered.length) logger.info({ tables: altered, ttlHours: config.clickhouse.ttlHours, debugSessionTtlHours: config.clickhouse.debugSessionTtlHours }, 'retention changed');
  const drift = await checkDrift(client, schema);
  if (drift.length) {
    logger.warn({ drift }, 'ClickHouse tables differ from the schema this version expects');
    if (config.clickhouse.failOnDrift) throw new Error(`schema drift: ${drift.map((d) => `${d.table}${d.column ? `.${d.column}` : ''}: ${d.problem}`).join('; ')}`);
  }

  const spool = new Spool(join(config.dataDir, 'spool'), config.exporter.maxSpoolBytes);
  await spool.open();
  const baseStore = clickhouseRowStore(client, config.clickhouse.database);
  const exporter = new ClickHouseExporter({
    store: deps.wrapStore ? deps.wrapStore(baseStore) : baseStore,
    spool,
    tables: { traces: config.clickhouse.tracesTable, logs: config.clickhouse.logsTable, errorEvents: controlTableNames.errorEvents },
    ...config.exporter,
    retryAfterSeconds: config.receiver.retryAfterSeconds,
    metrics,
    logger,
  });
  const database = config.clickhouse.database;
  const audit = new AuditLog(client, { database });

  // Debug sessions and policies: in memory for the gate and /v1/config, refreshed from ClickHouse.
  const sessionStore = new SessionStore(client, { database });
  const policyStore = new PolicyStore(client, { database });
  const onControlError = (err: unknown, what?: string) => logger.warn({ err: (err as Error).message, what }, 'control state refresh failed; serving the last state');
  const now = deps.now ?? Date.now;
  const sessionRegistry = new SessionRegistry(sessionStore, { refreshMs: config.control.refreshMs, statsFlushMs: config.control.statsFlushMs, onError: onControlError, now });
  const policyRegistry = new PolicyRegistry(policyStore, { refreshMs: config.control.refreshMs, onError: onControlError });
  await Promise.all([sessionRegistry.start(), policyRegistry.start()]);
  const resolver = new ConfigResolver(policyRegistry, sessionRegistry, { now });
  gate.gate = { resolver, sessions: sessionRegistry, now };
  const sessions = new SessionService({ store: sessionStore, registry: sessionRegistry, audit, now });
  const triggers = new AutoTriggers({
    rules: config.control.autoTriggers,
    sessions,
    registry: sessionRegistry,
    now,
    onOutcome: (rule, outcome) => metrics.autoTriggers.inc({ rule, outcome }),
    onError: (err) => logger.warn({ err: (err as Error).message }, 'auto-trigger could not open a debug session'),
  });
  const issues = new IssueStore(client, { database, config: config.issues });
  const sourceMaps = new SourceMapStore(client, database, { onError: (err) => logger.warn({ err: (err as Error).message }, 'source map unusable') });
  const alerts = new AlertDispatcher(config.issues.alerts, {
    onDelivery: (event) => metrics.alertDeliveries.inc({ webhook: event.webhook, outcome: event.outcome }),
  });
  const tracker = new IssueTracker({
    store: issues,
    audit,
    config: config.issues,
    logger,
    onAlert: (kind, issue, occurrence, previous) => alerts.notify({ kind, issue, occurrence, previous }),
  });

  // Errors become issues: the fingerprint stage runs last, after every processor that may drop records.
  const stages = config.issues.enabled
    ? [...processors, fingerprintProcessor('fingerprint', { rules: compileFingerprintRules(config.issues.fingerprintRules), sourceMaps })]
    : processors;
  const chain = new ProcessorChain(stages, metrics);
  /** Stores a processed batch and the error occurrences found in it; once they are durable, the tracker learns of them. */
  let trackerBacklog = 0;
  const deliver = async (batch: Batch): Promise<void> => {
    const occurrences = takeOccurrences(batch);
    if (occurrences.length === 0) return exporter.export(batch);
    await Promise.all([exporter.export(batch), exporter.exportRows('errorEvents', encodeErrorEvents(occurrences))]);
    // Issue state and alerts follow the data; a failure here never fails the request that is already durable.
    // Bounded: when ClickHouse is slow the tracker falls behind; past the bound, occurrences skip
    // it (counted) — they are stored, and count in the issue stats; only their state changes and
    // alerts are missed.
    if (trackerBacklog + occurrences.length > MAX_TRACKER_BACKLOG) {
      metrics.issueTrackingFailures.inc(occurrences.length);
    } else {
      trackerBacklog += occurrences.length;
      tracker
        .observe(occurrences)
        .catch((err: unknown) => {
          metrics.issueTrackingFailures.inc(occurrences.length);
          logger.warn({ err: (err as Error).message }, 'issue tracking failed for durable occurrences');
        })
        .finally(() => (trackerBacklog -= occurrences.length));
    }
    triggers.observe(occurrences).catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'auto-triggers failed'));
  };
  // Processors that hold records (tail sampling) hand them on later, through the rest of the chain into the exporter.
  await chain.start(deliver, join(config.dataDir, 'processors'));
  await exporter.start();
  if (config.issues.enabled) await tracker.start();

  let accepting = true;
  const app = createServer(config, logger);
  registerOtlpRoutes(app, { config, pipeline: new Pipeline(chain, deliver), metrics, accepting: () => accepting });
  registerIssueRoutes(app, { issues, tracker, audit });
  registerAuditRoutes(app, { audit });
  registerSourceMapRoutes(app, sourceMaps);
  registerClientConfigRoute(app, { resolver });
  registerSessionRoutes(app, { sessions, store: sessionStore, createsPerHour: config.control.sessionCreatesPerHour, now });
  registerPolicyRoutes(app, {
    policies: new PolicyService({ store: policyStore, registry: policyRegistry, audit, now }),
    store: policyStore,
    preview: (policy) => previewPolicy(client, database, policy),
  });
  app.get('/healthz', async (_request, reply) =>
    accepting ? reply.send({ status: 'ok', spooling: exporter.spooling }) : reply.code(503).send({ status: 'shutting down' }),
  );
  app.get('/metrics', async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()));
  app.get('/api/status', async () => ({ schemaVersion: migrations.current, checksumMismatches: migrations.checksumMismatches, drift, spool: { entries: spool.size, bytes: spool.bytes }, spooling: exporter.spooling }));

  let closing: Promise<void> | undefined;
  const gateway: Gateway = {
    app,
    metrics,
    client,
    config,
    drift,
    url: '',
    async listen() {
      gateway.url = await app.listen({ host: config.host, port: config.port });
      logger.info({ url: gateway.url }, 'otelhouse accepting OTLP/HTTP');
      return gateway.url;
    },
    shutdown() {
      closing ??= (async () => {
        const deadline = Date.now() + config.shutdownTimeoutMs;
        accepting = false;
        // Requests already inside finish (their data is flushed below); new ones get 503.
        const closed = app.close();
        // Processors holding records (tail sampling) hand them on while the exporter still takes them.
        await Promise.race([chain.shutdown(), new Promise((resolve) => setTimeout(resolve, Math.max(0, (deadline - Date.now()) / 2)).unref())]);
        await exporter.shutdown(Math.max(100, deadline - Date.now() - 1000));
        // The control plane's last writes, bounded like the rest: the deadline wins over a hung store.
        await Promise.race([
          Promise.all([tracker.shutdown(), sessionRegistry.shutdown(), policyRegistry.shutdown()]),
          new Promise((resolve) => setTimeout(resolve, Math.max(100, (deadline - Date.now()) / 2)).unref()),
        ]);
        await alerts.shutdown(Math.max(100, Math.min(2000, deadline - Date.now() - 500)));
        // Requests answered since close() began leave keep-alive connections that close() would wait
        // on for the keep-alive timeout: close them as they go idle, and all of them at the deadline.
        const reap = setInterval(() => app.server.closeIdleConnections(), 50);
        const force = setTimeout(() => app.server.closeAllConnections(), Math.max(0, deadline - Date.now()));
        app.server.closeIdleConnections();
        await closed;
        clearInterval(reap);
        clearTimeout(force);
        if (!deps.client) await client.close();
      })();
      return closing;
    },
  };
  return gateway;
}
