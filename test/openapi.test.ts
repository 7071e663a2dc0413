import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { SESSION_LEVELS } from '../src/control/sessions/model.ts';
import type { Gateway } from '../src/gateway.ts';
import { isOtlpPath } from '../src/receiver/otlpRoutes.ts';
import { startGateway } from './support/gateway.ts';

// The OpenAPI document is generated from the routes' own schemas: every route the gateway
// registers is in it (compared with fastify's route table, so an undocumented new route fails
// here), with its parameters, bodies, enums and error answers.

const ADMIN = 'admin-token-for-openapi';

interface Operation {
  summary?: string;
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { in: string; name: string; required?: boolean; description?: string; schema: Record<string, any> }[];
  requestBody?: { content: Record<string, { schema: Record<string, any> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Record<string, any> }> }>;
}
type Doc = { openapi: string; info: { title: string; version: string }; paths: Record<string, Record<string, Operation>> };

let gateway: Gateway;
let doc: Doc;
beforeAll(async () => {
  gateway = await startGateway({ auth: { adminTokens: [ADMIN] } });
  const res = await fetch(`${gateway.url}/api/openapi.json`, { headers: { authorization: `Bearer ${ADMIN}` } });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  doc = (await res.json()) as Doc;
});
afterAll(() => gateway?.shutdown());

/** Every route fastify has, as `METHOD /path/{param}`, read from `printRoutes` (a tree of path segments). */
function registeredRoutes(): string[] {
  const out: string[] = [];
  const stack: string[] = [];
  for (const line of gateway.app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^([│ ]*)[├└]── (\S+)(?: \(([^)]+)\))?$/.exec(line);
    if (!m) continue;
    const depth = m[1]!.length / 4;
    stack.length = depth;
    stack.push(m[2]!);
    const path = stack.join('').replace(/:([^/]+)/g, '{$1}');
    for (const method of (m[3] ?? '').split(', ').filter(Boolean)) out.push(`${method} ${path}`);
  }
  return out;
}

const operations = () => Object.entries(doc.paths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method, op })));
const operation = (method: string, path: string): Operation => {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`${method} ${path} is not in the document`);
  return op;
};
const jsonBody = (op: Operation) => op.requestBody!.content['application/json']!.schema;
const query = (op: Operation, name: string) => op.parameters?.find((p) => p.in === 'query' && p.name === name);

describe('GET /api/openapi.json', () => {
  it('is an OpenAPI 3 document', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toMatchObject({ title: 'otelhouse', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
    for (const { path, op } of operations()) {
      expect(path).toMatch(/^\//);
      expect(Object.keys(op.responses).length, path).toBeGreaterThan(0);
      for (const [status, response] of Object.entries(op.responses)) {
        expect(status).toMatch(/^[1-5]\d\d$/);
        expect(response.description, `${path} ${status}`).toEqual(expect.any(String));
      }
    }
  });

  it('documents every route the gateway registers (the OTLP paths answer other methods 405 and are left out, and the admin console is pages, not API)', () => {
    const routes = registeredRoutes();
    expect(routes).toContain('GET /api/issues');
    expect(routes).toContain('PATCH /api/issues/{fingerprint}');
    expect(routes).toContain('GET /ui');
    const expected = routes.filter((route) => {
      const [method, path] = route.split(' ') as [string, string];
      return method !== 'HEAD' && !(isOtlpPath(path) && method !== 'POST') && !/^\/ui(\/|\*|$)/.test(path);
    });
    const documented = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
    expect([...documented].sort()).toEqual([...expected].sort());
  });

  it('gives every operation a summary, a tag, its path parameters, the token it takes and problem answers for bad input', () => {
    for (const { path, method, op } of operations()) {
      const name = `${method} ${path}`;
      expect(op.summary, name).toEqual(expect.any(String));
      expect(op.tags?.length, name).toBe(1);
      for (const [, param] of path.matchAll(/\{([^}]+)\}/g)) {
        expect(op.parameters?.find((p) => p.in === 'path' && p.name === param), `${name}: path parameter ${param}`).toMatchObject({ required: true });
      }
      if (path.startsWith('/api/') || path === '/v1/config') {
        expect(op.security, name).toEqual([{ [path.startsWith('/api/') ? 'adminToken' : 'ingestToken']: [] }]);
        expect(op.responses['401']?.content?.['application/problem+json'], name).toBeDefined();
      }
      if (op.parameters?.length || op.requestBody) {
        const problem = op.responses['400']?.content?.['application/problem+json']?.schema;
        expect(problem?.properties, name).toMatchObject({ status: { type: 'integer' }, detail: { type: 'string' }, field: { type: 'string' } });
      }
    }
  });

  it('shows the issue PATCH body with its status enum and its nested options', () => {
    const op = operation('patch', '/api/issues/{fingerprint}');
    const body = jsonBody(op);
    expect(body.properties.status.enum).toEqual(['resolved', 'ignored', 'unresolved']);
    expect(Object.keys(body.properties.ignore.properties).sort()).toEqual(['forMs', 'untilEvents', 'untilMs']);
    expect(body.properties.assignee).toMatchObject({ nullable: true });
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '404', '409', '415']));
  });

  it('shows the debug-session body with the level enum the route validates with, and its required target', () => {
    const body = jsonBody(operation('post', '/api/debug-sessions'));
    expect(body.properties.level).toMatchObject({ enum: [...SESSION_LEVELS], default: 'debug' });
    expect(body.required).toEqual(['target']);
    expect(Object.keys(body.properties.target.properties)).toEqual(expect.arrayContaining(['app.installation.id', 'device.id', 'user.id', 'session.id']));
    expect(jsonBody(operation('patch', '/api/debug-sessions/{id}')).properties.level.enum).toEqual([...SESSION_LEVELS]);
    expect(jsonBody(operation('post', '/api/debug-sessions/{id}/extend')).required).toEqual(['minutes']);
  });

  it('lists the query parameters of the read and admin routes, with their enums and bounds', () => {
    const issues = operation('get', '/api/issues');
    expect(query(issues, 'sort')?.schema.enum).toEqual(expect.arrayContaining(['last_seen']));
    expect(query(issues, 'order')?.schema).toMatchObject({ enum: ['asc', 'desc'], default: 'desc' });
    expect(query(issues, 'status')?.description).toMatch(/unresolved/);
    expect(query(issues, 'limit')?.schema).toMatchObject({ type: 'integer', minimum: 1, maximum: 500, default: 50 });
    expect(query(operation('get', '/api/traces'), 'status')?.schema.enum).toEqual(['error', 'ok', 'unset']);
    expect(query(operation('get', '/api/logs'), 'severity')?.description).toMatch(/warn/);
    expect(query(operation('get', '/api/search'), 'q')).toBeDefined();
    expect(query(operation('get', '/api/v2/search/tags'), 'scope')?.schema.enum).toEqual(['span', 'resource', 'intrinsic', 'all']);
    expect(query(operation('post', '/api/flush'), 'timeoutMs')?.schema).toMatchObject({ minimum: 1, maximum: 600_000 });
    expect(query(operation('get', '/api/audit'), 'since')).toBeDefined();
  });

  it('lists every parameter /v1/config takes, and only those', async () => {
    const params = operation('get', '/v1/config').parameters!.map((p) => p.name);
    expect(params).toEqual(expect.arrayContaining(['service.name', 'service.version', 'app.installation.id', 'telemetry.sdk.language', 'platform', 'country']));
    expect(params).not.toContain('service_name');
    // The same list the route checks: each documented name is accepted, an undocumented one refused.
    const all = await fetch(`${gateway.url}/v1/config?${params.map((p) => `${encodeURIComponent(p)}=x`).join('&')}`);
    expect(all.status).toBe(200);
    expect((await fetch(`${gateway.url}/v1/config?service_name=x`)).status).toBe(400);
  });

  it('shows the policy body and the source-map upload body', () => {
    const policy = jsonBody(operation('post', '/api/policies'));
    expect(policy.required).toEqual(expect.arrayContaining(['name']));
    expect(Object.keys(policy.properties)).toEqual(expect.arrayContaining(['name', 'enabled', 'priority', 'targeting', 'settings']));
    expect(jsonBody(operation('put', '/api/policies/{id}'))).toEqual(policy);
    const upload = jsonBody(operation('post', '/api/releases/{release}/sourcemaps'));
    expect(upload.required).toEqual(expect.arrayContaining(['fileUrl']));
  });

  it('is behind the admin token, as all of /api/', async () => {
    expect((await fetch(`${gateway.url}/api/openapi.json`)).status).toBe(401);
  });
});
