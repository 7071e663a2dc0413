import type { IncomingMessage } from 'node:http';
import { bearerToken, tokenIdentifier, tokenName } from '../http/auth.ts';
import { queryToken } from './browser.ts';
import { tokensOf, type AuthConfig } from './config.ts';

/** The tenant of the top-level tokens, database and SQL readers. */
export const DEFAULT_TENANT = 'default';

/** The header a global admin names the tenant it acts on with. */
export const TENANT_HEADER = 'x-otelhouse-tenant';

/** Which tenant a request is for, or why it may not say. */
export interface TenantOfRequest {
  tenant: string;
  /** Set when the request names a tenant it may not act on (answered before any route runs). */
  refusal?: { status: 403 | 404; message: string };
}

/**
 * Tells which tenant a request belongs to, by the token it presents (`Authorization: Bearer` or a
 * client token's `?token=`): a tenant's ingest, client or admin token is that tenant; a global
 * admin token (top-level `auth.adminTokens`) acts on the default tenant, or on the one its
 * `X-Otelhouse-Tenant` header names; anything else (no token, an unknown one, the top-level
 * ingest tokens) is the default tenant's, whose own checks answer it. Tokens are compared in
 * constant time; the answer is kept per request (the router asks while matching the route, the
 * auth hook again).
 */
export class TenantRouter {
  private readonly identify: (token: string) => { tenant: string } | undefined;
  private readonly isGlobalAdmin: (token: string) => unknown;
  private readonly names: Set<string>;
  private readonly seen = new WeakMap<IncomingMessage, TenantOfRequest>();

  constructor(globalAuth: AuthConfig, tenants: readonly { name: string; auth: AuthConfig }[]) {
    this.identify = tokenIdentifier(tenants.flatMap((t) => tokensOf(t.auth).map((token) => ({ token, tenant: t.name }))));
    this.isGlobalAdmin = tokenIdentifier(globalAuth.adminTokens.map(tokenName));
    this.names = new Set([DEFAULT_TENANT, ...tenants.map((t) => t.name)]);
  }

  /** The tenant `req` is for. */
  of(req: IncomingMessage): TenantOfRequest {
    let found = this.seen.get(req);
    if (!found) {
      found = this.resolve(req);
      this.seen.set(req, found);
    }
    return found;
  }

  private resolve(req: IncomingMessage): TenantOfRequest {
    const token = queryToken(req.url ?? '') ?? bearerToken(req.headers.authorization);
    const header = req.headers[TENANT_HEADER];
    const named = typeof header === 'string' ? header : Array.isArray(header) ? '' : undefined;
    const own = token === undefined ? undefined : this.identify(token)?.tenant;
    if (own !== undefined) {
      if (named !== undefined && named !== own) return { tenant: own, refusal: { status: 403, message: `a token of tenant ${own} acts on tenant ${own} only (X-Otelhouse-Tenant names ${quoted(named)})` } };
      return { tenant: own };
    }
    if (named === undefined) return { tenant: DEFAULT_TENANT };
    if (token === undefined || !this.isGlobalAdmin(token)) {
      return { tenant: DEFAULT_TENANT, refusal: { status: 403, message: 'only a global admin token (auth.adminTokens) chooses a tenant with X-Otelhouse-Tenant' } };
    }
    if (!this.names.has(named)) return { tenant: DEFAULT_TENANT, refusal: { status: 404, message: `no tenant named ${quoted(named)}` } };
    return { tenant: named };
  }
}

function quoted(name: string): string {
  return JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
}
