import { isDeepStrictEqual } from 'node:util';
import { tokenName } from '../http/auth.ts';
import type { AuditEntry, AuditLog } from '../storage/clickhouse/audit.ts';
import { tenantDatabase, type TenantConfig } from './config.ts';

/** A secret as the audit log may show it: the first 8 hex digits of its SHA-256 (stable, not the secret). */
const fingerprint = (secret: string) => tokenName(secret).name;

/** What the audit log records of a tenant: everything configured, secrets as fingerprints. */
export function describeTenant(tenant: TenantConfig): Record<string, unknown> {
  const { auth } = tenant;
  return {
    database: tenantDatabase(tenant),
    ingestTokens: auth.ingestTokens.map(fingerprint),
    clientTokens: auth.clientTokens.map((t) => ({ name: t.name, token: fingerprint(t.token), origins: t.origins, recordsPerSecondPerInstallation: t.recordsPerSecondPerInstallation, burst: t.burst })),
    adminTokens: auth.adminTokens.map((t) => (typeof t === 'string' ? fingerprint(t) : { name: t.name, token: fingerprint(t.token) })),
    rateLimits: tenant.rateLimits,
    quota: tenant.quota,
    ttlHours: tenant.ttlHours ?? null,
    retention: tenant.retention,
    sqlUsers: tenant.sqlUsers.map((u) => ({ name: u.name, password: fingerprint(u.password) })),
  };
}

/**
 * Audits the tenants configured now against what the audit log last recorded of each
 * (`tenant.create`, `tenant.change` with before and after, `tenant.remove`), in the default
 * tenant's audit log, by `system` (tenants are configuration). Returns the entries written.
 */
export async function reconcileTenants(audit: AuditLog, config: { tenants: readonly TenantConfig[] }): Promise<AuditEntry[]> {
  const last = new Map<string, unknown>();
  let cursor: string | undefined;
  do {
    const page = await audit.list({ entityType: 'tenant', limit: 1000, cursor });
    // Newest first: the first entry of a tenant is what it is now.
    for (const entry of page.items) if (!last.has(entry.entityId)) last.set(entry.entityId, entry.after);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  const entries: AuditEntry[] = [];
  const now = new Set<string>();
  for (const tenant of config.tenants) {
    now.add(tenant.name);
    // As the log gives it back: JSON, without undefined fields.
    const after = JSON.parse(JSON.stringify(describeTenant(tenant))) as unknown;
    const before = last.get(tenant.name) ?? null;
    if (before === null) entries.push({ actor: 'system', action: 'tenant.create', entityType: 'tenant', entityId: tenant.name, before: null, after });
    else if (!isDeepStrictEqual(before, after)) entries.push({ actor: 'system', action: 'tenant.change', entityType: 'tenant', entityId: tenant.name, before, after });
  }
  for (const [name, before] of last) {
    if (!now.has(name) && before !== null) entries.push({ actor: 'system', action: 'tenant.remove', entityType: 'tenant', entityId: name, before, after: null });
  }
  await audit.write(entries);
  return entries;
}
