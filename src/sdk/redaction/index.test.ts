import { describe, expect, it } from 'vitest';
import type { EncodedObject, LogFields } from '../core/otlpJson.ts';
import { redaction } from './index.ts';

const log = (body: string, attributes: LogFields['attributes'] = {}): LogFields => ({ timeMs: 0, observedMs: 0, severityNumber: 9, scope: { name: 't' }, body, attributes });
const body = (r: LogFields) => r.body;
const attribute = (r: LogFields, key: string) => r.attributes[key];

describe('client-side redaction', () => {
  it('applies every built-in rule before any config is served', () => {
    const r = log('mail jane@example.com, card 4242 4242 4242 4242', { password: 'hunter2', note: 'v1.2.3.4' });
    redaction().scrubLog(r);
    expect(body(r)).toBe('mail [email], card [card]');
    expect(attribute(r, 'password')).toBe('[redacted]');
    expect(attribute(r, 'note')).toBe('v1.2.3.4');
    expect(attribute(r, 'otelhouse.redaction.count')).toBe(3);
    expect(attribute(r, 'otelhouse.redaction.rules')).toEqual(['card', 'email', 'sensitive_key']);
  });

  it('takes the served rules: methods, allow-lists, custom rules; and none when the gateway serves null', () => {
    const scrubber = redaction();
    scrubber.configure({ rules: { email: 'off', card: 'mask' }, allowValues: ['support@example.com'], customRules: [{ name: 'order', pattern: 'ORD-\\d{6}' }], summary: 'off' });
    const r = log('jane@example.com paid 4242424242424242 for ORD-123456', { who: 'support@example.com' });
    scrubber.scrubLog(r);
    expect(body(r)).toBe('jane@example.com paid ************4242 for [order]');
    expect(r.attributes).toEqual({ who: 'support@example.com' });
    expect(scrubber.counts).toEqual({ card: 1, order: 1 });
    scrubber.configure(null);
    const untouched = log('jane@example.com');
    scrubber.scrubLog(untouched);
    expect(body(untouched)).toBe('jane@example.com');
  });

  it('keeps its rules when the served ones cannot run (a bad or empty-matching regex)', () => {
    const scrubber = redaction();
    scrubber.configure({ customRules: [{ name: 'bad', pattern: '(' }] });
    scrubber.configure({ customRules: [{ name: 'empty', pattern: 'x*' }] });
    const r = log('jane@example.com');
    scrubber.scrubLog(r);
    expect(body(r)).toBe('[email]');
  });

  it('redacts spans: name, attributes, status message, event names and attributes, link attributes', () => {
    const span: EncodedObject = {
      signal: 'traces',
      scope: { name: 't' },
      severity: 9,
      record: {
        name: 'GET /users/jane@example.com',
        attributes: [{ key: 'url.full', value: { stringValue: 'https://x.example/?token=abc123&page=2' } }, { key: 'n', value: { intValue: '7' } }],
        status: { code: 2, message: 'no card 4242424242424242' },
        events: [{ name: 'jane@example.com', attributes: [{ key: 'ip', value: { stringValue: '203.0.113.7' } }] }],
        links: [{ traceId: 'a', spanId: 'b', attributes: [{ key: 'auth', value: { stringValue: 'Bearer abcdefghijklmnop' } }] }],
      },
    };
    redaction().scrub(span);
    expect(JSON.stringify(span.record)).not.toMatch(/jane|4242424242424242|abc123|203\.0\.113|abcdefghijklmnop/);
    expect(JSON.stringify(span.record)).toContain('page=2');
    expect(JSON.stringify(span.record)).toContain('{"key":"n","value":{"intValue":"7"}}');
  });

  it('redacts the resource the app set, and leaves what identifies the software alone', () => {
    const scrubber = redaction();
    const resource = { 'service.name': 'shop-web', 'user.email': 'jane@example.com', 'app.tags': ['beta', 'ops@example.com'], 'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0.0.0 Safari/537.36', 'process.pid': 4242 };
    const out = scrubber.resource(resource);
    expect(out).toEqual({ ...resource, 'user.email': '[email]', 'app.tags': ['beta', '[email]'] });
    expect(resource['app.tags']).toEqual(['beta', 'ops@example.com']);
    const clean = { 'service.name': 'shop-web' };
    expect(scrubber.resource(clean)).toBe(clean);
  });
});
