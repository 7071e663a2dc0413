import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfig } from '../src/config/load.ts';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';

// What a browser needs of the gateway (issue 13, point 8): CORS for configured origins, client
// tokens in the query string bound to origins and limited per installation, text/plain OTLP JSON.
// Every record carries a unique test id, so stored rows are counted exactly.

const SHOP = 'https://shop.example.com';
const CLIENT_TOKEN = 'pk_shop_0123456789abcdef';
const INGEST_TOKEN = 'ingest-secret-token-1';
const ADMIN_TOKEN = 'admin-secret-token-1';
const runId = randomUUID();

let gateway: Gateway;

beforeAll(async () => {
  gateway = await startGateway({
    auth: {
      ingestTokens: [INGEST_TOKEN],
      adminTokens: [ADMIN_TOKEN],
      clientTokens: [{ name: 'shop-web', token: CLIENT_TOKEN, origins: [SHOP, 'https://*.preview.example.com'], recordsPerSecondPerInstallation: 1, burst: 20 }],
    },
    receiver: { cors: { allowedOrigins: ['https://admin.example.com'], maxAgeSeconds: 600 } },
  });
});
afterAll(() => gateway?.shutdown());

let seq = 0;
/** An OTLP/JSON logs request of `n` records, each with body `<test id>` and a unique attribute. */
function logs(testId: string, n: number, installation = 'inst-1'): string {
  const kv = (o: Record<string, string>) => Object.entries(o).map(([key, value]) => ({ key, value: { stringValue: value } }));
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: kv({ 'service.name': 'shop-web', 'app.installation.id': installation }) },
        scopeLogs: [
          {
            scope: { name: 'browser-test' },
            logRecords: Array.from({ length: n }, () => ({
              timeUnixNano: String(1_700_000_000_000_000_000n + BigInt(++seq)),
              severityNumber: 9,
              severityText: 'INFO',
              body: { stringValue: testId },
              attributes: kv({ seq: String(seq) }),
            })),
          },
        ],
      },
    ],
  });
}

async function stored(testId: string): Promise<number> {
  const [row] = await rows<{ n: string }>(gateway, `SELECT count() AS n FROM otel_logs WHERE Body = '${testId}'`);
  return Number(row!.n);
}

const send = (path: string, init: { origin?: string; token?: string; headers?: Record<string, string>; body?: string; method?: string } = {}) =>
  fetch(`${gateway.url}${path}${init.token === undefined ? '' : `${path.includes('?') ? '&' : '?'}token=${encodeURIComponent(init.token)}`}`, {
    method: init.method ?? 'POST',
    headers: { ...(init.origin ? { origin: init.origin } : {}), ...init.headers },
    body: init.body,
  });

describe('a browser page sending to the gateway', () => {
  it('answers a preflight from an allowed origin with the methods, headers and Max-Age, and refuses one from another origin', async () => {
    for (const origin of [SHOP, 'https://pr-42.preview.example.com', 'https://admin.example.com']) {
      const res = await send('/v1/logs', { method: 'OPTIONS', origin, headers: { 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' } });
      expect(res.status, origin).toBe(204);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, POST');
      expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
      expect(res.headers.get('access-control-max-age')).toBe('600');
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
      expect(res.headers.get('vary')).toMatch(/Origin/);
    }
    for (const origin of ['https://evil.example.net', 'https://preview.example.com', 'http://shop.example.com', 'https://shop.example.com.evil.net']) {
      const res = await send('/v1/logs', { method: 'OPTIONS', origin, headers: { 'access-control-request-method': 'POST' } });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(await res.json()).toMatchObject({ status: 403, detail: expect.stringContaining('is not allowed') });
    }
  });

  it('stores text/plain OTLP JSON sent with ?token= (no preflight needed) and lets the page read the answer', async () => {
    const testId = `text-plain-${runId}`;
    const res = await send('/v1/logs', { origin: SHOP, token: CLIENT_TOKEN, headers: { 'content-type': 'text/plain;charset=UTF-8' }, body: logs(testId, 3) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('access-control-allow-origin')).toBe(SHOP);
    expect(res.headers.get('access-control-expose-headers')).toBe('ETag, Retry-After');
    expect(await stored(testId)).toBe(3);
  });

  it('serves /v1/config to a client token, its ETag readable by the page', async () => {
    const res = await send('/v1/config?service.name=shop-web', { method: 'GET', origin: SHOP, token: CLIENT_TOKEN });
    expect(res.status).toBe(200);
    expect(res.headers.get('etag')).toBeTruthy();
    expect(res.headers.get('access-control-expose-headers')).toContain('ETag');
  });

  it('admits a request from the page\'s own origin, which carries no Origin, by its Referer (a gateway behind a same-origin proxy)', async () => {
    const sameOrigin = { 'sec-fetch-site': 'same-origin', referer: `${SHOP}/checkout?step=2` };
    const config = await send('/v1/config?service.name=shop-web', { method: 'GET', token: CLIENT_TOKEN, headers: sameOrigin });
    expect(config.status).toBe(200);
    expect(config.headers.get('etag')).toBeTruthy();
    const testId = `same-origin-${runId}`;
    const res = await send('/v1/logs', { token: CLIENT_TOKEN, headers: { ...sameOrigin, 'content-type': 'text/plain' }, body: logs(testId, 2) });
    expect(res.status).toBe(200);
    expect(await stored(testId)).toBe(2);
  });

  it.each([
    ['a wrong origin', { origin: 'https://evil.example.net', token: CLIENT_TOKEN }, 403, 'is not allowed for client token "shop-web"'],
    ['no Origin', { token: CLIENT_TOKEN }, 403, 'has no Origin'],
    ['a Referer without Sec-Fetch-Site: same-origin', { token: CLIENT_TOKEN, headers: { referer: `${SHOP}/cart` } }, 403, 'has no Origin'],
    ['a same-origin request whose Referer is another site', { token: CLIENT_TOKEN, headers: { 'sec-fetch-site': 'same-origin', referer: 'https://evil.example.net/cart' } }, 403, 'origin https://evil.example.net is not allowed'],
    ['a same-origin request with an unreadable Referer', { token: CLIENT_TOKEN, headers: { 'sec-fetch-site': 'same-origin', referer: 'not a url' } }, 403, 'has no Origin'],
    ['a wrong token', { origin: SHOP, token: 'pk_shop_not-the-token' }, 401, 'invalid client token'],
    ['the ingest token in the query string', { origin: SHOP, token: INGEST_TOKEN }, 401, 'ingest tokens go in Authorization'],
    ['no token', { origin: SHOP }, 401, 'missing ingest token'],
    ['the client token twice', { origin: SHOP, token: CLIENT_TOKEN, path: `/v1/logs?token=${CLIENT_TOKEN}` }, 401, 'invalid client token'],
  ] as const)('refuses %s with no data stored', async (what, init, status, message) => {
    const testId = `refused-${what.replaceAll(' ', '-')}-${runId}`;
    const path = 'path' in init ? init.path : '/v1/logs';
    const res = await send(path, { ...init, headers: { ...('headers' in init ? init.headers : {}), 'content-type': 'text/plain' }, body: logs(testId, 2) });
    expect(res.status).toBe(status);
    expect(((await res.json()) as { message: string }).message).toContain(message);
    expect(await stored(testId)).toBe(0);
  });

  it('keeps a client token to ingest and /v1/config: the admin API and other /v1 paths refuse it', async () => {
    const admin = await send('/api/issues', { method: 'GET', origin: SHOP, headers: { authorization: `Bearer ${CLIENT_TOKEN}` } });
    expect(admin.status).toBe(401);
    const adminQuery = await send('/api/issues', { method: 'GET', origin: SHOP, token: CLIENT_TOKEN });
    expect(adminQuery.status).toBe(401);
    const metrics = await send('/v1/metrics', { origin: SHOP, token: CLIENT_TOKEN, headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(metrics.status).toBe(403);
  });

  it('takes the client token as a Bearer header too, and server-side senders keep their ingest token', async () => {
    const testId = `bearer-${runId}`;
    const asHeader = await send('/v1/logs', { origin: SHOP, headers: { authorization: `Bearer ${CLIENT_TOKEN}`, 'content-type': 'application/json' }, body: logs(testId, 1) });
    expect(asHeader.status).toBe(200);
    const server = await send('/v1/logs', { headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' }, body: logs(testId, 1, 'server') });
    expect(server.status).toBe(200);
    expect(await stored(testId)).toBe(2);
  });

  it('limits each installation of a client token on its own: 429 with a Retry-After the page can read, others unaffected', async () => {
    const testId = `limited-${runId}`;
    const first = await send('/v1/logs', { origin: SHOP, token: CLIENT_TOKEN, headers: { 'content-type': 'text/plain' }, body: logs(testId, 20, 'greedy') });
    expect(first.status).toBe(200);
    const over = await send('/v1/logs', { origin: SHOP, token: CLIENT_TOKEN, headers: { 'content-type': 'text/plain' }, body: logs(testId, 5, 'greedy') });
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(over.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect(over.headers.get('access-control-allow-origin')).toBe(SHOP);
    const other = await send('/v1/logs', { origin: SHOP, token: CLIENT_TOKEN, headers: { 'content-type': 'text/plain' }, body: logs(testId, 5, 'modest') });
    expect(other.status).toBe(200);
    // Server-side senders with the ingest token are not held to a client token's limit.
    const server = await send('/v1/logs', { headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' }, body: logs(testId, 30, 'greedy') });
    expect(server.status).toBe(200);
    expect(await stored(testId)).toBe(20 + 5 + 30);
  });

  it('adds no CORS headers for an origin it does not know, and none for requests without an Origin', async () => {
    const foreign = await send('/v1/logs', { origin: 'https://evil.example.net', headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' }, body: logs(`foreign-${runId}`, 1, 'x') });
    expect(foreign.status).toBe(200);
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
    const plain = await send('/v1/logs', { headers: { authorization: `Bearer ${INGEST_TOKEN}`, 'content-type': 'application/json' }, body: logs(`plain-${runId}`, 1, 'x') });
    expect(plain.headers.get('access-control-allow-origin')).toBeNull();
  });
});

describe('client token and CORS configuration', () => {
  const client = { name: 'web', token: 'pk_web_0123456789abcdef', origins: ['https://app.example.com'] };
  it.each([
    ['a pattern that is not an origin', { auth: { clientTokens: [{ ...client, origins: ['https://app.example.com/path'] }] } }, 'clientTokens.0.origins.0'],
    ['a token that is not URL-safe', { auth: { clientTokens: [{ ...client, token: 'pk web 0123456789abcdef' }] } }, 'URL-safe'],
    ['a token without origins', { auth: { clientTokens: [{ ...client, origins: [] }] } }, 'clientTokens.0.origins'],
    ['two tokens of one name', { auth: { clientTokens: [client, { ...client, token: 'pk_web_fedcba9876543210' }] } }, 'two client tokens are named "web"'],
    ['a client token that is also an ingest token', { auth: { ingestTokens: [client.token], clientTokens: [client] } }, 'a token of its own'],
    ['a CORS origin with a path', { receiver: { cors: { allowedOrigins: ['https://a.example.com/'] , allowedHeaders: ['x bad'] } } }, 'allowedHeaders'],
  ])('refuses %s at start, naming it', (_what, input, message) => {
    expect(() => validateConfig(input as never)).toThrow(message);
  });

  it('lower-cases origins and drops a trailing slash, as browsers send Origin', () => {
    const config = validateConfig({ auth: { clientTokens: [{ ...client, origins: ['HTTPS://App.Example.com/'] }] } });
    expect(config.auth.clientTokens[0]!.origins).toEqual(['https://app.example.com']);
  });
});
