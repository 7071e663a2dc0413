import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Gateway } from '../src/gateway.ts';
import { decodeTracesProtobuf } from '../src/receiver/otlp/index.ts';
import { startGateway } from './support/gateway.ts';
import { post } from './support/payloads.ts';
import { officialTraceTypes, plain } from './support/officialProto.ts';
import { readTraceByIdResponse } from './support/tempo.ts';

// Grafana's stock Tempo data source against the gateway: the requests it sends (headers, params,
// Accept: application/protobuf for the trace view) and the shapes it reads back, from the gateway
// itself (its routes, its auth hook, its store).

const ADMIN = 'admin-token-for-tempo';
const auth = { authorization: `Bearer ${ADMIN}` };
const T0 = BigInt(Math.floor(Date.now() / 1000) - 60) * 1_000_000_000n;
const ns = (ms: number) => (T0 + BigInt(ms) * 1_000_000n).toString();
const traceA = '0af7651916cd43dd8448eb211c80319c';
const traceB = '1bf7651916cd43dd8448eb211c80319d';
const kv = (attrs: Record<string, unknown>) =>
  Object.entries(attrs).map(([key, v]) => ({ key, value: typeof v === 'number' ? { intValue: String(v) } : typeof v === 'boolean' ? { boolValue: v } : { stringValue: v } }));

function request(service: string, resource: Record<string, unknown>, spans: object[]) {
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: kv({ 'service.name': service, ...resource }) },
      scopeSpans: [{ scope: { name: 'shop.http', version: '2.1.0' }, spans }],
    }],
  });
}

let gateway: Gateway;
let app: FastifyInstance;
beforeAll(async () => {
  gateway = await startGateway({ auth: { adminTokens: [ADMIN] }, processors: [{ type: 'sampling' }] });
  const sent = await Promise.all([
    post(gateway.url, '/v1/traces', request('frontend', { 'deployment.environment.name': 'prod' }, [
      {
        traceId: traceA, spanId: 'a000000000000001', name: 'GET /checkout', kind: 2,
        startTimeUnixNano: ns(0), endTimeUnixNano: ns(120), attributes: kv({ 'http.route': '/checkout', 'http.response.status_code': 200 }),
        status: {},
      },
      {
        traceId: traceA, spanId: 'a000000000000002', parentSpanId: 'a000000000000001', name: 'POST /pay', kind: 3, traceState: 'k=v',
        startTimeUnixNano: ns(10), endTimeUnixNano: ns(90), attributes: kv({ 'http.response.status_code': 502, retry: true }),
        status: { code: 2, message: 'card declined' },
        events: [{ timeUnixNano: ns(80), name: 'exception', attributes: kv({ 'exception.type': 'PaymentError' }) }],
        links: [{ traceId: traceB, spanId: 'b000000000000001', traceState: 'x=1', attributes: kv({ 'link.kind': 'follows' }) }],
      },
    ])),
    post(gateway.url, '/v1/traces', request('billing', {}, [
      {
        traceId: traceA, spanId: 'a000000000000003', parentSpanId: 'a000000000000002', name: 'charge', kind: 2,
        startTimeUnixNano: ns(20), endTimeUnixNano: ns(85), attributes: kv({ 'db.system': 'postgresql' }), status: { code: 2 },
      },
      {
        traceId: traceB, spanId: 'b000000000000001', name: 'nightly invoice run', kind: 1,
        startTimeUnixNano: ns(1000), endTimeUnixNano: ns(1005), attributes: kv({ 'db.system': 'redis' }), status: { code: 1 },
      },
    ])),
  ]);
  expect(sent.map((r) => r.status)).toEqual([200, 200]);
  expect(await gateway.flush()).toBe(true);
  // The gateway's own server: the routes as `npm start` serves them, behind its auth hook.
  app = gateway.app;
});
afterAll(async () => {
  await gateway?.shutdown();
});

const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers: { ...auth, ...headers } });

describe('the data source check and build info', () => {
  it('answers GET /api/echo with "echo", as Save & test expects', async () => {
    const res = await get('/api/echo');
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe('echo');
  });

  it('reports a Tempo version Grafana enables search on', async () => {
    const res = await get('/api/status/buildinfo');
    expect(res.json()).toMatchObject({ version: '2.7.0' });
  });

  it('takes the admin token, which Grafana sends as a custom Authorization header', async () => {
    const res = await app.inject({ method: 'GET', url: '/api/echo' });
    expect(res.statusCode).toBe(401);
  });
});

describe('trace by id', () => {
  it('answers Grafana\'s protobuf request with a TraceByIDResponse holding every span, no time range needed', async () => {
    const res = await get(`/api/v2/traces/${traceA}`, { accept: 'application/protobuf' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/protobuf');
    const { trace, status } = readTraceByIdResponse(res.rawPayload);
    expect(status).toBe(0);
    const decoded = decodeTracesProtobuf(trace);
    expect(decoded.rejected).toBe(0);
    const services = decoded.batch.resources.map((r) => r.resource.attributes.get('service.name'));
    expect(services).toEqual(['frontend', 'billing']);
    expect([...decoded.batch.resources[0]!.resource.attributes]).toEqual([['service.name', 'frontend'], ['deployment.environment.name', 'prod']]);
    const spans = decoded.batch.resources.flatMap((r) => r.scopes.flatMap((s) => s.records));
    expect(spans.map((s) => s.spanId).sort()).toEqual(['a000000000000001', 'a000000000000002', 'a000000000000003']);
    const pay = spans.find((s) => s.spanId === 'a000000000000002')!;
    expect(pay).toMatchObject({
      traceId: traceA, parentSpanId: 'a000000000000001', traceState: 'k=v', name: 'POST /pay', kind: 3,
      startTimeUnixNano: BigInt(ns(10)), endTimeUnixNano: BigInt(ns(90)), status: { code: 2, message: 'card declined' },
    });
    expect(pay.events).toHaveLength(1);
    expect(pay.events[0]).toMatchObject({ timeUnixNano: BigInt(ns(80)), name: 'exception', attributes: new Map([['exception.type', 'PaymentError']]) });
    expect(pay.attributes).toEqual(new Map([['http.response.status_code', '502'], ['retry', 'true']]));
    expect(pay.links[0]).toMatchObject({ traceId: traceB, spanId: 'b000000000000001', traceState: 'x=1' });
    const scope = decoded.batch.resources[0]!.scopes[0]!.scope;
    expect(scope).toMatchObject({ name: 'shop.http', version: '2.1.0' });
  });

  it('answers protobuf that the official OTLP definitions (protobufjs) decode to the stored spans', async () => {
    const { traceByIdResponse, trace } = await officialTraceTypes();
    const v2 = plain(traceByIdResponse, (await get(`/api/v2/traces/${traceA}`, { accept: 'application/protobuf' })).rawPayload);
    expect(v2.status ?? 0).toBe(0); // COMPLETE
    const resourceSpans = v2.trace.resourceSpans as Array<Record<string, any>>;
    expect(resourceSpans.map((r) => r.resource.attributes[0])).toEqual([
      { key: 'service.name', value: { stringValue: 'frontend' } },
      { key: 'service.name', value: { stringValue: 'billing' } },
    ]);
    const spans = resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s: { spans: unknown[] }) => s.spans)) as Array<Record<string, any>>;
    const pay = spans.find((s) => s.spanId === 'a000000000000002')!;
    expect(pay).toEqual({
      traceId: traceA, spanId: 'a000000000000002', traceState: 'k=v', parentSpanId: 'a000000000000001', name: 'POST /pay', kind: 3,
      startTimeUnixNano: ns(10), endTimeUnixNano: ns(90),
      attributes: [{ key: 'http.response.status_code', value: { stringValue: '502' } }, { key: 'retry', value: { stringValue: 'true' } }],
      events: [{ timeUnixNano: ns(80), name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'PaymentError' } }] }],
      links: [{ traceId: traceB, spanId: 'b000000000000001', traceState: 'x=1', attributes: [{ key: 'link.kind', value: { stringValue: 'follows' } }] }],
      status: { message: 'card declined', code: 2 },
    });
    // v1 is tempopb.Trace itself.
    const v1 = plain(trace, (await get(`/api/traces/${traceB}`, { accept: 'application/protobuf' })).rawPayload);
    expect(v1.resourceSpans.flatMap((r: Record<string, any>) => r.scopeSpans.flatMap((s: { spans: Array<{ name: string }> }) => s.spans.map((x) => x.name)))).toEqual(['nightly invoice run']);
  });

  it('returns attribute values as the strings they were stored as', async () => {
    const res = await get(`/api/v2/traces/${traceA}`);
    const body = res.json();
    expect(body.status).toBe('COMPLETE');
    const frontend = body.trace.resourceSpans[0];
    expect(frontend.resource.attributes).toEqual([
      { key: 'service.name', value: { stringValue: 'frontend' } },
      { key: 'deployment.environment.name', value: { stringValue: 'prod' } },
    ]);
    const pay = frontend.scopeSpans[0].spans.find((s: { spanId: string }) => s.spanId === 'a000000000000002');
    expect(pay).toEqual({
      traceId: traceA, spanId: 'a000000000000002', traceState: 'k=v', parentSpanId: 'a000000000000001', name: 'POST /pay', kind: 3,
      startTimeUnixNano: ns(10), endTimeUnixNano: ns(90),
      attributes: [{ key: 'http.response.status_code', value: { stringValue: '502' } }, { key: 'retry', value: { stringValue: 'true' } }],
      events: [{ timeUnixNano: ns(80), name: 'exception', attributes: [{ key: 'exception.type', value: { stringValue: 'PaymentError' } }] }],
      links: [{ traceId: traceB, spanId: 'b000000000000001', traceState: 'x=1', attributes: [{ key: 'link.kind', value: { stringValue: 'follows' } }] }],
      status: { message: 'card declined', code: 2 },
    });
  });

  it('serves v1 as tempopb.Trace (protobuf) and {batches} (JSON), and pads short ids as Tempo does', async () => {
    const proto = await get(`/api/traces/${traceB.toUpperCase()}`, { accept: 'application/protobuf' });
    expect(proto.statusCode).toBe(200);
    const spans = decodeTracesProtobuf(proto.rawPayload).batch.resources.flatMap((r) => r.scopes.flatMap((s) => s.records));
    expect(spans.map((s) => s.name)).toEqual(['nightly invoice run']);
    const json = await get(`/api/traces/${traceB}`);
    expect(json.json().batches[0].scopeSpans[0].spans[0]).toMatchObject({ spanId: 'b000000000000001', kind: 1, status: { code: 1 } });
    const short = await get('/api/traces/abc');
    expect(short.statusCode).toBe(404);
    expect(short.json().detail).toBe('trace 00000000000000000000000000000abc not found');
  });

  it('honours start/end when given, and refuses a malformed id', async () => {
    const before = Math.floor(Number(T0 / 1_000_000_000n)) - 7200;
    expect((await get(`/api/v2/traces/${traceA}?start=${before}&end=${before + 60}`)).statusCode).toBe(404);
    const bad = await get('/api/v2/traces/not-hex');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ field: 'traceID' });
  });
});

describe('search', () => {
  const window = () => `start=${Number(T0 / 1_000_000_000n) - 60}&end=${Number(T0 / 1_000_000_000n) + 600}`;
  const search = (q: string, extra = '') => get(`/api/search?q=${encodeURIComponent(q)}&limit=20&spss=3&${window()}${extra}`, { accept: 'application/json' });

  it('answers the search builder\'s spanset with Tempo\'s shape', async () => {
    const res = await search('{resource.service.name="frontend" && status=error && span.http.response.status_code>=500}');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.traces).toEqual([{
      traceID: traceA, rootServiceName: 'frontend', rootTraceName: 'GET /checkout', startTimeUnixNano: ns(0), durationMs: 120,
      spanSets: [{
        matched: 1,
        spans: [{
          spanID: 'a000000000000002', name: 'POST /pay', startTimeUnixNano: ns(10), durationNanos: '80000000',
          attributes: [{ key: 'service.name', value: { stringValue: 'frontend' } }, { key: 'http.response.status_code', value: { stringValue: '502' } }],
        }],
      }],
      spanSet: body.traces[0].spanSet,
    }]);
    expect(body.metrics).toMatchObject({ inspectedTraces: 1 });
  });

  it.each([
    ['{}', [traceB, traceA]],
    ['{name="charge"}', [traceA]],
    ['{kind=internal}', [traceB]],
    ['{duration>100ms}', [traceA]],
    ['{span.db.system=~"post.*|mysql"}', [traceA]],
    ['{span.db.system!~"post.*"}', [traceB]],
    ['{.db.system="redis" || resource.deployment.environment.name="prod"}', [traceB, traceA]],
    ['{resource.service.name="billing" && status=ok} || {name="GET /checkout"}', [traceB, traceA]],
    ['{resource.service.name="frontend"} && {resource.service.name="billing"}', [traceA]],
    ['{span.retry=true && (kind=client || kind=server)}', [traceA]],
    ['{span.http.response.status_code = 200}', [traceA]],
    ['{resource.service.name="nobody"}', []],
  ])('finds %s', async (q, expected) => {
    const res = await search(q);
    expect(res.statusCode).toBe(200);
    expect(res.json().traces.map((t: { traceID: string }) => t.traceID)).toEqual(expected);
  });

  it('applies minDuration, limit and the old tags= search', async () => {
    expect((await search('{}', '&minDuration=100ms')).json().traces.map((t: { traceID: string }) => t.traceID)).toEqual([traceA]);
    const tags = await get(`/api/search?tags=${encodeURIComponent('service.name="billing" db.system=redis')}&${window()}`);
    expect(tags.json().traces.map((t: { traceID: string }) => t.traceID)).toEqual([traceB]);
  });

  it('refuses TraceQL outside the subset with a 400 naming the construct', async () => {
    const res = await search('{status=error} | count() > 2');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ field: 'q', detail: expect.stringContaining('pipeline operator "|"') });
    expect((await search('{.a=1} >> {.b=2}')).json().detail).toContain('">>"');
  });
});

describe('autocomplete', () => {
  it('lists tag names by scope (v2) and unscoped (v1)', async () => {
    const v2 = (await get('/api/v2/search/tags')).json();
    expect(v2.scopes).toEqual([
      { name: 'resource', tags: ['deployment.environment.name', 'service.name'] },
      { name: 'span', tags: ['db.system', 'http.response.status_code', 'http.route', 'retry'] },
      { name: 'intrinsic', tags: ['duration', 'kind', 'name', 'status', 'statusMessage'] },
    ]);
    expect((await get('/api/v2/search/tags?scope=span')).json().scopes.map((s: { name: string }) => s.name)).toEqual(['span']);
    expect((await get('/api/search/tags')).json().tagNames).toContain('http.route');
  });

  it('lists values with their inferred types, Grafana\'s double-encoded tag names included', async () => {
    const services = await get(`/api/v2/search/tag/${encodeURIComponent('resource.service.name')}/values?q=${encodeURIComponent('{}')}`);
    expect(services.json()).toEqual({ tagValues: [{ type: 'string', value: 'billing' }, { type: 'string', value: 'frontend' }] });
    const codes = await get('/api/v2/search/tag/span.http.response.status_code/values');
    expect(codes.json().tagValues).toEqual([{ type: 'int', value: '200' }, { type: 'int', value: '502' }]);
    expect((await get('/api/v2/search/tag/status/values')).json().tagValues).toContainEqual({ type: 'keyword', value: 'error' });
    expect((await get('/api/search/tag/db.system/values')).json()).toEqual({ tagValues: ['postgresql', 'redis'] });
  });

  it('narrows values by the filters Grafana sends in q, and ignores a q it cannot use', async () => {
    const q = (query: string) => `?q=${encodeURIComponent(query)}`;
    const names = await get(`/api/v2/search/tag/name/values${q('{resource.service.name="billing" && status=ok}')}`);
    expect(names.json().tagValues).toEqual([{ type: 'string', value: 'nightly invoice run' }]);
    const partial = await get(`/api/v2/search/tag/${encodeURIComponent(encodeURIComponent('span.db.system'))}/values${q('{resource.service.name=')}`);
    expect(partial.json().tagValues.map((v: { value: string }) => v.value)).toEqual(['postgresql', 'redis']);
  });
});
