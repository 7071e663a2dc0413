import { describe, expect, it } from 'vitest';

import { encodeLogRecord, encodeSpan, MAX_LOG_ATTRIBUTES, validAttributes } from './otlpJson.ts';

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
    expect({ ...encoded, json: JSON.parse(encoded.json) }).toEqual({
      signal: 'logs',
      scope: { name: 'otelhouse', version: '0.1.0' },
      severity: 17,
      json: {
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

  it('write their text directly, as JSON.stringify writes the OTLP/JSON object of every kind of value (spans are encoded as objects)', () => {
    const attributes = validAttributes({
      s: 'quote " backslash \\ newline \n tab \t nul \u0000 emoji 😀 lone \ud800',
      int: 42,
      negative: -7,
      zero: -0,
      big: 2 ** 60,
      double: 1.5,
      nan: Number.NaN,
      inf: Number.POSITIVE_INFINITY,
      yes: true,
      no: false,
      bytes: new Uint8Array([0, 255, 16, 32]),
      list: ['a', 1, 2.5, false, null, [['deep']], { k: 'v' }],
      map: { nested: { deep: [1, { x: 'y' }] }, skipped: undefined, 'key "quoted"': 'v' },
      '1': 'integer-like key first',
      empty: '',
      emptyList: [],
      emptyMap: {},
    });
    const log = encodeLogRecord({ timeMs: 1, observedMs: 2, severityNumber: 9, severityText: 'INFO', body: { message: 'hi', n: 3 }, eventName: 'shop.e', attributes, scope: { name: 't' } });
    // The span encoder builds the OTLP/JSON object with the same value encoding: the texts must agree value for value.
    const span = encodeSpan({
      name: 'x', kind: 0, startTime: [0, 0], endTime: [0, 0], attributes: attributes as never, events: [], links: [], status: { code: 0 },
      spanContext: () => ({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: 1 }), instrumentationScope: { name: 't' },
    } as never);
    const parsed = JSON.parse(log.json) as { attributes: unknown; body: unknown };
    expect(JSON.stringify(parsed.attributes)).toBe(JSON.stringify(span.record.attributes));
    expect(log.json).toContain(`"attributes":${JSON.stringify(span.record.attributes)}`);
    expect(parsed.body).toEqual({ kvlistValue: { values: [{ key: 'message', value: { stringValue: 'hi' } }, { key: 'n', value: { intValue: '3' } }] } });
    const attribute = (key: string) => (parsed.attributes as Array<{ key: string; value: unknown }>).find((kv) => kv.key === key)?.value;
    expect(attribute('nan')).toEqual({ doubleValue: null });
    expect(attribute('zero')).toEqual({ intValue: '0' });
    expect(attribute('bytes')).toEqual({ bytesValue: 'AP8QIA==' });
    expect(attribute('s')).toEqual({ stringValue: 'quote " backslash \\ newline \n tab \t nul \u0000 emoji 😀 lone \ud800' });
    expect((parsed.attributes as Array<{ key: string }>)[0]!.key).toBe('1');
  });
});
