import { describe, expect, it } from 'vitest';

import { encodeLogRecord, MAX_LOG_ATTRIBUTES, validAttributes } from './otlpJson.ts';

describe('the SDK’s log records', () => {
  it('keep what the OpenTelemetry log SDK keeps of attributes: AnyValues without cycles, under non-empty keys, the first 128', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    const kept = validAttributes({
      s: 'x',
      n: 1.5,
      b: false,
      bytes: new Uint8Array([1, 2]),
      list: [1, 'two', { three: [3] }],
      map: { nested: { deep: true } },
      '': 'empty key',
      nul: null,
      undef: undefined,
      cyclic,
      date: new Date(0),
      fn: () => 1,
      sym: Symbol('s'),
      big: 10n,
      instance: new (class Point { x = 1; })(),
    });
    expect(Object.keys(kept)).toEqual(['s', 'n', 'b', 'bytes', 'list', 'map']);
    const many = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`k${i}`, i]));
    expect(Object.keys(validAttributes(many))).toEqual(Array.from({ length: MAX_LOG_ATTRIBUTES }, (_, i) => `k${i}`));
    expect(validAttributes(undefined)).toEqual({});
  });

  it('encode times as decimal nanoseconds, the span context and the scope', () => {
    const encoded = encodeLogRecord({
      timeMs: 1_733_300_000_123.456,
      observedMs: 1_733_300_000_124,
      severityNumber: 17,
      severityText: 'ERROR',
      body: 'failed',
      eventName: 'shop.checkout',
      attributes: { 'order.id': 'A-1', items: 3 },
      spanContext: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 },
      scope: { name: 'otelhouse', version: '0.1.0' },
    });
    expect(encoded).toEqual({
      signal: 'logs',
      scope: { name: 'otelhouse', version: '0.1.0' },
      severity: 17,
      record: {
        timeUnixNano: '1733300000123456000',
        observedTimeUnixNano: '1733300000124000000',
        severityNumber: 17,
        severityText: 'ERROR',
        body: { stringValue: 'failed' },
        eventName: 'shop.checkout',
        attributes: [{ key: 'order.id', value: { stringValue: 'A-1' } }, { key: 'items', value: { intValue: '3' } }],
        traceId: '0af7651916cd43dd8448eb211c80319c',
        spanId: 'b7ad6b7169203331',
        flags: 1,
      },
    });
  });
});
