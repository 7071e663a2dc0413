/** Reader credentials, taken where ClickHouse clients put them, and checked against `sql.users`. */
import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { SqlError } from './errors.ts';

export interface SqlUser {
  name: string;
  password: string;
}

/**
 * The user a request authenticates as: `X-ClickHouse-User`/`X-ClickHouse-Key` headers, then HTTP
 * basic auth, then the `user`/`password` URL parameters; none of them is user `default` with no
 * password. With no users configured only `default` without a password gets in.
 */
export function authenticate(headers: IncomingHttpHeaders, params: URLSearchParams, users: SqlUser[]): string {
  const { name, password } = credentials(headers, params);
  const known = users.length === 0 ? [{ name: 'default', password: '' }] : users;
  const user = known.find((u) => u.name === name);
  // Compare even for an unknown name, so timing tells nothing about which names exist.
  const ok = same(password, user?.password ?? '\0unknown') && user !== undefined;
  if (!ok) throw SqlError.of('AUTHENTICATION_FAILED', `${name}: Authentication failed: password is incorrect, or there is no user with such name`);
  return name;
}

function credentials(headers: IncomingHttpHeaders, params: URLSearchParams): SqlUser {
  const headerUser = headers['x-clickhouse-user'];
  if (typeof headerUser === 'string') return { name: headerUser, password: String(headers['x-clickhouse-key'] ?? '') };
  const basic = /^Basic\s+(\S+)$/i.exec(headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon < 0 ? { name: decoded, password: '' } : { name: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
  }
  return { name: params.get('user') || 'default', password: params.get('password') ?? '' };
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
