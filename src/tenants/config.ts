import { z } from 'zod';
import { sqlUsersSchema } from '../query/sql/config.ts';
import { authConfigSchema, protectionConfigSchema } from '../receiver/config.ts';
import { quotaSchema } from '../receiver/protection/quota.ts';

const nonNegativeInt = z.coerce.number().int().nonnegative();

/** One `retention:` rule (top level, or a tenant's own). */
export const retentionRuleSchema = z.strictObject({
  tables: z.array(z.enum(['traces', 'logs', 'metrics', 'errorEvents'])).min(1).optional(),
  service: z.string().min(1).max(256).optional(),
  maxLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional(),
  errors: z.boolean().optional(),
  debugSession: z.boolean().optional(),
  hours: z.number().int().min(1).max(24 * 365 * 100),
});

/** The name of a tenant: lower-case, as it appears in paths, metrics labels and the audit log. */
export const TENANT_NAME = /^[a-z][a-z0-9_-]{0,31}$/;

/**
 * One tenant (`tenants:`): its own tokens, database (the same tables as the default one, so
 * Grafana and SQL stay per tenant), rate limits, quotas, retention and SQL readers. Everything else
 * (processors, issues, limits of requests) is the deployment's.
 */
export const tenantSchema = z.strictObject({
  name: z.string().regex(TENANT_NAME, 'must be 1–32 of a-z 0-9 _ -, starting with a letter'),
  /** Its ClickHouse database (created at start, with every table); default `otel_<name>` (`-` becomes `_`). */
  database: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain identifier').optional(),
  /** Its ingest, client and admin tokens, as `auth` takes them: each token identifies the tenant. */
  auth: authConfigSchema,
  /** Its rate limits, as `protection.rateLimits` takes them (none by default). */
  rateLimits: protectionConfigSchema.shape.rateLimits,
  /** Its daily quotas (none by default). */
  quota: quotaSchema.prefault({}),
  /** Its row retention in hours, as `clickhouse.ttlHours` (unset: the deployment's). */
  ttlHours: nonNegativeInt.optional(),
  /** Its retention rules, as `retention:` (none by default). */
  retention: z.array(retentionRuleSchema).default([]),
  /** Its readers on the SQL endpoint, `name:password` as `sql.users`: they see its database only. */
  sqlUsers: sqlUsersSchema.default([]),
});

export type TenantConfig = z.infer<typeof tenantSchema>;

/** A tenant's database: the configured one, or `otel_<name>`. */
export function tenantDatabase(tenant: Pick<TenantConfig, 'name' | 'database'>): string {
  return tenant.database ?? `otel_${tenant.name.replace(/-/g, '_')}`;
}
