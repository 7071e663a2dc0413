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
import { registerOpsRoutes, registerStatusRoutes, requireStore } from './ops/routes.ts';
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
import { createServer, scopeToTenant } from './receiver/server.ts';
import { tenantDatabase, type TenantConfig } from './tenants/config.ts';
import { DailyQuota } from './receiver/protection/quota.ts';
import { CatalogHolder } from './catalog/holder.ts';
import { CatalogError } from './catalog/load.ts';
import { piiRules, samplingRules } from './catalog/check.ts';
import type { CatalogControl } from './processors/catalog/catalog.ts';
import { DEFAULT_TENANT } from './receiver/tenants.ts';
import { reconcileTenants } from './tenants/audit.ts';
import { readEngineStats } from './storage/clickhouse/engineStats.ts';
import { embeddedBlockStore, serverBlockStore, type BlockStore } from './storage/clickhouse/blockStore.ts';
import { createClickHouseClient, type ClickHouseClient } from './storage/clickhouse/client.ts';
import { checkDrift, migrate, type DriftProblem, type SchemaOptions } from './storage/clickhouse/schema/index.ts';
import { controlTableNames, metricTableNames, tableNames } from './storage/clickhouse/schema/options.ts';
import { currentRetention, reconcileRetention } from './storage/clickhouse/schema/ttl.ts';
import { isUnreachable, StoreReadiness } from './storage/clickhouse/readiness.ts';
import type { LogFiles } from './storage/wal/index.ts';
import { bounded } from './bounded.ts';

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
function createExportStage(config: Config, stateDir: string, client: ClickHouseClient, deps: GatewayDeps, metrics: GatewayMetrics, logger: Logger) {
  const dir = join(stateDir, 'wal');
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

/** Loads the event catalog and watches its files: a change that validates applies at once, one that does not is logged and counted. */
function openCatalog(config: Config, metrics: GatewayMetrics, logger: Logger): CatalogHolder {
  const holder = new CatalogHolder(config.catalog, {
    reloaded: (c) => {
      metrics.catalogReloads.inc({ outcome: 'applied' });
      logger.info({ events: c.events.size, files: c.files }, 'event catalog reloaded');
    },
    rejected: (err) => {
      metrics.catalogReloads.inc({ outcome: 'rejected' });
      logger.warn({ problems: err.problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.message}`) }, 'event catalog change rejected; the catalog in force stays');
    },
  });
  holder.start();
  logger.info({ events: holder.current.catalog.events.size, namespaces: [...holder.current.namespaces], mode: config.catalog.mode }, 'event catalog loaded');
  return holder;
}

/**
 * The processor chain with the event catalog in it: its check first (on the values as sent) unless
 * the chain places it; its PII annotations as `keyRules` of every redaction processor, and its
 * sampling annotations as event-name rules of every sampling processor, ahead of their own rules
 * (the catalog's in force at start).
 */
function catalogEntries(entries: Config['processors'], control: CatalogControl): Config['processors'] {
  const { catalog } = control.current()!;
  const keyRules = piiRules(catalog).map(({ key, method }) => ({ key, method: method === 'drop' ? 'remove' : method }));
  const eventRules = samplingRules(catalog);
  const hashed = keyRules.find((r) => r.method === 'hash');
  const placed = entries.map((entry, i) => {
    const options = entry as Record<string, unknown>;
    if (entry.type === 'redaction' && hashed && typeof options.hashSecret !== 'string') {
      throw new StartupError(`catalog: attribute ${hashed.key} is annotated otelhouse.pii: hash, which needs processors[${i}].hashSecret (32+ characters, e.g. \${env:OTELHOUSE_HASH_SECRET})`);
    }
    if (entry.type === 'redaction' && keyRules.length) return { ...entry, keyRules: [...keyRules, ...((options.keyRules as unknown[] | undefined) ?? [])] };
    if (entry.type === 'sampling' && eventRules.length) return { ...entry, rules: [...eventRules, ...((options.rules as unknown[] | undefined) ?? [])] };
    return entry;
  });
  return entries.some((p) => p.type === 'catalog') ? placed : [{ type: 'catalog' }, ...placed];
}

/** Names of events counted as themselves in the violations metric; later ones count as `(other)`, so senders cannot grow its series without bound. */
const MAX_VIOLATION_EVENTS = 200;

function catalogControlOf(holder: CatalogHolder, config: Config, metrics: GatewayMetrics): CatalogControl {
  const named = new Set<string>();
  return {
    current: () => holder.current,
    mode: config.catalog.mode,
    subscribe: (listener) => holder.subscribe(() => listener()),
    onViolation(event, reason) {
      if (!named.has(event) && named.size < MAX_VIOLATION_EVENTS) named.add(event);
      metrics.catalogViolations.inc({ event: named.has(event) ? event : '(other)', reason });
    },
  };
}

/** A tenant's view of the configuration: its tokens, database, limits, quotas, retention and readers; the rest is the deployment's. */
function tenantView(config: Config, tenant: TenantConfig): Config {
  return {
    ...config,
    auth: tenant.auth,
    clickhouse: { ...config.clickhouse, database: tenantDatabase(tenant), ttlHours: tenant.ttlHours ?? config.clickhouse.ttlHours },
    protection: { ...config.protection, rateLimits: tenant.rateLimits },
    retention: tenant.retention,
    quota: tenant.quota,
    sql: { ...config.sql, users: tenant.sqlUsers },
    tenants: [],
  };
}

/** What every tenant's part shares: one process, one engine, one HTTP server. */
interface Shared {
  client: ClickHouseClient;
  deps: GatewayDeps;
  metrics: GatewayMetrics;
  logger: Logger;
  now: () => number;
  geo: GeoEnricher | undefined;
  /** False once shutdown began. */
  accepting: () => boolean;
  /** True once shutdown began: what waits for the store does not start. */
  closing: () => boolean;
  /** The event catalog's check, when `catalog.files` is set. */
  catalog: CatalogControl | undefined;
}

/** One tenant's part of the gateway: its database's tables, control plane, issues, write-ahead log and pipeline. */
interface Tenant {
  name: string;
  config: Config;
  control: ReturnType<typeof createControlPlane>;
  issues: ReturnType<typeof createIssues>;
  store: StoreReadiness<Awaited<ReturnType<typeof openStorage>>>;
  stage: ExportStage;
  chain: ProcessorChain;
  connector: IssuesConnector | undefined;
  ledger: BatchLedger | undefined;
  quota: DailyQuota;
  /** Resolves once what needs the store started. */
  started: Promise<void>;
  storeNotReady(): string | undefined;
  /** Registers the tenant's routes in `scope`. */
  routes(scope: FastifyInstance): Promise<void>;
}

/**
 * Builds one tenant's part (the default tenant's is the whole gateway without `tenants:`): opens
 * its database (migrations, retention, drift), its control plane, issues, export stage (the
 * write-ahead log under `stateDir`) and processor chain, and wires receiver → processors → export
 * stage → connectors. Its routes are registered by {@link Tenant.routes}.
 */
async function createTenant(name: string, config: Config, stateDir: string, shared: Shared): Promise<Tenant> {
  const { client, deps, metrics, logger, now } = shared;
  // The debugsessions gate reads its control state per batch; it is filled once the control plane is up.
  const services: ProcessorServices = { catalog: shared.catalog };
  // With a catalog, its check runs first (on the values as sent) unless the chain places it.
  const entries = shared.catalog ? catalogEntries(config.processors, shared.catalog) : config.processors;
  const processors = buildProcessors(entries, services);
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
      logger.warn({ url: config.clickhouse.url, reason, tenant: name }, 'ClickHouse is unreachable: accepting data into the write-ahead log and retrying the connection and migrations in the background'),
    onReasonChanged: (reason) => logger.warn({ reason, tenant: name }, 'ClickHouse still not ready'),
  });
  services.gate = { resolver: control.resolver, sessions: control.sessionRegistry, now };
  const issues = createIssues(config, client, control.audit, metrics, logger);
  const stage = await createExportStage(config, stateDir, client, deps, metrics, logger);

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
  // A changed catalog's annotations reach the redaction and sampling stages at once (they hold nothing between batches).
  shared.catalog?.subscribe(() => {
    try {
      const next = buildProcessors(catalogEntries(config.processors, shared.catalog!), services);
      next.forEach((p, i) => {
        const type = entries[i]?.type;
        if (type === 'redaction' || type === 'sampling') chain.replace(i, p);
      });
    } catch (err) {
      logger.warn({ err: (err as Error).message, tenant: name }, 'the changed catalog\'s annotations do not fit the processor chain; its checks apply, its redaction and sampling annotations wait for a catalog that fits');
    }
  });
  // Processors that hold records (tail sampling) hand them on later, through the rest of the chain into the export stage.
  await chain.start((batch) => stage.append(batch), join(stateDir, 'processors'));
  // What needs the store starts once it is ready: at once when it was there at start.
  let storeStarted = false;
  const startStored = async () => {
    if (shared.closing()) return;
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
      logger.info({ url: config.clickhouse.url, schemaVersion: store.value?.migrations.current, tenant: name }, 'ClickHouse connected: inserting the write-ahead log\'s backlog');
    });
    started.catch((err: unknown) => logger.error({ err: (err as Error).message }, 'starting what needs the store failed'));
  }
  function afterStore<T>(work: () => Promise<T>): Promise<T> {
    return storeStarted ? work() : started.then(work);
  }
  const storeNotReady = () => (storeStarted ? undefined : store.reason ?? 'starting');

  const { batchDedup } = config.protection;
  const ledger = batchDedup.enabled
    ? await BatchLedger.open({ dir: join(stateDir, 'batches'), retentionMs: batchDedup.retentionHours * 3_600_000, maxEntries: batchDedup.maxEntries })
    : undefined;
  const quota = await DailyQuota.open({ tenant: name, quota: config.quota, file: join(stateDir, 'quota.json'), now });

  const routes = async (scope: FastifyInstance) => {
    requireStore(scope, storeNotReady);
    registerOtlpRoutes(scope, {
      config,
      pipeline: new Pipeline(chain, stage, (batch) => {
        const dropped = erasure.blocklist.filter(batch);
        if (dropped > 0) metrics.erasedRecords.inc({ signal: batch.signal }, dropped);
      }),
      metrics,
      accepting: shared.accepting,
      ledger,
      geo: shared.geo,
      quota,
      tenant: name,
    });
    const { database } = config.clickhouse;
    registerErasureRoutes(scope, {
      store: erasure.store, runner: erasure.runner, blocklist: erasure.blocklist, audit: control.audit, blockDays: config.erasure.blockDays, now,
      client, database, hashes: erasure.hashes,
      tables: { traces: config.clickhouse.tracesTable, logs: config.clickhouse.logsTable, metrics: Object.values(metricTableNames(config.clickhouse.metricsTable)), errorEvents: controlTableNames.errorEvents },
    });
    registerIssueRoutes(scope, { issues: issues.store, tracker: issues.tracker, audit: control.audit });
    registerAuditRoutes(scope, { audit: control.audit });
    registerSourceMapRoutes(scope, issues.sourceMaps, control.audit);
    registerClientConfigRoute(scope, { resolver: control.resolver });
    registerSessionRoutes(scope, { sessions: control.sessions, store: control.sessionStore, createsPerHour: config.control.sessionCreatesPerHour, now });
    registerPolicyRoutes(scope, { policies: control.policies, store: control.policyStore, preview: (policy) => previewPolicy(client, database, policy) });
    // Reading the data: a Tempo-compatible trace API at the root (Grafana's Tempo data source) and our own query API.
    const traceTables = { client, database, tracesTable: config.clickhouse.tracesTable };
    registerTempoRoutes(scope, traceTables);
    registerTelemetryRoutes(scope, { ...traceTables, logsTable: config.clickhouse.logsTable });
    registerMetricRoutes(scope, { client, database, metricsTable: config.clickhouse.metricsTable });
    registerStatusRoutes(scope, {
      status: () => ({
        tenant: name,
        schemaVersion: store.value?.migrations.current ?? null,
        checksumMismatches: store.value?.migrations.checksumMismatches ?? [],
        drift: store.value?.drift ?? [],
        /** Each telemetry table's TTL rules as set at start (`clickhouse.ttlHours`, `debugSessionTtlHours`, `retention:`). */
        retention: store.value?.ttl ?? {},
        /** Today's use of the daily quotas, and the quotas (0 = none). */
        quota: { ...quota.used(), ...config.quota },
        store: storeStarted ? 'ready' : { notReady: storeNotReady() },
        wal: stage.status(),
      }),
      backlog: () => {
        const { rows, bytes } = stage.status();
        return { rows, bytes };
      },
      flush: (timeoutMs) => stage.flush(timeoutMs),
    });
  };

  return { name, config, control, issues, store, stage, chain, connector, ledger, quota, started, storeNotReady, routes };
}

/**
 * Builds the gateway: validates processor config, takes the data directory's lock and checks the
 * ports are free, opens the default tenant's part and every configured tenant's ({@link createTenant}),
 * and the HTTP server that routes each request to its tenant by its token. Nothing listens until
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
  // The event catalog, before the store too: a catalog that does not validate stops the start, naming each problem.
  let catalog: CatalogHolder | undefined;
  let catalogControl: CatalogControl | undefined;
  try {
    catalog = config.catalog.files.length ? openCatalog(config, metrics, logger) : undefined;
    catalogControl = catalog && catalogControlOf(catalog, config, metrics);
    // Its annotations must fit the chain (a hashed attribute needs the hash secret).
    if (catalogControl) catalogEntries(config.processors, catalogControl);
  } catch (err) {
    catalog?.stop();
    lock.release();
    throw err instanceof CatalogError ? new StartupError(err.message) : err;
  }
  const client = deps.client ?? (await createClickHouseClient(config, logger));
  let accepting = true;
  let closing: Promise<void> | undefined;
  const shared: Shared = { client, deps, metrics, logger, now, geo, accepting: () => accepting, closing: () => closing !== undefined, catalog: catalogControl };
  const tenants: Tenant[] = [await createTenant(DEFAULT_TENANT, config, config.dataDir, shared)];
  const main = tenants[0]!;
  for (const t of config.tenants) tenants.push(await createTenant(t.name, tenantView(config, t), join(config.dataDir, 'tenants', t.name), shared));
  if (config.tenants.length) {
    // Tenants added, changed or removed since the last start, in the global audit log (without their secrets).
    main.started
      .then(() => reconcileTenants(main.control.audit, config))
      .then((changes) => changes.length && logger.info({ changes }, 'tenants changed'))
      .catch((err: unknown) => logger.warn({ err: (err as Error).message }, 'tenant changes not audited'));
  }
  if (!config.clickhouse.url) {
    // The embedded engine has no Prometheus endpoint of its own: its counters join the gateway's scrape.
    metrics.beforeCollect(() =>
      readEngineStats(client, config.clickhouse.database).then(
        (stats) => metrics.setEngineStats(stats),
        (err: unknown) => logger.debug({ err: (err as Error).message }, 'engine counters not read for this scrape'),
      ),
    );
  }
  metrics.beforeCollect(() => {
    metrics.batchIds.set(tenants.reduce((n, t) => n + (t.ledger?.size ?? 0), 0));
    metrics.batchIdsForgotten.set(tenants.reduce((n, t) => n + (t.ledger?.evicted ?? 0), 0));
    for (const t of tenants) {
      if (!t.quota.limited) continue;
      const used = t.quota.used();
      metrics.quotaUsed.set({ tenant: t.name, unit: 'records' }, used.records);
      metrics.quotaUsed.set({ tenant: t.name, unit: 'bytes' }, used.bytes);
    }
  });

  const storeNotReady = () => tenants.map((t) => t.storeNotReady()).find((reason) => reason !== undefined);
  const backlog = () =>
    tenants.reduce((sum, t) => {
      const { rows, bytes } = t.stage.status();
      return { rows: sum.rows + rows, bytes: sum.bytes + bytes };
    }, { rows: 0, bytes: 0 });
  const flush = async (timeoutMs = 30_000) => (await Promise.all(tenants.map((t) => t.stage.flush(timeoutMs)))).every(Boolean);
  const app = createServer(config, logger);
  // First: the OpenAPI document is built from the routes registered after it.
  await registerOpenApi(app);
  // Each tenant's routes in a scope of their own: the router gives them only that tenant's requests.
  for (const t of tenants) {
    await app.register(async (scope) => {
      scopeToTenant(scope, t.name, t !== main);
      await t.routes(scope);
    });
  }
  await registerConsole(app);
  registerOpsRoutes(app, { metrics, accepting: () => accepting, storeNotReady, backlog });

  // In order; each step gets what is left of the deadline (or the share it names).
  let closed: Promise<void> | undefined;
  let sql: SqlServer | undefined;
  const sqlClients: ClickHouseClient[] = [];
  const all = (work: (t: Tenant) => Promise<unknown> | undefined) => Promise.all(tenants.map((t) => work(t) ?? Promise.resolve()));
  const steps: Stop[] = [
    { name: 'store retries', stop: async () => tenants.forEach((t) => t.store.stop()) },
    { name: 'catalog', stop: async () => catalog?.stop() },
    // Readers first: their queries share the engine the flush below needs.
    { name: 'sql endpoint', stop: () => sql?.close() ?? Promise.resolve() },
    // Processors holding records (tail sampling) hand them on while the export stage still takes them.
    { name: 'processors', stop: (ms) => bounded(all((t) => t.chain.shutdown()), ms / 2) },
    // Occurrences of what is already durable are stored before the log closes.
    { name: 'issues connector', stop: (ms) => all((t) => t.connector?.shutdown(ms / 4)) },
    // The log closes; inserts run until a second before the deadline, the rest waits on disk for the next start.
    { name: 'export stage', stop: (ms) => all((t) => t.stage.shutdown(Math.max(100, ms - 1000))) },
    {
      name: 'control plane',
      stop: (ms) => bounded(all((t) => Promise.all([t.issues.tracker.shutdown(), t.control.sessionRegistry.shutdown(), t.control.policyRegistry.shutdown()])), ms / 2),
    },
    { name: 'alerts', stop: (ms) => all((t) => t.issues.alerts.shutdown(Math.min(2000, Math.max(100, ms - 500)))) },
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
    { name: 'batch ledger', stop: () => all((t) => t.ledger?.close()) },
    { name: 'quotas', stop: () => all((t) => t.quota.close()) },
    { name: 'clickhouse client', stop: () => Promise.all([...sqlClients.map((c) => c.close()), deps.client ? Promise.resolve() : client.close()]) },
    { name: 'data dir lock', stop: async () => lock.release() },
  ];

  const startSql = async (port: number) => {
    const { port: _port, host, users, ...limits } = config.sql;
    // Each tenant's readers query through a session of their own, whose current database is the tenant's.
    const realms = [];
    for (const t of tenants.slice(1)) {
      const own = await createClickHouseClient(config, logger, t.config.clickhouse.database);
      sqlClients.push(own);
      realms.push({ client: own, database: t.config.clickhouse.database, users: t.config.sql.users });
    }
    sql = await startSqlServer({ client, database: config.clickhouse.database, host, port, users, realms, limits, logger });
    gateway.sqlUrl = sql.url;
    logger.info({ url: sql.url }, 'read-only ClickHouse HTTP endpoint for SQL clients and Grafana');
  };
  const allStarted = Promise.all(tenants.map((t) => t.started));
  const gateway: Gateway = {
    app,
    metrics,
    client,
    config,
    get drift() {
      return main.store.value?.drift ?? [];
    },
    get storeNotReady() {
      return storeNotReady();
    },
    url: '',
    async listen() {
      gateway.url = await app.listen({ host: config.host, port: config.port });
      logger.info({ url: gateway.url, tenants: config.tenants.length ? tenants.map((t) => t.name) : undefined }, 'otelhouse accepting OTLP/HTTP');
      if (sqlPortNumber !== 0) {
        // It reads the store: with a server still unreachable, it starts once the store is ready.
        if (storeNotReady() === undefined) await startSql(sqlPortNumber);
        else allStarted.then(() => (closing ? undefined : startSql(sqlPortNumber))).catch((err: unknown) => logger.error({ err: (err as Error).message }, 'SQL endpoint not started'));
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
