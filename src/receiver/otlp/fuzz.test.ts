import { mulberry32 } from '../../batch/testing.ts';
import { SeverityNumber } from '@opentelemetry/api-logs';
import {
  JsonLogsSerializer,
  JsonTraceSerializer,
  ProtobufLogsSerializer,
  ProtobufTraceSerializer,
} from '@opentelemetry/otlp-transformer';
import { describe, expect, it } from 'vitest';
import type { Batch } from '../../batch/types.ts';
import {
  decodeLogsJson,
  decodeLogsProtobuf,
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeTracesJson,
  decodeTracesProtobuf,
  OtlpDecodeError,
  type DecodeResult,
} from './index.ts';
import { json as jsonMetrics, proto as protoMetrics } from './fixtures/metrics-requests.ts';
import { richAttributes } from './fixtures/rich-values.ts';
import { makeLog, makeSpan } from './fixtures/sdk-records.ts';

// Hostile input: every call must return a DecodeResult or throw OtlpDecodeError, and never hang.
// The PRNG is seeded, so a failure names a reproducible case.

type Decoder = (buf: Uint8Array) => DecodeResult<Batch>;

/** A seeded PRNG of integers below `n`. */
function prng(seed: number): (n: number) => number {
  const uint32 = mulberry32(seed);
  return (n) => Math.floor((uint32() / 4294967296) * n);
}

const HEX_ID = /^(?:[0-9a-f]{16}|[0-9a-f]{32})?$/;

/** Decodes and checks the outcome; returns a description of the failure, or '' when fine. */
function attempt(decode: Decoder, input: Uint8Array): string {
  try {
    const { batch, rejected, message } = decode(input);
    if (!Number.isInteger(rejected) || rejected < 0 || (rejected === 0) !== (message === '')) return 'bad counts';
    if (batch.signal === 'metrics') {
      for (const r of batch.resources) {
        for (const s of r.scopes) {
          if (s.records.length === 0) return 'empty scope group';
          for (const m of s.records) {
            if (m.data.points.length === 0) return `metric ${m.name} without points`;
            for (const p of m.data.points) {
              if (typeof p.timeUnixNano !== 'bigint' || p.timeUnixNano < 0n) return 'timestamp not a bigint';
              for (const e of 'exemplars' in p ? p.exemplars : []) if (!HEX_ID.test(e.traceId) || !HEX_ID.test(e.spanId)) return `bad exemplar id ${e.traceId}/${e.spanId}`;
            }
          }
        }
      }
      return '';
    }
    for (const r of batch.resources) {
      for (const s of r.scopes) {
        if (s.records.length === 0) return 'empty scope group';
        for (const rec of s.records) {
          if (!HEX_ID.test(rec.traceId) || !HEX_ID.test(rec.spanId)) return `bad id ${rec.traceId}/${rec.spanId}`;
          const time = 'startTimeUnixNano' in rec ? rec.startTimeUnixNano : rec.timeUnixNano;
          if (typeof time !== 'bigint' || time < 0n) return 'timestamp not a bigint';
        }
      }
    }
  } catch (err) {
    if (!(err instanceof OtlpDecodeError)) return `threw ${(err as Error)?.constructor?.name}: ${(err as Error)?.message}`;
    // A cause means the last-resort wrapper caught an unexpected exception: a decoder bug.
    if (err.cause !== undefined) return `unexpected ${String(err.cause)}`;
  }
  // A decoder that hung would fail the test by its timeout; how fast decoding is, `npm run bench` measures.
  return '';
}

function expectAllFine(decode: Decoder, inputs: Iterable<[string, Uint8Array]>): void {
  const failures: string[] = [];
  for (const [label, input] of inputs) {
    const failure = attempt(decode, input);
    if (failure !== '') failures.push(`${label}: ${failure}`);
  }
  expect(failures.slice(0, 5)).toEqual([]);
}

function* randomBytes(seed: number, count: number): Generator<[string, Uint8Array]> {
  const rnd = prng(seed);
  for (let i = 0; i < count; i++) {
    const bytes = Uint8Array.from({ length: rnd(200) }, () => rnd(256));
    // Half start like a real request (field 1, LEN), so the decoder gets past the first tag.
    if (i % 2 === 0 && bytes.length > 0) bytes[0] = 0x0a;
    yield [`random #${i} (seed ${seed})`, bytes];
  }
}

const FORGED_LENGTHS = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80],
  [0xfe, 0xff, 0xff, 0x7f],
];

/** One random corruption of `seed`: bit flips, truncation, insertion, deletion, forged lengths. */
function mutate(rnd: (n: number) => number, seed: Uint8Array): Uint8Array {
  const b = Array.from(seed);
  const at = rnd(b.length + 1);
  switch (rnd(7)) {
    case 0:
      for (let i = 1 + rnd(4); i > 0; i--) b[rnd(b.length)] ^= 1 << rnd(8);
      break;
    case 1:
      b.length = at;
      break;
    case 2:
      b.splice(at, 0, ...Array.from({ length: 1 + rnd(8) }, () => rnd(256)));
      break;
    case 3:
      b.splice(at, 1 + rnd(16));
      break;
    case 4:
      b.splice(at, rnd(3), ...FORGED_LENGTHS[rnd(FORGED_LENGTHS.length)]);
      break;
    case 5:
      b.splice(at, 0, ...b.slice(rnd(b.length), rnd(b.length) + 32));
      break;
    default:
      b[rnd(b.length)] = rnd(256);
  }
  return Uint8Array.from(b);
}

function* mutations(seed: number, count: number, valid: Uint8Array): Generator<[string, Uint8Array]> {
  const rnd = prng(seed);
  for (let i = 0; i < count; i++) yield [`mutation #${i} (seed ${seed})`, mutate(rnd, valid)];
}

function* truncations(valid: Uint8Array, step: number): Generator<[string, Uint8Array]> {
  for (let at = 0; at < valid.length; at += step) yield [`truncated at ${at}`, valid.subarray(0, at)];
}

const spans = [
  makeSpan({
    attributes: richAttributes,
    events: [{ name: 'e', time: [1, 2], attributes: { k: 'v', n: 1 } }],
    links: [{ context: { traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8), traceFlags: 1 }, attributes: { l: [1, 2] } }],
    status: { code: 2, message: 'x' },
    parentSpanId: '0102030405060708',
  }),
  makeSpan({ name: 'second', attributes: { a: 'b' } }),
];
const logs = [
  makeLog({ body: { nested: [1, 'two', { three: 3.5 }] }, attributes: richAttributes, traceId: 'ab'.repeat(16), spanId: 'cd'.repeat(8) }),
  makeLog({ body: 'plain', severityNumber: SeverityNumber.WARN }),
];
const protoTraces = ProtobufTraceSerializer.serializeRequest(spans)!;
const protoLogs = ProtobufLogsSerializer.serializeRequest(logs)!;
const jsonTraces = JsonTraceSerializer.serializeRequest(spans)!;
const jsonLogs = JsonLogsSerializer.serializeRequest(logs)!;

describe('fuzzing the decoders', () => {
  it.each([
    ['traces protobuf', decodeTracesProtobuf],
    ['logs protobuf', decodeLogsProtobuf],
    ['metrics protobuf', decodeMetricsProtobuf],
    ['traces JSON', decodeTracesJson],
    ['logs JSON', decodeLogsJson],
    ['metrics JSON', decodeMetricsJson],
  ] as [string, Decoder][])('%s: random byte strings either decode or throw OtlpDecodeError', (_label, decode) => {
    expectAllFine(decode, randomBytes(0xc0ffee, 2500));
  });

  it.each([
    ['traces', decodeTracesProtobuf, protoTraces, 11],
    ['logs', decodeLogsProtobuf, protoLogs, 12],
    ['metrics', decodeMetricsProtobuf, protoMetrics, 13],
  ] as [string, Decoder, Uint8Array, number][])('%s protobuf: mutations of a valid request either decode or throw OtlpDecodeError', (_label, decode, valid, seed) => {
    expect(() => decode(valid)).not.toThrow();
    expectAllFine(decode, mutations(seed, 4000, valid));
    expectAllFine(decode, truncations(valid, 1));
  });

  it.each([
    ['traces', decodeTracesJson, jsonTraces, 21],
    ['logs', decodeLogsJson, jsonLogs, 22],
    ['metrics', decodeMetricsJson, new TextEncoder().encode(jsonMetrics), 23],
  ] as [string, Decoder, Uint8Array, number][])('%s JSON: truncations and mutations either decode or throw OtlpDecodeError', (_label, decode, valid, seed) => {
    expect(() => decode(valid)).not.toThrow();
    expectAllFine(decode, truncations(valid, 3));
    expectAllFine(decode, mutations(seed, 2000, valid));
  });

  it('rejects JSON nested far deeper than the limit without exhausting the stack', () => {
    for (const depth of [65, 100_000]) {
      const value = '{"arrayValue":{"values":['.repeat(depth) + '{"intValue":1}' + ']}}'.repeat(depth);
      const body = new TextEncoder().encode(
        `{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":${value}}]}]}]}`,
      );
      expect(attempt(decodeLogsJson, body)).toBe('');
      expect(() => decodeLogsJson(body)).toThrow(OtlpDecodeError);
    }
  });

  it('rejects protobuf groups nested far deeper than the limit', () => {
    const depth = 100_000;
    const body = new Uint8Array(depth * 2);
    body.fill(0x0b, 0, depth); // SGROUP of field 1
    body.fill(0x0c, depth); // EGROUP of field 1
    expect(attempt(decodeTracesProtobuf, body)).toBe('');
    expect(() => decodeTracesProtobuf(body)).toThrow(/groups nested deeper than 64/);
  });
});
