/**
 * Tenants (issue 17, point 5): two tenants and the default one side by side in one gateway. Every
 * kind of request — OTLP ingest with ingest and client tokens, the query, issue, debug-session,
 * erasure, audit and status API, the Tempo API, `/v1/config`, the SQL endpoint — reaches only the
 * data of the tenant its token belongs to; a tenant's daily quota answers 429 with a clear message
 * and leaves the others alone; tenant changes are audited across restarts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { validateConfig } from '../src/config/load.ts';
import type { ConfigInput } from '../src/config/schema.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';
import { freePort } from './support/process.ts';

const GLOBAL_ADMIN = 'global-admin-token-0001';
const DEFAULT_INGEST = 'default-ingest-token-0001';
const T = {
  acme: { ingest: 'acme-ingest-token-0001', admin: 'acme-admin-token-0001', client: 'acme-client-token-00000001', reader: 'acme_reader', password: 'acme-pw-0001' },
  globex: { ingest: 'globex-ingest-token-0001', admin: 'globex-admin-token-0001', reader: 'globex_reader', password: 'globex-pw-0001' },
};
const GLOBEX_RECORDS_PER_DAY = 60;
const ACME_BYTES_PER_DAY = 400_000;
const data = tempDataDir();
let sqlPortNumber: number;
let gateway: Gateway;

function config(): ConfigInput {
  return {
    dataDir: data.dir,
    auth: { adminTokens: [{ name: 'root', token: GLOBAL_ADMIN }], ingestTokens: [DEFAULT_INGEST] },
    sql: { port: sqlPortNumber, users: ['root_reader:root-pw-0001'] },
    tenants: [
      {
        name: 'acme',
        auth: {
          ingestTokens: [T.acme.ingest],
          adminTokens: [{ name: 'acme-ops', token: T.acme.admin }],
          clientTokens: [{ name: 'acme-web', token: T.acme.client, origins: ['https://shop.acme.example'] }],
        },
        quota: { bytesPerDay: ACME_BYTES_PER_DAY },
        sqlUsers: [`${T.acme.reader}:${T.acme.password}`],
      },
      {
        name: 'globex',
        auth: { ingestTokens: [T.globex.ingest], adminTokens: [T.globex.admin] },
        quota: { recordsPerDay: GLOBEX_RECORDS_PER_DAY },
        retention: [{ maxLevel: 'debug', hours: 72 }],
        sqlUsers: [`${T.globex.reader}:${T.globex.password}`],
      },
    ],
  };
}

let seq = 0;
/** One OTLP/JSON logs request: every record tagged with who sent it, unique in the process. */
function logs(from: string, n: number, extra: { attributes?: Record<string, string>; severity?: number; body?: string } = {}) {
  const now = BigInt(Date.now()) * 1_000_000n;
  const r = ++seq;
  return JSON.stringify({ resourceLogs: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] }, scopeLogs: [{ logRecords: Array.from({ length: n }, (_, i) => ({
    timeUnixNano: String(now + BigInt(i)), severityNumber: extra.severity ?? 9, body: { stringValue: extra.body ?? `from ${from} #${r}.${i}` },
    attributes: Object.entries({ sender: from, ...extra.attributes }).map(([key, v]) => ({ key, value: { stringValue: v } })),
  })) }] }] });
}

/** One span with a trace ID that names its sender. */
function span(from: string, traceId: string) {
  const now = BigInt(Date.now()) * 1_000_000n;
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'shop' } }] }, scopeSpans: [{ spans: [{
    traceId, spanId: traceId.slice(0, 16), name: `checkout by ${from}`, kind: 2, startTimeUnixNano: String(now), endTimeUnixNano: String(now + 5_000_000n),
  }] }] }] });
}

const send = (path: string, body: string, token: string, headers: Record<string, string> = {}) =>
  fetch(`${gateway.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers }, body });

async function api(path: string, token: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${gateway.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as any) : undefined };
}

async function eventually<T>(probe: () => Promise<T | undefined>, what: string): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`not seen within 20 s: ${what}`);
}

async function sql(user: string, password: string, query: string) {
  const res = await fetch(`${gateway.sqlUrl}/?query=${encodeURIComponent(query)}`, { headers: { 'x-clickhouse-user': user, 'x-clickhouse-key': password } });
  return { status: res.status, text: await res.text() };
}

/** Who sent the log records stored in `database`. */
const senders = async (database: string) =>
  (await rows<{ s: string }>(gateway, `SELECT DISTINCT LogAttributes['sender'] AS s FROM \`${database}\`.otel_logs ORDER BY s`)).map((r) => r.s);

beforeAll(async () => {
  sqlPortNumber = await freePort();
  gateway = await startGateway(config());
  // The same service, the same shapes, from three tenants.
  for (const [from, token] of [['default', DEFAULT_INGEST], ['acme', T.acme.ingest], ['globex', T.globex.ingest]] as const) {
    expect((await send('/v1/logs', logs(from, 3, { attributes: { 'user.id': 'u-shared' } }), token)).status).toBe(200);
    expect((await send('/v1/traces', span(from, `${from.padEnd(8, '0').replace(/[^0-9a-f]/g, 'a')}${'1'.repeat(24)}`), token)).status).toBe(200);
  }
}, 120_000);

afterAll(async () => {
  await gateway?.shutdown();
  data.remove();
});

describe('tenants side by side', () => {
  it('store what each tenant sends in its own database, with the same tables', async () => {
    expect(await senders('default')).toEqual(['default']);
    expect(await senders('otel_acme')).toEqual(['acme']);
    expect(await senders('otel_globex')).toEqual(['globex']);
    const spans = await rows<{ db: string; name: string }>(gateway,
      `SELECT * FROM (SELECT 'default' AS db, SpanName AS name FROM default.otel_traces UNION ALL SELECT 'otel_acme', SpanName FROM otel_acme.otel_traces
        UNION ALL SELECT 'otel_globex', SpanName FROM otel_globex.otel_traces) ORDER BY db`);
    expect(spans).toEqual([{ db: 'default', name: 'checkout by default' }, { db: 'otel_acme', name: 'checkout by acme' }, { db: 'otel_globex', name: 'checkout by globex' }]);
    const tables = await rows<{ database: string; n: string }>(gateway,
      "SELECT database, toString(count()) AS n FROM system.tables WHERE database IN ('default', 'otel_acme', 'otel_globex') AND name LIKE 'otel%' GROUP BY database ORDER BY database");
    expect(new Set(tables.map((t) => t.n)).size).toBe(1);
    expect(tables.map((t) => t.database)).toEqual(['default', 'otel_acme', 'otel_globex']);
  });

  it('take a browser client token as its tenant\'s', async () => {
    const res = await fetch(`${gateway.url}/v1/logs?token=${T.acme.client}`, { method: 'POST', headers: { 'content-type': 'text/plain', origin: 'https://shop.acme.example' }, body: logs('acme-browser', 1) });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.acme.example');
    expect(await senders('otel_acme')).toEqual(['acme', 'acme-browser']);
    expect(await senders('default')).toEqual(['default']);
  });

  it('answer each admin with its own tenant\'s records, and a global admin with the tenant it names', async () => {
    const bodies = async (token: string, headers: Record<string, string> = {}) => {
      const res = await api('/api/logs?service=shop&limit=100', token, { headers });
      expect(res.status).toBe(200);
      return [...new Set((res.body.logs as Array<{ attributes: Record<string, string> }>).map((l) => l.attributes.sender))].sort();
    };
    expect(await bodies(T.acme.admin)).toEqual(['acme', 'acme-browser']);
    expect(await bodies(T.globex.admin)).toEqual(['globex']);
    expect(await bodies(GLOBAL_ADMIN)).toEqual(['default']);
    expect(await bodies(GLOBAL_ADMIN, { 'x-otelhouse-tenant': 'globex' })).toEqual(['globex']);
    expect(await bodies(GLOBAL_ADMIN, { 'x-otelhouse-tenant': 'default' })).toEqual(['default']);
  });

  it('refuse a token outside its tenant, an ingest token on the API, and a tenant named by anyone but a global admin', async () => {
    const crossed = await api('/api/logs', T.acme.admin, { headers: { 'x-otelhouse-tenant': 'globex' } });
    expect(crossed.status).toBe(403);
    expect(crossed.body.detail).toMatch(/token of tenant acme acts on tenant acme only/);
    expect((await api('/api/logs', T.acme.ingest)).status).toBe(401);
    expect((await api('/api/logs', DEFAULT_INGEST, { headers: { 'x-otelhouse-tenant': 'acme' } })).status).toBe(403);
    const unknown = await api('/api/logs', GLOBAL_ADMIN, { headers: { 'x-otelhouse-tenant': 'initech' } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.detail).toMatch(/no tenant named "initech"/);
    // A tenant's admin token is not an ingest token, and an unknown token is the default tenant's to refuse.
    expect((await send('/v1/logs', logs('nobody', 1), T.globex.admin)).status).toBe(401);
    expect((await send('/v1/logs', logs('nobody', 1), 'not-a-token-of-anyone')).status).toBe(401);
    expect((await api('/api/logs', 'not-a-token-of-anyone')).status).toBe(401);
  });

  it('find a trace only in its tenant (Tempo API)', async () => {
    const globexTrace = `${'globex'.padEnd(8, '0').replace(/[^0-9a-f]/g, 'a')}${'1'.repeat(24)}`;
    expect((await fetch(`${gateway.url}/api/traces/${globexTrace}`, { headers: { authorization: `Bearer ${T.globex.admin}`, accept: 'application/json' } })).status).toBe(200);
    expect((await fetch(`${gateway.url}/api/traces/${globexTrace}`, { headers: { authorization: `Bearer ${T.acme.admin}`, accept: 'application/json' } })).status).toBe(404);
  });

  it('group errors into issues per tenant', async () => {
    const error = (type: string) => ({ severity: 17, body: `${type}: boom`, attributes: { 'exception.type': type, 'exception.message': 'boom', 'exception.stacktrace': `${type}: boom\n    at charge (/app/pay.js:10:5)` } });
    expect((await send('/v1/logs', logs('acme', 1, error('AcmeError')), T.acme.ingest)).status).toBe(200);
    expect((await send('/v1/logs', logs('globex', 1, error('GlobexError')), T.globex.ingest)).status).toBe(200);
    const titles = (token: string) =>
      eventually(async () => {
        const { body } = await api('/api/issues?service=shop', token);
        return body.issues.length ? (body.issues as Array<{ title: string }>).map((i) => i.title) : undefined;
      }, 'an issue');
    expect((await titles(T.acme.admin)).join()).toMatch(/AcmeError/);
    expect((await titles(T.acme.admin)).join()).not.toMatch(/GlobexError/);
    expect((await titles(T.globex.admin)).join()).toMatch(/GlobexError/);
    expect((await titles(T.globex.admin)).join()).not.toMatch(/AcmeError/);
    expect((await api('/api/issues?service=shop', GLOBAL_ADMIN)).body.issues).toEqual([]);
  });

  it('keep debug sessions, their config and the audit log per tenant', async () => {
    const created = await api('/api/debug-sessions', T.acme.admin, { method: 'POST', body: { target: { 'app.installation.id': 'inst-1' }, level: 'debug', durationMinutes: 30, reason: 'acme support case' } });
    expect(created.status).toBe(201);
    const sessions = async (token: string) => ((await api('/api/debug-sessions', token)).body.sessions as Array<{ id: string }>).map((s) => s.id);
    expect(await sessions(T.acme.admin)).toEqual([created.body.id]);
    expect(await sessions(T.globex.admin)).toEqual([]);
    const configFor = async (token: string) =>
      (await (await fetch(`${gateway.url}/v1/config?service.name=shop&app.installation.id=inst-1`, { headers: { authorization: `Bearer ${token}` } })).json()) as { debugSession: { id: string } | null };
    expect((await configFor(T.acme.ingest)).debugSession?.id).toBe(created.body.id);
    expect((await configFor(T.globex.ingest)).debugSession).toBeNull();
    expect((await configFor(DEFAULT_INGEST)).debugSession).toBeNull();
    const audited = async (token: string) => ((await api('/api/audit?entityType=debug_session', token)).body.entries as Array<{ actor: string; action: string; entityId: string }>);
    expect(await audited(T.acme.admin)).toEqual([expect.objectContaining({ actor: 'acme-ops', action: 'debug_session.create', entityId: created.body.id })]);
    expect(await audited(T.globex.admin)).toEqual([]);
    expect(await audited(GLOBAL_ADMIN)).toEqual([]);
  });

  it('erase a subject in the tenant that asks only', async () => {
    const count = async (database: string) => Number((await rows<{ n: string }>(gateway, `SELECT count() AS n FROM \`${database}\`.otel_logs WHERE LogAttributes['user.id'] = 'u-shared'`))[0]!.n);
    expect([await count('otel_acme'), await count('otel_globex'), await count('default')]).toEqual([3, 3, 3]);
    const erasure = await api('/api/erasures', T.acme.admin, { method: 'POST', body: { subject: { key: 'user.id', value: 'u-shared' } } });
    expect(erasure.status).toBe(202);
    const done = await eventually(async () => {
      const { body } = await api(`/api/erasures/${erasure.body.id}`, T.acme.admin);
      return body.status === 'done' ? body : undefined;
    }, 'the erasure to finish');
    expect(done.rowsRemoved.otel_logs).toBe(3);
    expect([await count('otel_acme'), await count('otel_globex'), await count('default')]).toEqual([0, 3, 3]);
    expect((await api(`/api/erasures/${erasure.body.id}`, T.globex.admin)).status).toBe(404);
  });

  it('show each tenant its own status: database, retention and quota', async () => {
    const acme = (await api('/api/status', T.acme.admin)).body;
    const globex = (await api('/api/status', T.globex.admin)).body;
    expect(acme.tenant).toBe('acme');
    expect(globex.tenant).toBe('globex');
    expect(globex.retention.otel_logs).toContain('WHERE SeverityNumber <= 8');
    expect(acme.retention.otel_logs ?? '').not.toContain('SeverityNumber <= 8');
    expect(globex.quota).toMatchObject({ recordsPerDay: GLOBEX_RECORDS_PER_DAY, bytesPerDay: 0 });
    expect(acme.quota).toMatchObject({ recordsPerDay: 0, bytesPerDay: ACME_BYTES_PER_DAY });
    expect(acme.quota.bytes).toBeGreaterThan(0);
  });
});

describe('the SQL endpoint', () => {
  it('shows each reader its tenant\'s database only', async () => {
    const count = "SELECT count() FROM otel_logs WHERE LogAttributes['sender'] != '' FORMAT TabSeparated";
    const acme = Number((await rows<{ n: string }>(gateway, "SELECT count() AS n FROM otel_acme.otel_logs WHERE LogAttributes['sender'] != ''"))[0]!.n);
    const globex = Number((await rows<{ n: string }>(gateway, "SELECT count() AS n FROM otel_globex.otel_logs WHERE LogAttributes['sender'] != ''"))[0]!.n);
    expect(acme).not.toBe(globex);
    expect(await sql(T.acme.reader, T.acme.password, count)).toEqual({ status: 200, text: `${acme}\n` });
    expect(await sql(T.globex.reader, T.globex.password, count)).toEqual({ status: 200, text: `${globex}\n` });
    expect((await sql(T.acme.reader, T.acme.password, 'SELECT currentDatabase()')).text).toBe('otel_acme\n');
    for (const other of ['otel_globex.otel_logs', 'default.otel_logs']) {
      const res = await sql(T.acme.reader, T.acme.password, `SELECT count() FROM ${other}`);
      expect(res.status).toBe(403);
      expect(res.text).toMatch(/ACCESS_DENIED|Not enough privileges/);
    }
    expect((await sql('root_reader', 'root-pw-0001', 'SELECT currentDatabase()')).text).toBe('default\n');
    expect((await sql(T.acme.reader, T.globex.password, 'SELECT 1')).status).toBe(403);
  });

  it('lists only the reader\'s database (with system\'s) in the listings of databases, tables and columns', async () => {
    const list = async (query: string) => (await sql(T.acme.reader, T.acme.password, `${query} FORMAT TabSeparated`)).text.trim().split('\n');
    expect(await list('SELECT name FROM system.databases ORDER BY name')).toEqual(['INFORMATION_SCHEMA', 'information_schema', 'otel_acme', 'system']);
    expect(await list("SELECT DISTINCT database FROM system.tables WHERE database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')")).toEqual(['otel_acme']);
    expect(await list("SELECT count() FROM system.columns AS c WHERE c.database IN ('otel_globex', 'default')")).toEqual(['0']);
    expect(await list("SELECT count() FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA != 'otel_acme' AND TABLE_SCHEMA NOT ILIKE '%system%' AND TABLE_SCHEMA NOT ILIKE 'information_schema'")).toEqual(['0']);
    expect(Number((await list("SELECT count() FROM system.tables WHERE database = 'otel_acme'"))[0])).toBeGreaterThan(5);
    const show = await sql(T.acme.reader, T.acme.password, 'SHOW DATABASES');
    expect(show.status).toBe(403);
    expect(show.text).toMatch(/SHOW DATABASES lists every tenant's database/);
    // The operator's reader sees every database.
    expect((await sql('root_reader', 'root-pw-0001', "SELECT count() FROM system.databases WHERE name IN ('otel_acme', 'otel_globex') FORMAT TabSeparated")).text).toBe('2\n');
  });
});

describe('daily quotas', () => {
  it('refuse a tenant\'s requests past its records per day with 429 and leave the others alone', async () => {
    const used = (await api('/api/status', T.globex.admin)).body.quota.records as number;
    const fits = GLOBEX_RECORDS_PER_DAY - used;
    expect(fits).toBeGreaterThan(1);
    expect((await send('/v1/logs', logs('globex', fits), T.globex.ingest)).status).toBe(200);
    const refused = await send('/v1/logs', logs('globex', 1), T.globex.ingest);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(86_400);
    expect((await refused.json()).message).toMatch(new RegExp(`tenant globex is over its quota of ${GLOBEX_RECORDS_PER_DAY} records per day \\(${GLOBEX_RECORDS_PER_DAY} used today, this request has 1\\); it resets at 00:00 UTC`));
    // Others are not held by it.
    expect((await send('/v1/logs', logs('acme', 100), T.acme.ingest)).status).toBe(200);
    expect((await send('/v1/logs', logs('default', 100), DEFAULT_INGEST)).status).toBe(200);
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toContain('otelhouse_quota_refused_requests_total{tenant="globex",quota="records"} 1');
    expect(metrics).toContain(`otelhouse_quota_used{tenant="globex",unit="records"} ${GLOBEX_RECORDS_PER_DAY}`);
    expect(Number((await rows<{ n: string }>(gateway, "SELECT count() AS n FROM otel_globex.otel_logs WHERE LogAttributes['sender'] = 'globex'"))[0]!.n)).toBe(4 + fits);
  });

  it('refuse past the bytes per day, counting decompressed bytes', async () => {
    const used = (await api('/api/status', T.acme.admin)).body.quota.bytes as number;
    const big = logs('acme', 1, { body: 'x'.repeat(ACME_BYTES_PER_DAY - used) });
    const refused = await send('/v1/logs', big, T.acme.ingest);
    expect(refused.status).toBe(429);
    expect((await refused.json()).message).toMatch(new RegExp(`tenant acme is over its quota of ${ACME_BYTES_PER_DAY} bytes per day`));
    expect((await send('/v1/logs', logs('acme', 1), T.acme.ingest)).status).toBe(200);
  });
});

describe('configuration', () => {
  it('needs global admins, ingest tokens and SQL readers, and a token, database and reader per tenant', () => {
    const base = config();
    const tenants = base.tenants as NonNullable<ConfigInput['tenants']>;
    const invalid = (input: ConfigInput) => () => validateConfig({ ...input, sql: { port: 0, ...input.sql } } as ConfigInput);
    expect(invalid({ ...base, auth: { ingestTokens: [DEFAULT_INGEST] } })).toThrow(/auth\.adminTokens.*required with tenants/s);
    expect(invalid({ ...base, auth: { adminTokens: [GLOBAL_ADMIN] } })).toThrow(/auth\.ingestTokens.*required with tenants/s);
    expect(invalid({ ...base, sql: { port: 8123, users: [] } })).toThrow(/sql\.users.*required with tenants/s);
    expect(invalid({ ...base, tenants: [tenants[0]!, { ...tenants[1]!, name: 'acme' }] })).toThrow(/two tenants are named "acme"/);
    expect(invalid({ ...base, tenants: [{ ...tenants[0]!, name: 'default' }] })).toThrow(/"default" is the tenant of the top-level tokens/);
    expect(invalid({ ...base, tenants: [tenants[0]!, { ...tenants[1]!, database: 'otel_acme' }] })).toThrow(/otel_acme is already tenant acme's database/);
    expect(invalid({ ...base, tenants: [tenants[0]!, { ...tenants[1]!, auth: { ingestTokens: [T.acme.ingest] } }] })).toThrow(/holds a token of tenant acme/);
    expect(invalid({ ...base, tenants: [tenants[0]!, { ...tenants[1]!, auth: { ingestTokens: [DEFAULT_INGEST] } }] })).toThrow(/holds a token of the default tenant/);
    expect(invalid({ ...base, tenants: [tenants[0]!, { ...tenants[1]!, sqlUsers: ['acme_reader:x'] }] })).toThrow(/reader acme_reader is already tenant acme's/);
    expect(invalid({ ...base, tenants: [{ ...tenants[0]!, name: 'Acme Corp' }] })).toThrow(/tenants\.0\.name/);
    expect(() => validateConfig({ ...base, sql: { port: 0 } })).not.toThrow();
  });
});

describe('tenant changes', () => {
  it('are audited in the global audit log, without secrets, across restarts', async () => {
    const audit = async () => ((await api('/api/audit?entityType=tenant', GLOBAL_ADMIN)).body.entries as Array<{ actor: string; action: string; entityId: string; before: any; after: any }>);
    const created = await eventually(async () => ((await audit()).length === 2 ? audit() : undefined), 'two tenant.create entries');
    expect(created.map((e) => `${e.actor} ${e.action} ${e.entityId}`).sort()).toEqual(['system tenant.create acme', 'system tenant.create globex']);
    const acme = created.find((e) => e.entityId === 'acme')!;
    expect(acme.after).toMatchObject({ database: 'otel_acme', quota: { bytesPerDay: ACME_BYTES_PER_DAY }, sqlUsers: [{ name: T.acme.reader }] });
    expect(JSON.stringify(created)).not.toContain(T.acme.ingest);
    expect(JSON.stringify(created)).not.toContain(T.acme.password);

    // The quota of globex changes and acme goes; its data stays in its database.
    await gateway.shutdown();
    const next = config();
    next.tenants = [{ ...(next.tenants![1] as object), quota: { recordsPerDay: 1000 } } as NonNullable<ConfigInput['tenants']>[number]];
    gateway = await startGateway(next);
    const changed = await eventually(async () => ((await audit()).length === 4 ? audit() : undefined), 'the change and the removal');
    const change = changed.find((e) => e.action === 'tenant.change')!;
    expect(change).toMatchObject({ entityId: 'globex', before: { quota: { recordsPerDay: GLOBEX_RECORDS_PER_DAY } }, after: { quota: { recordsPerDay: 1000 } } });
    expect(changed.find((e) => e.action === 'tenant.remove')).toMatchObject({ entityId: 'acme', after: null });
    // The day's use survived the restart.
    expect((await api('/api/status', T.globex.admin)).body.quota.records).toBe(GLOBEX_RECORDS_PER_DAY);
    // A removed tenant's tokens open nothing.
    expect((await send('/v1/logs', logs('acme', 1), T.acme.ingest)).status).toBe(401);
    expect(await senders('otel_acme')).toEqual(['acme', 'acme-browser']);
  });
});
