import { z } from 'zod';
import { geoConfigSchema } from '../receiver/geo.ts';
import { catalogConfigSchema } from '../catalog/config.ts';
import { controlConfigSchema } from '../control/config.ts';
import { sqlConfigSchema, sqlPort } from '../query/sql/config.ts';
import { quotaSchema } from '../receiver/protection/quota.ts';
import { retentionRuleSchema, tenantDatabase, tenantSchema } from '../tenants/config.ts';
import { exporterConfigSchema } from '../exporters/config.ts';
import { issuesConfigSchema } from '../issues/config.ts';
import { processorsConfigSchema } from '../processors/config.ts';
import { clientRedactionSchema } from '../processors/redaction/served.ts';
import { authConfigSchema, protectionConfigSchema, receiverConfigSchema, tokensOf } from '../receiver/config.ts';
import { clickHouseConfigSchema } from '../storage/clickhouse/config.ts';

const port = z.coerce.number().int().min(0).max(65535);
const positiveInt = z.coerce.number().int().positive();

/**
 * The whole gateway configuration. Every option carries its unit in its name; defaults are the
 * values a fresh `npm start` runs with.
 */
export const configSchema = z.strictObject({
  /** Interface the OTLP/HTTP server binds. */
  host: z.string().min(1).default('127.0.0.1'),
  /** OTLP/HTTP port (the OTLP default is 4318). */
  port: port.default(4318),
  /** Where the embedded ClickHouse keeps its data and the write-ahead log lives (`<dataDir>/wal`). */
  dataDir: z.string().min(1).default('./data'),
  /** Log level of the gateway's own structured logs (pino). */
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** `pretty`: human-readable lines (pino-pretty); `json`: one JSON object a line; `auto`: pretty when stdout is a terminal. */
  logFormat: z.enum(['auto', 'json', 'pretty']).default('auto'),

  /** Request limits of the OTLP/HTTP server (`src/receiver/config.ts`). */
  receiver: receiverConfigSchema.prefault({}),

  /** Ingest and admin bearer tokens (`src/receiver/config.ts`). */
  auth: authConfigSchema.prefault({}),

  /** The ClickHouse server or embedded engine, database, table names, retention (`src/storage/clickhouse/config.ts`). */
  clickhouse: clickHouseConfigSchema.prefault({}),

  /** The write-ahead log and the inserts into ClickHouse (`src/exporters/config.ts`). */
  exporter: exporterConfigSchema.prefault({}),

  /** The read-only ClickHouse HTTP endpoint on the embedded store (`src/query/sql/config.ts`). */
  sql: sqlConfigSchema.prefault({}),

  /** Rate limits and retry deduplication of the OTLP routes (`src/receiver/config.ts`). */
  protection: protectionConfigSchema.prefault({}),

  /** The processor chain, in order; by default redaction, the debug-session gate, sampling (`src/processors/config.ts`). */
  processors: processorsConfigSchema,

  /**
   * The redaction rules client SDKs apply before a record is queued, served in `/v1/config`:
   * `pipeline` (the chain's first `redaction` processor, or every rule when it has none), `false`,
   * or `redaction` processor options (`src/processors/redaction/served.ts`). Never the hash secret.
   */
  clientRedaction: clientRedactionSchema,

  /** Debug sessions and collection policies: how often instances re-read them, and limits (`src/control/config.ts`). */
  control: controlConfigSchema.prefault({}),

  /** Errors become issues: grouping, lifecycle, escalation and alerts (`src/issues/config.ts`). */
  issues: issuesConfigSchema.prefault({}),

  /**
   * Retention by rule, on top of `clickhouse.ttlHours` (which keeps every row no rule matches): the
   * first rule a row matches decides, e.g. DEBUG logs 72 hours, errors 2160 (90 days). Reconciled
   * with the tables' TTL at every start; `/api/status` shows each table's TTL.
   */
  retention: z.array(retentionRuleSchema).default([]),

  /** Geo without IPs: client addresses become `geo.country.iso_code` at the receiver, and are removed (`src/receiver/geo.ts`). */
  geo: geoConfigSchema.prefault({}),

  /** Erasure by data subject (`POST /api/erasures`). */
  erasure: z.strictObject({
    /** Days after a request during which records of the subject that still arrive (retries, offline queues) are dropped at ingest and counted. */
    blockDays: z.number().min(0).max(3650).default(30),
  }).prefault({}),

  /** The event catalog: registry YAML files checked against log events at ingest (`src/catalog/config.ts`). */
  catalog: catalogConfigSchema.prefault({}),

  /** Daily quotas of the default tenant (what the top-level tokens send); see `tenants[].quota`. */
  quota: quotaSchema.prefault({}),

  /**
   * Optional multi-tenancy: each tenant has its own tokens, database (the same tables), rate limits,
   * quotas, retention and SQL readers (`src/tenants/config.ts`). The top-level `auth`, database and
   * `sql.users` stay the default tenant's; the top-level admin tokens are global admins, who act on
   * a tenant with `X-Otelhouse-Tenant: <name>`.
   */
  tenants: z.array(tenantSchema).default([]),

  /** Grace period for a clean shutdown (stop intake, flush, exit). */
  shutdownTimeoutMs: positiveInt.default(10_000),
}).check((ctx) => {
  const { tenants, auth, clickhouse, sql } = ctx.value;
  if (tenants.length === 0) return;
  const problem = (path: (string | number)[], message: string) => ctx.issues.push({ code: 'custom', input: '(hidden)', path, message });
  if (auth.adminTokens.length === 0) problem(['auth', 'adminTokens'], 'is required with tenants: the global admins (without it the default tenant\'s API would be open to anyone)');
  if (auth.ingestTokens.length + auth.clientTokens.length === 0) problem(['auth', 'ingestTokens'], 'is required with tenants: a request with a mistyped tenant token would otherwise be stored in the default database');
  if (sql.users.length === 0 && sqlPort(sql, clickhouse.url) !== 0) problem(['sql', 'users'], 'is required with tenants (or sql.port: 0): the password-less user default would read the default database');
  const databases = new Map<string, string>([[clickhouse.database, 'the default tenant']]);
  const tokens = new Map<string, string>(tokensOf(auth).map((t) => [t, 'the default tenant']));
  const readers = new Map<string, string>(sql.users.map((u) => [u.name, 'the default tenant']));
  tenants.forEach((tenant, i) => {
    if (tenant.name === 'default') problem(['tenants', i, 'name'], '"default" is the tenant of the top-level tokens; name this one otherwise');
    if (tenants.findIndex((t) => t.name === tenant.name) !== i) problem(['tenants', i, 'name'], `two tenants are named "${tenant.name}"`);
    const database = tenantDatabase(tenant);
    const owner = databases.get(database);
    if (owner !== undefined) problem(['tenants', i, 'database'], `${database} is already ${owner}'s database`);
    databases.set(database, `tenant ${tenant.name}`);
    if (tenant.auth.ingestTokens.length + tenant.auth.clientTokens.length + tenant.auth.adminTokens.length === 0) problem(['tenants', i, 'auth'], 'has no token: nothing could reach this tenant');
    for (const token of tokensOf(tenant.auth)) {
      const holder = tokens.get(token);
      if (holder !== undefined && holder !== `tenant ${tenant.name}`) problem(['tenants', i, 'auth'], `holds a token of ${holder}: a token identifies one tenant`);
      tokens.set(token, `tenant ${tenant.name}`);
    }
    for (const user of tenant.sqlUsers) {
      const holder = readers.get(user.name);
      if (holder !== undefined) problem(['tenants', i, 'sqlUsers'], `reader ${user.name} is already ${holder}'s`);
      readers.set(user.name, `tenant ${tenant.name}`);
    }
  });
});

/** The validated configuration. */
export type Config = z.infer<typeof configSchema>;
/** The configuration as a user writes it (YAML or env): every field optional. */
export type ConfigInput = z.input<typeof configSchema>;
