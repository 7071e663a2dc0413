import { describe, expect, it } from 'vitest';
import type { AnyValue, Attributes, LogBatch, LogRecord, Span, TraceBatch } from '../../batch/types.ts';
import { ProcessorChain, type ChainObserver } from '../chain.ts';
import { buildProcessors } from '../registry.ts';
import { redactionFactory } from './redaction.ts';

const attrs = (entries: Record<string, AnyValue>): Attributes => new Map(Object.entries(entries));
const entries = (map: Attributes) => Object.fromEntries(map);

function makeSpan(overrides: Partial<Span> = {}): Span {
  return {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7', traceState: '', parentSpanId: '', flags: 1, name: 'op', kind: 2,
    startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: new Map(), droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
    links: [], droppedLinksCount: 0, status: { code: 0, message: '' }, ...overrides,
  };
}

function makeLog(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 9, severityText: 'INFO', body: 'hello', attributes: new Map(),
    droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '', ...overrides,
  };
}

function traceBatch(spans: Span[], resource: Attributes = new Map(), scope: Attributes = new Map()): TraceBatch {
  return {
    signal: 'traces',
    resources: [{ resource: { attributes: resource, droppedAttributesCount: 0 }, schemaUrl: '', scopes: [{ scope: { name: 's', version: '', attributes: scope, droppedAttributesCount: 0 }, schemaUrl: '', records: spans }] }],
  };
}

function logBatch(logs: LogRecord[]): LogBatch {
  return {
    signal: 'logs',
    resources: [{ resource: { attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', scopes: [{ scope: { name: 's', version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', records: logs }] }],
  };
}

function run(batch: TraceBatch | LogBatch, options: Record<string, unknown> = {}) {
  const counts: Record<string, number> = {};
  const processor = redactionFactory.create('redaction', redactionFactory.parse(options));
  processor.process(batch, { drop: () => {}, count: (event, n) => (counts[event] = (counts[event] ?? 0) + n) });
  return counts;
}

describe('the redaction processor', () => {
  it('redacts every place of a span that can carry PII and summarizes it on the span', () => {
    const span = makeSpan({
      name: 'GET /users/jane@example.com',
      attributes: attrs({
        'url.full': 'https://api.example.com/login?user=jane&token=abc123&page=2',
        'url.query': 'password=hunter2&next=/home',
        'http.url': 'https://admin:pw@internal.example.com/x?api_key=K1',
        'http.request.header.authorization': ['Bearer abcDEF123456xyz'],
        'http.response.status_code': 200n,
        'session.id': 'f00dfeed',
      }),
      status: { code: 2, message: 'card 4242424242424242 declined' },
      events: [{
        timeUnixNano: 1n, name: 'exception', droppedAttributesCount: 0,
        attributes: attrs({
          'exception.type': 'NotFound',
          'exception.message': 'user jane@example.com not found',
          'exception.stacktrace': 'Error: lookup failed for 203.0.113.7\n    at handler (/app/src/server.js:12:34)',
        }),
      }],
      links: [{ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceState: '', flags: 0, droppedAttributesCount: 0, attributes: attrs({ 'peer.email': 'bob@example.com' }) }],
    });
    const clean = makeSpan({ name: 'SELECT orders', attributes: attrs({ 'db.query.text': 'SELECT * FROM orders WHERE id = $1', 'server.port': 5432n }) });
    const batch = traceBatch([span, clean]);
    const counts = run(batch);

    expect(span.name).toBe('GET /users/[email]');
    expect(entries(span.attributes)).toEqual({
      'url.full': 'https://api.example.com/login?user=jane&token=[redacted]&page=2',
      'url.query': 'password=[redacted]&next=/home',
      'http.url': 'https://[credentials]@internal.example.com/x?api_key=[redacted]',
      'http.request.header.authorization': '[redacted]',
      'http.response.status_code': 200n,
      'session.id': 'f00dfeed',
      'otelhouse.redaction.count': 10n,
      'otelhouse.redaction.rules': ['card', 'email', 'ip', 'sensitive_key', 'url_credentials'],
    });
    expect(span.status.message).toBe('card [card] declined');
    expect(entries(span.events[0].attributes)).toEqual({
      'exception.type': 'NotFound',
      'exception.message': 'user [email] not found',
      'exception.stacktrace': 'Error: lookup failed for [ip]\n    at handler (/app/src/server.js:12:34)',
    });
    expect(entries(span.links[0].attributes)).toEqual({ 'peer.email': '[email]' });
    expect([span.traceId, span.spanId]).toEqual(['4bf92f3577b34da6a3ce929d0e0e4736', '00f067aa0ba902b7']);
    expect(entries(clean.attributes)).toEqual({ 'db.query.text': 'SELECT * FROM orders WHERE id = $1', 'server.port': 5432n });
    expect(counts).toEqual({ email: 3, sensitive_key: 4, url_credentials: 1, card: 1, ip: 1 });
  });

  it('counts resource and scope redactions once, on the resource and the scope themselves', () => {
    const resource = attrs({ 'service.name': 'checkout', 'service.version': '1.0.0.0', 'host.ip': ['10.1.2.3'], 'device.addresses': ['203.0.113.1', 'fe80::1'] });
    const scope = attrs({ 'owner.email': 'team@example.com' });
    const spans = [makeSpan(), makeSpan()];
    const counts = run(traceBatch(spans, resource, scope));
    expect(entries(resource)).toEqual({
      'service.name': 'checkout', 'service.version': '1.0.0.0', 'host.ip': ['10.1.2.3'], 'device.addresses': ['[ip]', '[ip]'],
      'otelhouse.redaction.count': 2n, 'otelhouse.redaction.rules': ['ip'],
    });
    expect(entries(scope)).toEqual({ 'owner.email': '[email]', 'otelhouse.redaction.count': 1n, 'otelhouse.redaction.rules': ['email'] });
    expect(spans.map((s) => s.attributes.size)).toEqual([0, 0]);
    expect(counts).toEqual({ ip: 2, email: 1 });
  });

  it('redacts log bodies, strings and structured ones, recursively, and log attributes', () => {
    const text = makeLog({ body: 'user jane@example.com logged in from 203.0.113.7', attributes: attrs({ 'exception.message': 'SSN 123-45-6789 rejected' }) });
    const structured = makeLog({
      body: attrs({
        event: 'signup',
        user: attrs({ email: 'a@b.io', phone: '+1 415 555 2671', password: 'x', roles: ['admin'] }),
        cards: ['4242 4242 4242 4242', 'n/a'],
        count: 3n,
      }),
      attributes: attrs({ 'otelhouse.redaction.count': 1n, 'otelhouse.redaction.rules': ['bearer', 'email'] }), // from the SDK
    });
    const clean = makeLog({ body: 'order 100234 shipped', attributes: attrs({ 'code.function.name': 'ship' }) });
    const counts = run(logBatch([text, structured, clean]));

    expect(text.body).toBe('user [email] logged in from [ip]');
    expect(entries(text.attributes)).toEqual({
      'exception.message': 'SSN [ssn] rejected',
      'otelhouse.redaction.count': 3n,
      'otelhouse.redaction.rules': ['email', 'ip', 'ssn'],
    });
    const body = structured.body as Attributes;
    expect(entries(body.get('user') as Attributes)).toEqual({ email: '[email]', phone: '[phone]', password: '[redacted]', roles: ['admin'] });
    expect(body.get('cards')).toEqual(['[card]', 'n/a']);
    expect(body.get('count')).toBe(3n);
    expect(entries(structured.attributes)).toEqual({
      'otelhouse.redaction.count': 5n,
      'otelhouse.redaction.rules': ['bearer', 'card', 'email', 'phone', 'sensitive_key'],
    });
    expect(clean.body).toBe('order 100234 shipped');
    expect(entries(clean.attributes)).toEqual({ 'code.function.name': 'ship' });
    expect(counts).toEqual({ email: 2, ip: 1, ssn: 1, phone: 1, sensitive_key: 1, card: 1 });
  });

  it('empties a string body or span name that a remove rule matched whole', () => {
    const log = makeLog({ body: 'jane@example.com' });
    run(logBatch([log]), { rules: { email: 'remove' } });
    expect(log.body).toBe('');
    const span = makeSpan({ name: 'jane@example.com', attributes: attrs({ 'user.email': 'jane@example.com' }) });
    run(traceBatch([span]), { rules: { email: 'remove' } });
    expect(span.name).toBe('');
    expect(entries(span.attributes)).toEqual({ 'otelhouse.redaction.count': 2n, 'otelhouse.redaction.rules': ['email'] });
  });

  it('writes only the count, or nothing, as the summary option says', () => {
    const counted = makeSpan({ attributes: attrs({ note: 'jane@example.com' }) });
    run(traceBatch([counted]), { summary: 'count' });
    expect(entries(counted.attributes)).toEqual({ note: '[email]', 'otelhouse.redaction.count': 1n });
    const silent = makeSpan({ attributes: attrs({ note: 'jane@example.com' }) });
    expect(run(traceBatch([silent]), { summary: 'off' })).toEqual({ email: 1 });
    expect(entries(silent.attributes)).toEqual({ note: '[email]' });
  });

  it('leaves a clean value clean when it repeats, and still finds PII in a new one', () => {
    const spans = [
      makeSpan({ name: 'GET /', attributes: attrs({ 'user_agent.original': 'curl/8.4.0', note: 'ok' }) }),
      makeSpan({ name: 'GET /', attributes: attrs({ 'user_agent.original': 'curl/8.4.0', note: 'jane@example.com' }) }),
    ];
    run(traceBatch(spans));
    expect(spans.map((s) => s.attributes.get('note'))).toEqual(['ok', '[email]']);
  });
});

describe('the redaction processor in a chain', () => {
  it('reports redactions per rule to the observer, and drops nothing', async () => {
    const events: string[] = [];
    const observer: ChainObserver = {
      records: (p, s, i, o) => events.push(`${p}/${s} ${i}→${o}`),
      dropped: (p, s, reason, n) => events.push(`${p}/${s} dropped ${reason} ${n}`),
      counted: (p, s, event, n) => events.push(`${p}/${s} ${event} ${n}`),
    };
    const chain = new ProcessorChain(buildProcessors([{ type: 'redaction', name: 'pii' }]), observer);
    const spans = [
      makeSpan({ attributes: attrs({ a: 'jane@example.com', b: 'bob@example.com', password: 'x' }) }),
      makeSpan({ attributes: attrs({ c: '203.0.113.7' }) }),
      makeSpan(),
    ];
    await chain.process(traceBatch(spans));
    expect(events.sort()).toEqual(['pii/traces 3→3', 'pii/traces email 2', 'pii/traces ip 1', 'pii/traces sensitive_key 1']);
  });
});
