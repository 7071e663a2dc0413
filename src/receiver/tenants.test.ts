import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authConfigSchema } from './config.ts';
import { TenantRouter } from './tenants.ts';

const auth = (input: object) => authConfigSchema.parse(input);
const router = new TenantRouter(auth({ adminTokens: [{ name: 'root', token: 'global-admin-1' }], ingestTokens: ['default-ingest-1'] }), [
  { name: 'acme', auth: auth({ ingestTokens: ['acme-ingest-1'], adminTokens: ['acme-admin-1'], clientTokens: [{ name: 'web', token: 'acme-client-token-1', origins: ['https://a.example'] }] }) },
  { name: 'globex', auth: auth({ ingestTokens: ['globex-ingest-1'] }) },
]);
const request = (token?: string, tenant?: string, url = '/v1/logs') =>
  ({ url, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(tenant ? { 'x-otelhouse-tenant': tenant } : {}) } }) as unknown as IncomingMessage;

describe('TenantRouter', () => {
  it('gives a request the tenant of its ingest, admin or client token', () => {
    expect(router.of(request('acme-ingest-1'))).toEqual({ tenant: 'acme' });
    expect(router.of(request('acme-admin-1'))).toEqual({ tenant: 'acme' });
    expect(router.of(request(undefined, undefined, '/v1/logs?token=acme-client-token-1'))).toEqual({ tenant: 'acme' });
    expect(router.of(request('globex-ingest-1'))).toEqual({ tenant: 'globex' });
  });

  it('leaves no token, an unknown one and the top-level tokens to the default tenant', () => {
    expect(router.of(request())).toEqual({ tenant: 'default' });
    expect(router.of(request('who-knows-1'))).toEqual({ tenant: 'default' });
    expect(router.of(request('default-ingest-1'))).toEqual({ tenant: 'default' });
    expect(router.of(request('global-admin-1'))).toEqual({ tenant: 'default' });
  });

  it('lets only a global admin name a tenant, and only a known one', () => {
    expect(router.of(request('global-admin-1', 'globex'))).toEqual({ tenant: 'globex' });
    expect(router.of(request('global-admin-1', 'default'))).toEqual({ tenant: 'default' });
    expect(router.of(request('global-admin-1', 'initech')).refusal).toEqual({ status: 404, message: 'no tenant named "initech"' });
    expect(router.of(request('acme-admin-1', 'globex')).refusal).toEqual({ status: 403, message: 'a token of tenant acme acts on tenant acme only (X-Otelhouse-Tenant names "globex")' });
    expect(router.of(request('acme-admin-1', 'acme'))).toEqual({ tenant: 'acme' });
    expect(router.of(request('default-ingest-1', 'acme')).refusal).toEqual({ status: 403, message: 'only a global admin token (auth.adminTokens) chooses a tenant with X-Otelhouse-Tenant' });
    expect(router.of(request(undefined, 'acme')).refusal?.status).toBe(403);
  });

  it('takes a tenant header given twice for no tenant', () => {
    const twice = { url: '/api/logs', headers: { authorization: 'Bearer global-admin-1', 'x-otelhouse-tenant': ['acme', 'globex'] } } as unknown as IncomingMessage;
    expect(router.of(twice).refusal).toEqual({ status: 404, message: 'no tenant named ""' });
  });

  it('shows at most 40 characters of a tenant name it refuses', () => {
    const long = 'x'.repeat(41);
    expect(router.of(request('global-admin-1', long)).refusal?.message).toBe(`no tenant named "${'x'.repeat(40)}…"`);
    expect(router.of(request('global-admin-1', long.slice(1))).refusal?.message).toBe(`no tenant named "${'x'.repeat(40)}"`);
  });

  it('answers the same for the same request without asking again', () => {
    const req = request('acme-ingest-1');
    expect(router.of(req)).toBe(router.of(req));
  });
});
