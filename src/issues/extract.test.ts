import { describe, expect, it } from 'vitest';
import { attrs, logBatch, makeLog, makeSpan, traceBatch } from '../batch/testing.ts';
import { findErrorSites } from './extract.ts';

const exception = (extra: Record<string, string> = {}) => ({
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
});
