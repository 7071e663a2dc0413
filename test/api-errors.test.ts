import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Gateway } from '../src/gateway.ts';
import { startGateway } from './support/gateway.ts';
import { logsRequest } from './support/payloads.ts';

// Every kind of error outside the OTLP paths answers the same RFC 9457 problem body
// (`application/problem+json`, `field` when an input is at fault); the OTLP paths answer a
// google.rpc.Status in the request's encoding.

const ADMIN = 'admin-token-for-errors';
const INGEST = 'ingest-token-for-errors';
const admin = { authorization: `Bearer ${ADMIN}` };
const ingest = { authorization: `Bearer ${INGEST}` };
const json = { 'content-type': 'application/json' };
/** The body limit is `maxRequestBytes` plus 64 KiB of slack for compressed bodies. */
const MAX_REQUEST_BYTES = 4096;

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ auth: { adminTokens: [ADMIN], ingestTokens: [INGEST] }, receiver: { maxRequestBytes: MAX_REQUEST_BYTES } });
});
afterAll(() => gateway?.shutdown());

interface Case {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  status: number;
  /** The `field` the problem must name, if any. */
  field?: string;
  /** Part of `detail`. */
  detail?: RegExp;
  /** Other headers the answer must carry. */
  answerHeaders?: Record<string, string>;
}

const cases: [string, Case][] = [
  ['GET /v1/config without the ingest token, asking for JSON', {
    path: '/v1/config?service.name=shop', headers: { accept: 'application/json' }, status: 401, detail: /ingest token/, answerHeaders: { 'www-authenticate': 'Bearer' },
  }],
  ['GET /v1/config with a protobuf content type and no token', {
    path: '/v1/config', headers: { 'content-type': 'application/x-protobuf' }, status: 401, detail: /ingest token/,
  }],
  ['GET /v1/config with a misspelt parameter', { path: '/v1/config?service_name=shop', headers: ingest, status: 400, field: 'service_name', detail: /unknown parameter "service_name"/ }],
  ['GET /v1/config with a repeated parameter', { path: '/v1/config?user.id=a&user.id=b', headers: ingest, status: 400, field: 'user.id' }],
  ['DELETE /v1/config (a wrong method)', { method: 'DELETE', path: '/v1/config', headers: ingest, status: 405, answerHeaders: { allow: 'GET, HEAD' } }],
  ['an /api route without the admin token', { path: '/api/status', status: 401, detail: /admin token/, answerHeaders: { 'www-authenticate': 'Bearer' } }],
  ['an /api route with the ingest token', { path: '/api/issues', headers: ingest, status: 401 }],
  ['an unknown route', { path: '/nowhere', status: 404, detail: /GET \/nowhere/ }],
  ['an unknown route under /api/', { path: '/api/nowhere', headers: admin, status: 404 }],
  ['an unknown route under /v1/', { path: '/v1/nowhere', headers: ingest, status: 404 }],
  ['a wrong method on an admin route', { method: 'PUT', path: '/api/issues', headers: admin, status: 405, answerHeaders: { allow: 'GET, HEAD' } }],
  ['a wrong method on a route with a path parameter', { method: 'POST', path: '/api/policies/pol_1', headers: admin, status: 405, answerHeaders: { allow: 'DELETE, GET, HEAD, PUT' } }],
  ['a malformed URL', { path: '/api/%zz', headers: admin, status: 400, detail: /valid url/ }],
  ['malformed JSON on the admin API', { method: 'POST', path: '/api/policies', headers: { ...admin, ...json }, body: '{"name": ', status: 400, detail: /not valid JSON/ }],
  ['a body that is not declared JSON', { method: 'POST', path: '/api/debug-sessions', headers: { ...admin, 'content-type': 'text/plain' }, body: '{}', status: 415 }],
  ['a body over the limit on the admin API', {
    method: 'POST', path: '/api/policies', headers: { ...admin, ...json }, body: JSON.stringify({ name: 'x'.repeat(MAX_REQUEST_BYTES + 70 * 1024) }), status: 413, detail: /exceeds/,
  }],
  ['a body field with a value outside its enum', {
    method: 'POST', path: '/api/debug-sessions', headers: { ...admin, ...json }, body: JSON.stringify({ target: { 'user.id': 'u1' }, level: 'verbose' }), status: 400, field: 'level',
  }],
  ['an unknown body field', {
    method: 'POST', path: '/api/debug-sessions', headers: { ...admin, ...json }, body: JSON.stringify({ target: { 'user.email': 'a@b.c' } }), status: 400, field: 'target.user.email',
  }],
  ['an impossible issue change', {
    method: 'PATCH', path: '/api/issues/fp-1', headers: { ...admin, ...json }, body: JSON.stringify({ status: 'done' }), status: 400, field: 'status',
  }],
  ['an unknown query parameter', { path: '/api/issues?colour=red', headers: admin, status: 400 }],
  ['a query parameter outside its enum', { path: '/api/issues?sort=colour', headers: admin, status: 400, field: 'sort' }],
  ['a bad actor header', {
    method: 'PATCH', path: '/api/issues/fp-1', headers: { ...admin, ...json, 'x-otelhouse-actor': ' ' }, body: JSON.stringify({ note: 'n' }), status: 400, field: 'X-Otelhouse-Actor',
  }],
  ['something that does not exist', { path: '/api/issues/no-such-fingerprint', headers: admin, status: 404, field: 'fingerprint' }],
  ['a bad flush timeout', { method: 'POST', path: '/api/flush?timeoutMs=0', headers: admin, status: 400, field: 'timeoutMs' }],
  ['a bad TraceQL query', { path: `/api/search?q=${encodeURIComponent('{ .a = }')}`, headers: admin, status: 400, field: 'q' }],
  ['a bad trace id', { path: '/api/v2/traces/not-hex', headers: admin, status: 400, field: 'traceID' }],
];

describe('errors outside the OTLP paths', () => {
  it.each(cases)('answer %s with a problem body', async (_name, c) => {
    const res = await fetch(`${gateway.url}${c.path}`, { method: c.method ?? 'GET', headers: c.headers, body: c.body });
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    for (const [name, value] of Object.entries(c.answerHeaders ?? {})) expect(res.headers.get(name)).toBe(value);
    const problem = (await res.json()) as Record<string, unknown>;
    expect(problem).toMatchObject({ type: 'about:blank', title: expect.any(String), status: c.status, detail: expect.any(String) });
    expect(problem.title).not.toBe('Error');
    if (c.field === undefined) expect(problem.field).toBeUndefined();
    else expect(problem.field).toBe(c.field);
    if (c.detail) expect(problem.detail).toMatch(c.detail);
  });
});

describe('errors on the OTLP paths', () => {
  const log = logsRequest('errors', [{ time: '1700000000000000000', severityNumber: 9, severityText: 'INFO', body: 'x' }]);

  it('answer a protobuf request with a protobuf Status', async () => {
    const res = await fetch(`${gateway.url}/v1/logs`, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([1, 2]) });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/x-protobuf');
    // google.rpc.Status: field 1 (code) = 16 UNAUTHENTICATED, then field 2 (message).
    expect([...new Uint8Array(await res.arrayBuffer()).subarray(0, 3)]).toEqual([0x08, 16, 0x12]);
  });

  it.each([
    ['a JSON request without the token', { 'content-type': 'application/json' }, log, 401],
    ['an unknown media type', { ...ingest, 'content-type': 'application/xml' }, 'hello', 415],
    ['an unknown media type without the token', { 'content-type': 'application/xml' }, 'hello', 401],
    ['text/plain that is not OTLP/JSON (a browser send is read as JSON)', { ...ingest, 'content-type': 'text/plain;charset=UTF-8' }, 'hello', 400],
  ])('answer %s with a JSON Status', async (_name, headers, body, status) => {
    const res = await fetch(`${gateway.url}/v1/logs`, { method: 'POST', headers, body });
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ code: expect.any(Number), message: expect.any(String) });
  });

  it('answer an OTLP sender at a wrong /v1/ path in its encoding', async () => {
    const res = await fetch(`${gateway.url}/v1/log`, { method: 'POST', headers: { ...ingest, 'content-type': 'application/json' }, body: log });
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toMatchObject({ code: 5, message: expect.stringMatching(/\/v1\/log/) });
  });
});
