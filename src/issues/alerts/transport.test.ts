import { afterEach, describe, expect, it } from 'vitest';
import { classifyResponse, parseRetryAfter, postJson } from './transport.ts';
import { deadUrl, startReceiver, type Receiver } from './testing.ts';

describe('classifyResponse', () => {
  it.each([
    [200, null, { kind: 'success', status: 200 }],
    [204, null, { kind: 'success', status: 204 }],
    [301, null, { kind: 'failure', status: 301, reason: 'HTTP 301' }],
    [400, null, { kind: 'failure', status: 400, reason: 'HTTP 400' }],
    [401, null, { kind: 'failure', status: 401, reason: 'HTTP 401' }],
    [404, null, { kind: 'failure', status: 404, reason: 'HTTP 404' }],
    [408, null, { kind: 'retryable', status: 408, reason: 'HTTP 408' }],
    [429, '7', { kind: 'retryable', status: 429, reason: 'HTTP 429', afterMs: 7000 }],
    [500, null, { kind: 'retryable', status: 500, reason: 'HTTP 500' }],
    [503, '2', { kind: 'retryable', status: 503, reason: 'HTTP 503', afterMs: 2000 }],
  ])('HTTP %i with Retry-After %j is %j', (status, retryAfter, expected) => {
    expect(classifyResponse(status, retryAfter)).toEqual(expected);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  it.each([
    [null, undefined],
    ['1', 1000],
    [' 30 ', 30_000],
    ['Wed, 01 May 2024 12:00:10 GMT', 10_000],
    ['Wed, 01 May 2024 11:00:00 GMT', 0],
    ['soon', undefined],
    ['-5', undefined],
  ])('%j is %j ms', (value, expected) => expect(parseRetryAfter(value, now)).toBe(expected));
});

describe('postJson', () => {
  let receiver: Receiver | undefined;
  afterEach(() => receiver?.close());

  it('POSTs the body as JSON with the configured headers', async () => {
    receiver = await startReceiver();
    const result = await postJson(`${receiver.url}/hook`, '{"a":1}', { timeoutMs: 2000, headers: { authorization: 'Bearer s3cret' } });
    expect(result).toEqual({ kind: 'success', status: 200 });
    const [request] = receiver.requests;
    expect(request).toMatchObject({ method: 'POST', path: '/hook', body: '{"a":1}' });
    expect(request!.headers).toMatchObject({ 'content-type': 'application/json', authorization: 'Bearer s3cret' });
  });

  it('reports a hanging receiver as a retryable timeout', async () => {
    receiver = await startReceiver(() => 'hang');
    expect(await postJson(receiver.url, '{}', { timeoutMs: 150 })).toEqual({ kind: 'retryable', reason: 'timed out after 150 ms' });
  });

  it('reports a refused connection as retryable', async () => {
    expect(await postJson(await deadUrl(), '{}', { timeoutMs: 2000 })).toEqual({ kind: 'retryable', reason: 'ECONNREFUSED' });
  });

  it('reports an attempt aborted by its caller as a failure', async () => {
    receiver = await startReceiver(() => 'hang');
    const controller = new AbortController();
    const pending = postJson(receiver.url, '{}', { timeoutMs: 10_000, signal: controller.signal });
    await receiver.waitFor(1);
    controller.abort();
    expect(await pending).toEqual({ kind: 'failure', reason: 'aborted' });
  });
});
