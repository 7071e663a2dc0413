import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { logsRequest, post, traceRequest } from './support/payloads.ts';

const json = { 'content-type': 'application/json' };
const t0 = 1_767_000_000_000_000_000n;

describe('a gateway started without a processors section', () => {
  let gateway: Gateway;
  beforeAll(async () => {
    gateway = await startGateway();
  });
  afterAll(() => gateway.shutdown());

  it('runs redaction, the debug-session gate, then sampling', () => {
    expect(gateway.config.processors.map((p) => p.type)).toEqual(['redaction', 'debugsessions', 'sampling']);
  });

  it('redacts personal data and secrets before storing spans and logs', async () => {
    const traces = traceRequest('checkout', [
      {
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        name: 'POST /login',
        start: String(t0),
        end: String(t0 + 1_000_000n),
        attributes: { 'enduser.email': 'jane.doe@example.com', 'http.request.header.authorization': 'Bearer Ab3dE6gH9jK2mN5pQ8rS', 'http.route': '/login' },
      },
    ]);
    const logs = logsRequest('checkout', [{ time: String(t0), severityNumber: 9, severityText: 'INFO', body: 'card 4242 4242 4242 4242 charged for order 1234-5678' }]);
    expect((await post(gateway.url, '/v1/traces', traces, json)).status).toBe(200);
    expect((await post(gateway.url, '/v1/logs', logs, json)).status).toBe(200);

    const [span] = await rows<{ SpanAttributes: Record<string, string> }>(gateway, 'SELECT SpanAttributes FROM otel_traces');
    expect(span.SpanAttributes).toMatchObject({
      'enduser.email': '[email]',
      'http.request.header.authorization': '[redacted]',
      'http.route': '/login',
      'otelhouse.redaction.count': '2',
    });
    const [log] = await rows<{ Body: string }>(gateway, 'SELECT Body FROM otel_logs');
    expect(log.Body).toBe('card [card] charged for order 1234-5678');
  });

  it('keeps every span at its default 100 % rate and stores no SampleRate on them', async () => {
    const spans = Array.from({ length: 50 }, (_, i) => ({
      traceId: (i + 1).toString(16).padStart(32, 'a'),
      spanId: (i + 1).toString(16).padStart(16, 'b'),
      name: 'GET /items',
      start: String(t0),
      end: String(t0 + 1000n),
    }));
    expect((await post(gateway.url, '/v1/traces', traceRequest('catalog', spans), json)).status).toBe(200);
    const [stored] = await rows<{ n: number; rated: number }>(
      gateway,
      "SELECT count() AS n, countIf(mapContains(SpanAttributes, 'SampleRate')) AS rated FROM otel_traces WHERE ServiceName = 'catalog'",
    );
    expect({ n: Number(stored.n), rated: Number(stored.rated) }).toEqual({ n: 50, rated: 0 });
  });
});

describe('a gateway whose configured chain has no redaction processor', () => {
  it('warns at start that personal data reaches storage unredacted', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const gateway = await startGateway({ processors: [{ type: 'sampling' }] }, { logger: pino({ level: 'warn' }, sink) });
    await gateway.shutdown();
    expect(lines.some((line) => JSON.parse(line).msg.includes('no redaction processor'))).toBe(true);
  });
});
