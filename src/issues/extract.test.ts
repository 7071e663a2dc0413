import { describe, expect, it } from 'vitest';
import type { AnyValue } from '../batch/types.ts';
import { attrs, logBatch, makeLog, makeSpan, traceBatch } from '../batch/testing.ts';
import { findErrorSites, MAX_OCCURRENCES, occurrenceCount } from './extract.ts';

const exception = (extra: Record<string, AnyValue> = {}) => ({
  timeUnixNano: 1_700_000_000_500_000_000n,
  name: 'exception',
  attributes: attrs({ 'exception.type': 'TypeError', 'exception.message': 'x is undefined', 'exception.stacktrace': 'TypeError: x is undefined\n    at f (app.js:1:2)', ...extra }),
  droppedAttributesCount: 0,
});

describe('finding error occurrences', () => {
  it('reads a span exception event with the identity of the record, the span and the resource', () => {
    const batch = traceBatch({ checkout: [makeSpan({ spanId: 'c'.repeat(16), attributes: attrs({ 'user.id': 'u-1', 'session.id': 's-9' }), events: [{ ...exception({ 'device.id': 'd-7' }) }, { ...exception(), name: 'retry' }] })] });
    const res = batch.resources[0].resource.attributes;
    res.set('service.version', '1.2.3');
    res.set('deployment.environment', 'staging');
    res.set('telemetry.sdk.language', 'python');
    res.set('app.installation.id', 'inst-4');
    const [site, ...rest] = findErrorSites(batch);
    expect(rest).toEqual([]);
    expect(site).toMatchObject({
      source: 'span_event', service: 'checkout', version: '1.2.3', environment: 'staging', platform: 'python',
      type: 'TypeError', message: 'x is undefined', severity: 'error', timeUnixNano: 1_700_000_000_500_000_000n,
      traceId: 'a'.repeat(32), spanId: 'c'.repeat(16), userId: 'u-1', sessionId: 's-9', deviceId: 'd-7', installationId: 'inst-4',
    });
  });

  it.each([
    [{ severityNumber: 17, body: 'db down' }, { severity: 'error', message: 'db down', type: '' }],
    [{ severityNumber: 21, body: 'out of memory' }, { severity: 'fatal', message: 'out of memory' }],
    [{ severityNumber: 13, body: 'slow', attributes: attrs({ 'exception.type': 'Timeout' }) }, { severity: 'warning', type: 'Timeout', message: 'slow' }],
    [{ severityNumber: 0, body: 'x', attributes: attrs({ 'exception.message': 'boom' }) }, { severity: 'error', message: 'boom' }],
    [{ severityNumber: 17, body: attrs({ message: 'structured failure', code: 500n }) }, { message: 'structured failure' }],
  ])('reads the log %j as an occurrence %j', (log, expected) => {
    const [site] = findErrorSites(logBatch({ api: [makeLog(log as never)] }));
    expect(site).toMatchObject({ source: 'log', service: 'api', ...expected });
  });

  it('skips logs below ERROR without exception attributes, and spans without exception events', () => {
    const logs = logBatch({ api: [makeLog({ severityNumber: 13, body: 'warn' }), makeLog({ severityNumber: 9 })] });
    const spans = traceBatch({ api: [makeSpan({ status: { code: 2, message: 'failed' } })] });
    expect(findErrorSites(logs)).toEqual([]);
    expect(findErrorSites(spans)).toEqual([]);
  });

  it('takes a client fingerprint as a string or a list of strings', () => {
    const one = findErrorSites(logBatch({ a: [makeLog({ severityNumber: 17, attributes: attrs({ 'otelhouse.fingerprint': 'db-down' }) })] }))[0];
    const list = findErrorSites(logBatch({ a: [makeLog({ severityNumber: 17, attributes: attrs({ 'otelhouse.fingerprint': ['{{ default }}', 'eu', 7n] }) })] }))[0];
    expect(one.clientFingerprint).toBe('db-down');
    expect(list.clientFingerprint).toEqual(['{{ default }}', 'eu']);
  });

  it('reads how many occurrences a log record or an exception event stands for from otelhouse.occurrences', () => {
    const log = findErrorSites(logBatch({ a: [makeLog({ severityNumber: 17, attributes: attrs({ 'otelhouse.occurrences': 500n }) })] }))[0];
    const event = findErrorSites(traceBatch({ a: [makeSpan({ events: [exception({ 'otelhouse.occurrences': 42n })] })] }))[0];
    const plain = findErrorSites(logBatch({ a: [makeLog({ severityNumber: 17 })] }))[0];
    expect([log.count, event.count, plain.count]).toEqual([500, 42, 1]);
  });

  it('reads the count from the record itself, never from the span or the resource', () => {
    const batch = traceBatch({ a: [makeSpan({ attributes: attrs({ 'otelhouse.occurrences': 9n }), events: [exception()] })] });
    batch.resources[0].resource.attributes.set('otelhouse.occurrences', 7n);
    expect(findErrorSites(batch)[0].count).toBe(1);
  });

  it.each<[string, AnyValue | undefined, number]>([
    ['an int', 3n, 3],
    ['one', 1n, 1],
    ['a whole double', 12, 12],
    ['a decimal string', '250', 250],
    ['a decimal string with leading zeros', '007', 7],
    ['the cap', BigInt(MAX_OCCURRENCES), MAX_OCCURRENCES],
    ['an int above the cap', 9_223_372_036_854_775_807n, MAX_OCCURRENCES],
    ['a double above the cap', 1e300, MAX_OCCURRENCES],
    ['a string above the cap', '99999999999999999999999999', MAX_OCCURRENCES],
    ['a string of 400 nines (Infinity as a double)', '9'.repeat(400), MAX_OCCURRENCES],
    ['no attribute', undefined, 1],
    ['zero', 0n, 1],
    ['a string of zeros', '0000', 1],
    ['a negative int', -5n, 1],
    ['the lowest int64', -9_223_372_036_854_775_808n, 1],
    ['a negative double', -3, 1],
    ['a fraction', 2.5, 1],
    ['NaN', NaN, 1],
    ['Infinity', Infinity, 1],
    ['a negative string', '-5', 1],
    ['a string with a fraction', '2.5', 1],
    ['a string in exponent form', '1e3', 1],
    ['a string with spaces', ' 12 ', 1],
    ['a hexadecimal string', '0x10', 1],
    ['an empty string', '', 1],
    ['text', 'many', 1],
    ['a boolean', true, 1],
    ['null (an empty value)', null, 1],
    ['bytes', new Uint8Array([5]), 1],
    ['an array', [5n], 1],
    ['a map', attrs({ n: 5n }), 1],
  ])('counts %s as %i occurrences', (_, value, count) => {
    expect(occurrenceCount(value)).toBe(count);
    const attributes = value === undefined ? attrs({}) : attrs({ 'otelhouse.occurrences': value });
    expect(findErrorSites(logBatch({ a: [makeLog({ severityNumber: 17, attributes })] }))[0].count).toBe(count);
  });
});
