import { describe, expect, it } from 'vitest';
import { parseStackTrace } from '../stacktrace/index.ts';
import type { StackTrace } from '../types.ts';
import { SAMPLES } from '../stacktrace/fixtures/traces.ts';
import { fingerprint, type FingerprintInput } from './fingerprint.ts';
import { compileFingerprintRules, fingerprintRulesSchema } from './rules.ts';

const java = (over: Partial<FingerprintInput> = {}) =>
  fingerprint({ service: 'checkout', type: 'java.lang.IllegalStateException', message: 'Payment failed for order 4521', stack: parseStackTrace(SAMPLES.java), ...over });
const rules = (r: unknown) => compileFingerprintRules(fingerprintRulesSchema.parse(r));

describe('fingerprint', () => {
  it('is 32 lowercase hex characters, from the type and the in-app frames of every exception in the chain', () => {
    const result = java();
    expect(result.fingerprint).toMatch(/^[0-9a-f]{32}$/);
    expect(result.method).toBe('in_app');
    expect(result.components).toEqual([
      'type:java.lang.IllegalStateException',
      'frame:com.acme.shop.Main|main',
      'frame:com.acme.shop.OrderService|place',
      'frame:com.acme.shop.PaymentService|charge',
      'type:java.net.SocketTimeoutException',
      'frame:com.acme.shop.Main|main',
      'frame:com.acme.shop.GatewayClient|post',
    ]);
  });

  it('names the culprit and the title Sentry-style', () => {
    expect(java()).toMatchObject({ culprit: 'charge (com.acme.shop.PaymentService)', title: 'java.lang.IllegalStateException: Payment failed for order <int>' });
    const node = fingerprint({ service: 's', type: '', message: '', stack: parseStackTrace(SAMPLES.node) });
    expect(node).toMatchObject({ culprit: 'OrderService.place (orders/service.js)', title: "TypeError: Cannot read properties of undefined (reading 'id')" });
  });

  it('ignores the message when frames group, so varying IDs do not split an issue', () => {
    expect(java({ message: 'Payment failed for order 977 (card ****4242)' }).fingerprint).toBe(java().fingerprint);
  });

  it('differs by service, like two Sentry projects', () => {
    expect(java({ service: 'billing' }).fingerprint).not.toBe(java().fingerprint);
  });

  it('uses all frames when none is in-app', () => {
    const stack = parseStackTrace(`TypeError: Failed to fetch
    at window.fetch (https://cdn.example.net/node_modules/whatwg-fetch/fetch.js:10:5)
    at https://cdn.example.net/node_modules/whatwg-fetch/fetch.js:2:1`)!;
    const result = fingerprint({ service: 'web', type: 'TypeError', message: 'Failed to fetch', stack });
    expect(result).toMatchObject({ method: 'all_frames', components: ['type:TypeError', 'frame:fetch.js|', 'frame:fetch.js|fetch'], culprit: 'window.fetch (whatwg-fetch/fetch.js)' });
  });

  it('collapses recursion: consecutive identical frames count once', () => {
    const deep = ['RangeError: Maximum call stack size exceeded'];
    for (let i = 0; i < 40; i++) deep.push(`    at walk (/app/src/tree.js:${10 + (i % 3)}:5)`);
    deep.push('    at main (/app/src/index.js:3:1)');
    const result = fingerprint({ service: 's', type: '', message: '', stack: parseStackTrace(deep.join('\n')) });
    expect(result.components).toEqual(['type:RangeError', 'frame:index.js|main', 'frame:tree.js|walk']);
  });

  it('groups by type and normalized message when there is no stack', () => {
    const a = fingerprint({ service: 's', type: 'TimeoutError', message: 'query 77 took 30s\nat 2024-03-05T10:00:00Z\nextra' });
    const b = fingerprint({ service: 's', type: 'TimeoutError', message: 'query 12 took 45s\nat 2024-04-01T00:00:00Z' });
    const c = fingerprint({ service: 's', type: 'DeadlineError', message: 'query 12 took 45s\nat 2024-04-01T00:00:00Z' });
    expect(a).toMatchObject({ method: 'message', components: ['type:TimeoutError', 'message:query <int> took <duration>\nat <date>'], culprit: '', title: 'TimeoutError: query <int> took <duration> at <date>' });
    expect(b.fingerprint).toBe(a.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });

  it('takes a client fingerprint, string or list, expanding {{ default }}', () => {
    expect(java({ clientFingerprint: 'payment-failures' })).toMatchObject({ method: 'client', components: ['payment-failures'] });
    const split = java({ clientFingerprint: ['{{ default }}', 'tenant-7'] });
    expect(split.method).toBe('client');
    expect(split.components).toEqual([...java().components, 'tenant-7']);
    expect(java({ clientFingerprint: ['{{default}}'] })).toEqual(java());
    expect(java({ clientFingerprint: [] })).toEqual(java());
  });

  it('lets a matching rule override the client fingerprint, with variables', () => {
    const result = java({
      clientFingerprint: 'from-client',
      rules: rules([{ match: { type: 'SocketTimeout' }, fingerprint: ['gateway', '{{ type }}', '{{ function }}'] }]),
    });
    expect(result).toMatchObject({ method: 'rule', components: ['gateway', 'java.lang.IllegalStateException', 'charge'] });
  });

  it('leaves events no rule matches to the default grouping', () => {
    expect(java({ rules: rules([{ match: { service: '^billing$' }, fingerprint: ['x'] }]) })).toEqual(java());
  });

  it('matches frame rules against the in-app frames when the event has some', () => {
    expect(java({ rules: rules([{ match: { function: '^charge$' }, fingerprint: ['x'] }]) }).method).toBe('rule');
    // ArrayList.forEach and NioSocketImpl.timedRead are library frames of this event.
    expect(java({ rules: rules([{ match: { function: '^(forEach|timedRead)$' }, fingerprint: ['x'] }]) })).toEqual(java());
  });

  it('treats an empty client fingerprint as none', () => {
    expect(java({ clientFingerprint: '' })).toEqual(java());
    expect(java({ clientFingerprint: ['', ''] })).toEqual(java());
  });

  it("expands every variable name, Sentry's included, from the culprit frame", () => {
    const names = ['type', 'error.type', 'message', 'error.value', 'function', 'stack.function', 'module', 'stack.module', 'file', 'stack.filename', 'stack.abs_path', 'service'];
    const result = java({ rules: rules([{ match: { type: 'IllegalState' }, fingerprint: names.map((n) => `${n}={{ ${n} }}`) }]) });
    const type = 'java.lang.IllegalStateException';
    const message = 'Payment failed for order <int>';
    const module = 'com.acme.shop.PaymentService';
    const file = 'paymentservice.java';
    expect(result.components).toEqual(names.map((n, i) => `${n}=${[type, type, message, message, 'charge', 'charge', module, module, file, file, file, 'checkout'][i]}`));
  });

  it('expands the module of a frame without one, and of no frame at all, to nothing', () => {
    const vars = rules([{ match: { service: '.' }, fingerprint: ['{{ function }}', '{{ module }}', '{{ file }}'] }]);
    expect(fingerprint({ service: 's', type: '', message: '', stack: parseStackTrace(SAMPLES.node), rules: vars }).components).toEqual(['place', '', 'service.js']);
    expect(fingerprint({ service: 's', type: 'Timeout', message: 'took 30s', rules: vars }).components).toEqual(['', '', '']);
    const noLocation: StackTrace = { platform: 'dotnet', type: 'E', message: '', frames: [{ function: 'Retry', module: '', file: '', line: 0, column: 0, inApp: true }] };
    expect(fingerprint({ service: 's', type: '', message: '', stack: noLocation, rules: vars }).components).toEqual(['Retry', '', '']);
  });

  it.each([
    ['', 'Order 12 failed', 'Order <int> failed'],
    ['OrderError', '', 'OrderError'],
    ['', '', '<unknown error>'],
    ['E', 'x'.repeat(253), `E: ${'x'.repeat(253)}`],
    ['E', 'x'.repeat(300), `E: ${'x'.repeat(252)}…`],
  ])('titles type %j with message %j as %j, at most 256 characters', (type, message, title) => {
    expect(fingerprint({ service: 's', type, message }).title).toBe(title);
  });
});

describe('fingerprint stability', () => {
  it('groups a Python exception by its class name, however qualified', () => {
    const stack = parseStackTrace(SAMPLES.python)!;
    const qualified = fingerprint({ service: 'shop', type: '', message: '', stack });
    const bare = fingerprint({ service: 'shop', type: 'DoesNotExist', message: 'Order matching query does not exist.', stack });
    expect(qualified.fingerprint).toBe(bare.fingerprint);
    expect(qualified.title).toBe('shop.models.Order.DoesNotExist: Order matching query does not exist.');
  });

  it('does not depend on line numbers, columns or bundle hashes', () => {
    const release = (hash: string, line: number) =>
      fingerprint({ service: 'web', type: 'TypeError', message: 'x', stack: parseStackTrace(`TypeError: x\n    at Cart (https://x.example/assets/index-${hash}.js:${line}:${line * 7})`) });
    expect(release('BvQ3xk1a', 12).fingerprint).toBe(release('C9dK2mPq', 40).fingerprint);
  });
});
