import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config/schema.ts';
import { IssuesConnector } from './connectors/issues/connector.ts';
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
import { ExportStage } from './exporters/stage.ts';
import { AlertDispatcher } from './issues/alerts/dispatcher.ts';
import { compileFingerprintRules } from './issues/grouping/rules.ts';
import { registerSourceMapRoutes } from './issues/sourcemaps/routes.ts';
import { SourceMapStore } from './issues/sourcemaps/store.ts';
import { IssueStore } from './issues/store/issueStore.ts';
import { IssueTracker } from './issues/tracker.ts';
import { StartupError } from './errors.ts';
import { registerOpenApi } from './http/openapi.ts';
import { registerConsole } from './ui/serve.ts';
import { createLogger, type Logger } from './ops/logger.ts';
import { GatewayMetrics } from './ops/metrics.ts';
import { logFirstDrops } from './ops/dropLog.ts';
import { registerOpsRoutes, requireStore } from './ops/routes.ts';
import { checkPortFree, lockDataDir } from './ops/startup.ts';
import { Pipeline } from './processors/pipeline.ts';
import { ProcessorChain } from './processors/chain.ts';
import { servedRedaction } from './processors/redaction/served.ts';
import { buildProcessors, type ProcessorServices } from './processors/registry.ts';
import { registerAuditRoutes } from './query/audit.ts';
import { registerIssueRoutes } from './query/issues.ts';
import { registerPolicyRoutes } from './query/policies.ts';
import { registerSessionRoutes } from './query/sessions.ts';
import { sqlPort, startSqlServer, type SqlServer } from './query/sql/index.ts';
import { registerTelemetryRoutes } from './query/telemetry/routes.ts';
import { registerMetricRoutes } from './query/metrics/routes.ts';
import { registerErasureRoutes } from './query/erasures.ts';
import { GeoEnricher } from './receiver/geo.ts';
import { ErasureBlocklist } from './control/erasure/blocklist.ts';
import { ErasureRunner } from './control/erasure/runner.ts';
import { ErasureStore } from './control/erasure/store.ts';
import { hmacHasher } from './processors/redaction/engine/hmac.ts';
import { registerTempoRoutes } from './query/tempo/routes.ts';
import { registerOtlpRoutes } from './receiver/otlpRoutes.ts';
import { BatchLedger } from './receiver/protection/batchLedger.ts';
import { createServer } from './receiver/server.ts';
import { readEngineStats } from './storage/clickhouse/engineStats.ts';
import { embeddedBlockStore, serverBlockStore, type BlockStore } from './storage/clickhouse/blockStore.ts';
import { createClickHouseClient, type ClickHouseClient } from './storage/clickhouse/client.ts';
import { checkDrift, migrate, type DriftProblem, type SchemaOptions } from './storage/clickhouse/schema/index.ts';
import { controlTableNames, metricTableNames, tableNames } from './storage/clickhouse/schema/options.ts';
import { currentRetention, reconcileRetention } from './storage/clickhouse/schema/ttl.ts';
import { isUnreachable, StoreReadiness } from './storage/clickhouse/readiness.ts';
import type { LogFiles } from './storage/wal/index.ts';

export interface GatewayDeps {
  /** A ClickHouse client to use instead of creating one from config (tests wrap the real one to inject faults). */
  client?: ClickHouseClient;
  /** Wraps the insert transport, e.g. to inject faults in tests. */
  wrapStore?: (store: BlockStore) => BlockStore;
  /** The write-ahead log's file operations (tests spy on fsyncs or fail writes as a full disk does). */
  files?: LogFiles;
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
  /** Schema drift found when the store was opened (empty when the tables match the code, or before). */
  readonly drift: DriftProblem[];
  /** Why the store is not ready yet (ClickHouse unreachable at start: retried in the background); undefined once it is. */
  readonly storeNotReady: string | undefined;
  /** Base URL once listening, e.g. `http://127.0.0.1:4318`. */
  url: string;
  /** The read-only ClickHouse HTTP endpoint's URL once listening (`sql.port`; unset when it is off). */
  sqlUrl?: string;
  /** Binds the port (and the SQL endpoint's) and starts accepting data. */
  listen(): Promise<string>;
  /** Resolves once everything acknowledged so far is in ClickHouse (false if `timeoutMs` passed first). */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Stops intake, flushes, closes the store; idempotent; bounded by `shutdownTimeoutMs`. */
  shutdown(): Promise<void>;
}

/** Schema options from the gateway config. */
export function schemaOptions(config: Config): SchemaOptions {
  const ch = config.clickhouse;
  return {
    database: ch.database,
    tracesTable: ch.tracesTable,
    logsTable: ch.logsTable,
    metricsTable: ch.metricsTable,
    ttlSeconds: (ch.ttlHours ?? 0) * 3600,
    cluster: ch.cluster,
    replicated: ch.replicated,
  };
}

/** A step of the shutdown, given what is left of the deadline. */
interface Stop {
  name: string;
  stop(budgetMs: number): Promise<unknown>;
}

/** The time left until a deadline, and shares of it. */
class Deadline {
  private readonly at: number;
  constructor(ms: number) {
    this.at = Date.now() + ms;
  }
  /** Milliseconds left, never below `floorMs`. */
  left(floorMs = 0): number {
    return Math.max(floorMs, this.at - Date.now());
  }
}

/** Runs `work` for at most `ms`; the deadline wins over a hung store. */
function bounded(work: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms).unref()))]).finally(() => clearTimeout(timer));
}

/** The ClickHouse side: migrations, retention, drift check. */
async function openStorage(config: Config, client: ClickHouseClient, logger: Logger, audit: AuditLog) {
  const schema = schemaOptions(config);
  const migrations = await migrate(client, schema);
  if (migrations.applied.length) logger.info({ applied: migrations.applied, version: migrations.current }, 'schema migrated');
  if (migrations.checksumMismatches.length) {
    logger.warn({ mismatches: migrations.checksumMismatches }, 'applied migrations differ from what this version renders; they are not re-run');
  }
  const { ttlHours, debugSessionTtlHours } = config.clickhouse;
  const retention = { ttlSeconds: ttlHours === undefined ? undefined : ttlHours * 3600, debugTtlSeconds: debugSessionTtlHours * 3600, rules: config.retention };
  // Every change of a table's retention is audited, with the TTL before and after.
  const altered = await reconcileRetention(client, schema, retention, (table, before, after) =>
    audit.write({ actor: 'system', action: 'retention.change', entityType: 'retention', entityId: table, before: before || null, after: after || null }));
  if (altered.length) logger.info({ tables: altered, ttlHours, debugSessionTtlHours, rules: config.retention.length }, 'retention changed');
  const ttl = await currentRetention(client, schema);
  const drift = await checkDrift(client, schema);
  if (drift.length) {
    logger.warn({ drift }, 'ClickHouse tables differ from the schema this version expects');
    if (config.clickhouse.failOnDrift) throw new StartupError(`schema drift: ${drift.map((d) => `${d.table}${d.column ? `.${d.column}` : ''}: ${d.problem}`).join('; ')}`);
  }
  return { migrations, drift, ttl };
}

/** Policies without the debugsessions gate are served to clients but not enforced on what they send: said once at start. */
function warnGateMissing(config: Config, policyCount: number, logger: Logger): void {
  if (policyCount === 0 || config.processors.some((entry) => entry.type === 'debugsessions')) return;
  logger.warn(
    { policies: policyCount },
    'collection policies exist but the processor chain has no debugsessions gate: clients are served their policies (kill switch, minimum level, sampling) and debug sessions, but what they send is stored regardless',
  );
}

/**
 * Debug sessions and policies: in memory for the gate and `/v1/config`, refreshed from ClickHouse
 * once `start` loaded them (until then the gate holds everyone to the defaults).
 */
function createControlPlane(config: Config, client: ClickHouseClient, logger: Logger, now: () => number) {
  const database = config.clickhouse.database;
  const audit = new AuditLog(client, { database });
  const sessionStore = new SessionStore(client, { database });
  const policyStore = new PolicyStore(client, { database });
  const onError = (err: unknown, what?: string) => logger.warn({ err: (err as Error).message, what }, 'control state refresh failed; serving the last state');
  const sessionRegistry = new SessionRegistry(sessionStore, { refreshMs: config.control.refreshMs, statsFlushMs: config.control.statsFlushMs, onError, now });
  const policyRegistry = new PolicyRegistry(policyStore, { refreshMs: config.control.refreshMs, onError });
  const start = () => Promise.all([sessionRegistry.start(), policyRegistry.start()]);
  const resolver = new ConfigResolver(policyRegistry, sessionRegistry, { now, served: { redaction: servedRedaction(config.clientRedaction, config.processors) } });
  const sessions = new SessionService({ store: sessionStore, registry: sessionRegistry, audit, now });
  const policies = new PolicyService({ store: policyStore, registry: policyRegistry, audit, now });
  return { audit, sessionStore, policyStore, sessionRegistry, policyRegistry, resolver, sessions, policies, start };
}

/**
 * Erasure by subject: requests in `otelhouse_erasures`, run in the background; the subjects erased
 * within `erasure.blockDays` dropped at ingest. `resume` (once the store is ready) loads them and
 * runs what a restart interrupted.
 */
function createErasure(config: Config, client: ClickHouseClient, audit: AuditLog, flush: () => Promise<boolean>, logger: Logger, now: () => number) {
  const secrets = config.processors.flatMap((p) => {
    const secret = (p as Record<string, unknown>).hashSecret;
    return p.type === 'redaction' && typeof secret === 'string' ? [secret] : [];
  });
  const hashers = [...new Set(secrets)].map((secret) => hmacHasher(secret));
  const hashes = (value: string) => hashers.map((h) => h(value));
  const store = new ErasureStore(client, config.clickhouse.database, now);
  const runner = new ErasureRunner({
    client, store, audit, hashes, flush: () => flush(), logger, now,
    tables: { database: config.clickhouse.database, traces: config.clickhouse.tracesTable, logs: config.clickhouse.logsTable, metrics: config.clickhouse.metricsTable },
  });
  const blocklist = new ErasureBlocklist(hashes, now);
  const resume = async () => {
    for (const e of await store.open(now())) {
      blocklist.add(e);
      if (e.status === 'pending' || e.status === 'running') void runner.enqueue(e);
    }
  };
  return { store, runner, blocklist, resume, hashes };
}

/** Errors → issues: the issue store, tracker, alerts and the source maps the connector symbolicates with. */
function createIssues(config: Config, client: ClickHouseClient, audit: AuditLog, metrics: GatewayMetrics, logger: Logger) {
  const database = config.clickhouse.database;
  const store = new IssueStore(client, { database, config: config.issues });
  const sourceMaps = new SourceMapStore(client, database, { onError: (err) => logger.warn({ err: (err as Error).message }, 'source map unusable') });
  const alerts = new AlertDispatcher(config.issues.alerts, {
    onDelivery: (event) => {
      metrics.alertDeliveries.inc({ webhook: event.webhook, outcome: event.outcome });
      // One line per alert given up on (alerts are per issue, never per record); the logger hides credentials.
      if (event.outcome === 'failed') logger.warn({ webhook: event.webhook, kind: event.kind, fingerprint: event.fingerprint, attempts: event.attempt, reason: event.reason }, 'issue alert not delivered');
    },
  });
  const tracker = new IssueTracker({
    store,
    audit,
    config: config.issues,
    logger,
    onAlert: (kind, issue, occurrence, previous) => alerts.notify({ kind, issue, occurrence, previous }),
  });
  return { store, sourceMaps, alerts, tracker };
}

/** The write-ahead log, its inserters, and the insert transport for the embedded engine or a server. */
function createExportStage(config: Config, client: ClickHouseClient, deps: GatewayDeps, metrics: GatewayMetrics, logger: Logger) {
  const dir = join(config.dataDir, 'wal');
  const { database } = config.clickhouse;
  const base = config.clickhouse.url ? serverBlockStore(client, database) : embeddedBlockStore(client, database, dir);
  return ExportStage.open({
    dir,
    tables: (() => {
      const names = tableNames(schemaOptions(config));
      return {
        traces: names.traces, logs: names.logs, errorEvents: names.errorEvents, metricsGauge: names.metricsGauge, metricsSum: names.metricsSum,
        metricsHistogram: names.metricsHistogram, metricsExponentialHistogram: names.metricsExponentialHistogram, metricsSummary: names.metricsSummary,
      };
    })(),
    config: config.exporter,
    store: deps.wrapStore ? deps.wrapStore(base) : base,
    retryAfterMs: config.receiver.retryAfterSeconds * 1000,
    metrics,
    logger,
    files: deps.files,
  });
}

/**
 * Builds the gateway: validates processor config, takes the data directory's lock and checks the
 * ports are free, opens the store (migrations, drift), the control plane, issues and the export
 * stage, and wires receiver → processors → export stage → connectors. Nothing listens until
 * {@link Gateway.listen}.
 *
 * A ClickHouse server that cannot be reached at start does not stop it: the gateway accepts data
 * into its write-ahead log and retries the connection and migrations in the background (one log
 * line); the inserters, the control plane's first load, the issue tracker and the SQL endpoint
 * start once the store is ready, and `/readyz` tells the two states apart.
 */
export async function createGateway(config: Config, deps: GatewayDeps = {}): Promise<Gateway> {
  const logger = deps.logger ?? createLogger(config);
  const metrics = new GatewayMetrics();
  const now = deps.now ?? Date.now;
  // The debugsessions gate reads its control state per batch; it is filled once the control plane is up.
  const services: ProcessorServices = {};
  const processors = buildProcessors(config.processors, services);
  if (!config.processors.some((entry) => entry.type === 'redaction')) {
    logger.warn('the processor chain has no redaction processor: personal data and secrets reach storage unredacted');
  }

  // What another process can take is checked before the store is touched.
  const lock = lockDataDir(config.dataDir);
  const sqlPortNumber = sqlPort(config.sql, config.clickhouse.url);
  try {
    await checkPortFree(config.host, config.port, 'port');
    await checkPortFree(config.sql.host, sqlPortNumber, 'sql.port');
  } catch (err) {
    lock.release();
    throw err;
  }

  // Before the store: a missing or unreadable geo database fails the start at once, naming the file.
  let geo: GeoEnricher | undefined;
  try {
    geo = config.geo.enabled ? await GeoEnricher.open(config.geo) : undefined;
  } catch (err) {
    lock.release();
    throw new StartupError(`geo.database: cannot open ${config.geo.database ?? 'the bundled database'}: ${(err as Error).message}`);
  }
  const client = deps.client ?? (await createClickHouseClient(config, logger));
  const control = createControlPlane(config, client, logger, now);
  const store = await StoreReadiness.start({
    open: async () => {
      const opened = await openStorage(config, client, logger, control.audit);
      await control.start();
      warnGateMissing(config, control.policyRegistry.policies().length, logger);
      return opened;
    },
    // Only a server can be waited for: the embedded engine is there or the start fails.
    waitOn: (err) => config.clickhouse.url !== undefined && isUnreachable(err) && !(err instanceof StartupError),
    initialDelayMs: config.exporter.retryInitialMs,
    maxDelayMs: 30_000,
    onWaiting: (reason) =>
      logger.warn({ url: config.clickhouse.url, reason }, 'ClickHouse is unreachable: accepting data into the write-ahead log and retrying the connection and migrations in the background'),
    onReasonChanged: (reason) => logger.warn({ reason }, 'ClickHouse still not ready'),
  });
  services.gate = { resolver: control.resolver, sessions: control.sessionRegistry, now };
  const issues = createIssues(config, client, control.audit, metrics, logger);
  const stage = await createExportStage(config, client, deps, metrics, logger);
  if (!config.clickhouse.url) {
    // The embedded engine has no Prometheus endpoint of its own: its counters join the gateway's scrape.
    metrics.beforeCollect(() =>
      readEngineStats(client, config.clickhouse.database).then(
        (stats) => metrics.setEngineStats(stats),
        (err: unknown) => logger.debug({ err: (err as Error).message }, 'engine counters not read for this scrape'),
      ),
    );
  }

  const triggers = new AutoTriggers({
    rules: config.control.autoTriggers,
    sessions: control.sessions,
    registry: control.sessionRegistry,
    now,
    onOutcome: (rule, outcome) => metrics.autoTriggers.inc({ rule, outcome }),
    onError: (err) => logger.warn({ err: (err as Error).message }, 'auto-trigger could not open a debug session'),
  });
  const connector = config.issues.enabled
    ? new IssuesConnector({
        rules: compileFingerprintRules(config.issues.fingerprintRules),
        sourceMaps: issues.sourceMaps,
        store: (occurrences) => stage.appendErrorEvents(occurrences),
        observers: [
          // Until the store is ready they wait (up to the connector's bound); the occurrences are in the log meanwhile.
          { name: 'tracker', observe: (occurrences) => afterStore(() => issues.tracker.observe(occurrences)) },
          { name: 'auto_triggers', observe: (occurrences) => afterStore(() => triggers.observe(occurrences)) },
        ],
        onFound: (source, count) => metrics.occurrences.inc({ source }, count),
        onDropped: (reason, count, err) => {
          metrics.occurrencesDropped.inc({ reason }, count);
          if (err) logger.warn({ err: (err as Error).message, reason, count }, 'error occurrences not stored');
        },
        onMissed: (consumer, count, err) => {
          metrics.issueTrackingFailures.inc({ consumer }, count);
          if (err) logger.warn({ err: (err as Error).message, consumer }, 'stored error occurrences not processed');
        },
      })
    : undefined;
  if (connector) stage.addConsumer(connector);

  const erasure = createErasure(config, client, control.audit, () => stage.flush(300_000), logger, now);
  const chain = new ProcessorChain(processors, logFirstDrops(metrics, logger));
  // Processors that hold records (tail sampling) hand them on later, through the rest of the chain into the export stage.
  await chain.start((batch) => stage.append(batch), join(config.dataDir, 'processors'));
  // What needs the store starts once it is ready: at once when it was there at start.
  let closing: Promise<void> | undefined;
  let storeStarted = false;
  const startStored = async () => {
    if (closing) return;
    stage.start();
    if (config.issues.enabled) await issues.tracker.start();
    await erasure.resume();
    storeStarted = true;
  };
  let started: Promise<void>;
  if (store.value) {
    started = startStored();
    await started;
  } else {
    started = store.ready.then(async () => {
      await startStored();
      logger.info({ url: config.clickhouse.url, schemaVersion: store.value?.migrations.current }, 'ClickHouse connected: inserting the write-ahead log\'s backlog');
    });
    started.catch((err: unknown) => logger.error({ err: (err as Error).message }, 'starting what needs the store failed'));
  }
  function afterStore<T>(work: () => Promise<T>): Promise<T> {
    return storeStarted ? work() : started.then(work);
  }
  const storeNotReady = () => (storeStarted ? undefined : store.reason ?? 'starting');

  let accepting = true;
  const flush = (timeoutMs = 30_000) => stage.flush(timeoutMs);
  const app = createServer(config, logger);
  // First: the OpenAPI document is built from the routes registered after it.
  await registerOpenApi(app);
  requireStore(app, storeNotReady);
  const { batchDedup } = config.protection;
  const ledger = batchDedup.enabled
    ? await BatchLedger.open({ dir: join(config.dataDir, 'batches'), retentionMs: batchDedup.retentionHours * 3_600_000, maxEntries: batchDedup.maxEntries })
    : undefined;
  metrics.beforeCollect(() => {
    metrics.batchIds.set(ledger?.size ?? 0);
    metrics.batchIdsForgotten.set(ledger?.evicted ?? 0);
  });
  registerOtlpRoutes(app, {
    config,
    pipeline: new Pipeline(chain, stage, (batch) => {
      const dropped = erasure.blocklist.filter(batch);
      if (dropped > 0) metrics.erasedRecords.inc({ signal: batch.signal }, dropped);
    }),
    metrics,
    accepting: () => accepting,
    ledger,
    geo,
  });
  registerErasureRoutes(app, {
    store: erasure.store, runner: erasure.runner, blocklist: erasure.blocklist, audit: control.audit, blockDays: config.erasure.blockDays, now,
    client, database: config.clickhouse.database, hashes: erasure.hashes,
    tables: { traces: config.clickhouse.tracesTable, logs: config.clickhouse.logsTable, metrics: Object.values(metricTableNames(config.clickhouse.metricsTable)), errorEvents: controlTableNames.errorEvents },
  });
  registerIssueRoutes(app, { issues: issues.store, tracker: issues.tracker, audit: control.audit });
  registerAuditRoutes(app, { audit: control.audit });
  registerSourceMapRoutes(app, issues.sourceMaps, control.audit);
  registerClientConfigRoute(app, { resolver: control.resolver });
  await registerConsole(app);
  registerSessionRoutes(app, { sessions: control.sessions, store: control.sessionStore, createsPerHour: config.control.sessionCreatesPerHour, now });
  registerPolicyRoutes(app, { policies: control.policies, store: control.policyStore, preview: (policy) => previewPolicy(client, config.clickhouse.database, policy) });
  // Reading the data: a Tempo-compatible trace API at the root (Grafana's Tempo data source) and our own query API.
  const traceTables = { client, database: config.clickhouse.database, tracesTable: config.clickhouse.tracesTable };
  registerTempoRoutes(app, traceTables);
  registerTelemetryRoutes(app, { ...traceTables, logsTable: config.clickhouse.logsTable });
  registerMetricRoutes(app, { client, database: config.clickhouse.database, metricsTable: config.clickhouse.metricsTable });
  registerOpsRoutes(app, {
    metrics,
    accepting: () => accepting,
    storeNotReady,
    status: () => ({
      schemaVersion: store.value?.migrations.current ?? null,
      checksumMismatches: store.value?.migrations.checksumMismatches ?? [],
      drift: store.value?.drift ?? [],
      /** Each telemetry table's TTL rules as set at start (`clickhouse.ttlHours`, `debugSessionTtlHours`, `retention:`). */
      retention: store.value?.ttl ?? {},
      store: storeStarted ? 'ready' : { notReady: storeNotReady() },
      wal: stage.status(),
    }),
    backlog: () => {
      const { rows, bytes } = stage.status();
      return { rows, bytes };
    },
    flush,
  });

  // In order; each step gets what is left of the deadline (or the share it names).
  let closed: Promise<void> | undefined;
  let sql: SqlServer | undefined;
  const steps: Stop[] = [
    { name: 'store retries', stop: async () => store.stop() },
    // Readers first: their queries share the engine the flush below needs.
    { name: 'sql endpoint', stop: () => sql?.close() ?? Promise.resolve() },
    // Processors holding records (tail sampling) hand them on while the export stage still takes them.
    { name: 'processors', stop: (ms) => bounded(chain.shutdown(), ms / 2) },
    // Occurrences of what is already durable are stored before the log closes.
    { name: 'issues connector', stop: (ms) => connector?.shutdown(ms / 4) ?? Promise.resolve() },
    // The log closes; inserts run until a second before the deadline, the rest waits on disk for the next start.
    { name: 'export stage', stop: (ms) => stage.shutdown(Math.max(100, ms - 1000)) },
    { name: 'control plane', stop: (ms) => bounded(Promise.all([issues.tracker.shutdown(), control.sessionRegistry.shutdown(), control.policyRegistry.shutdown()]), ms / 2) },
    { name: 'alerts', stop: (ms) => issues.alerts.shutdown(Math.min(2000, Math.max(100, ms - 500))) },
    // Requests answered since close() began leave keep-alive connections that close() would wait
    // on for the keep-alive timeout: close them as they go idle, and all of them at the deadline.
    {
      name: 'http',
      stop: async (ms) => {
        const reap = setInterval(() => app.server.closeIdleConnections(), 50);
        const force = setTimeout(() => app.server.closeAllConnections(), ms);
        app.server.closeIdleConnections();
        await closed;
        clearInterval(reap);
        clearTimeout(force);
      },
    },
    { name: 'batch ledger', stop: () => ledger?.close() ?? Promise.resolve() },
    { name: 'clickhouse client', stop: () => (deps.client ? Promise.resolve() : client.close()) },
    { name: 'data dir lock', stop: async () => lock.release() },
  ];

  const startSql = async (port: number) => {
    const { port: _port, host, users, ...limits } = config.sql;
    sql = await startSqlServer({ client, database: config.clickhouse.database, host, port, users, limits, logger });
    gateway.sqlUrl = sql.url;
    logger.info({ url: sql.url }, 'read-only ClickHouse HTTP endpoint for SQL clients and Grafana');
  };
  const gateway: Gateway = {
    app,
    metrics,
    client,
    config,
    get drift() {
      return store.value?.drift ?? [];
    },
    get storeNotReady() {
      return storeNotReady();
    },
    url: '',
    async listen() {
      gateway.url = await app.listen({ host: config.host, port: config.port });
      logger.info({ url: gateway.url }, 'otelhouse accepting OTLP/HTTP');
      if (sqlPortNumber !== 0) {
        // It reads the store: with a server still unreachable, it starts once the store is ready.
        if (storeStarted) await startSql(sqlPortNumber);
        else started.then(() => (closing ? undefined : startSql(sqlPortNumber))).catch((err: unknown) => logger.error({ err: (err as Error).message }, 'SQL endpoint not started'));
      }
      return gateway.url;
    },
    flush,
    shutdown() {
      closing ??= (async () => {
        const deadline = new Deadline(config.shutdownTimeoutMs);
        accepting = false;
        // Requests already inside finish (their data is durable before they are answered); new ones get 503.
        closed = app.close();
        for (const step of steps) {
          try {
            await step.stop(deadline.left(100));
          } catch (err) {
            logger.warn({ step: step.name, err: (err as Error).message }, 'shutdown step failed');
          }
        }
      })();
      return closing;
    },
  };
  return gateway;
}
