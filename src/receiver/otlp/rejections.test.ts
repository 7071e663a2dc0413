import { describe, expect, it } from 'vitest';
import type { Batch } from '../../batch/types.ts';
import { decodeLogsJson, decodeLogsProtobuf, decodeTracesJson, decodeTracesProtobuf, OtlpDecodeError } from './index.ts';
import {
  concat,
  hexBytes,
  len,
  logsRequest,
  PARENT_ID,
  SPAN_ID,
  spanBody,
  str,
  TRACE_ID,
  traceRequest,
} from './fixtures/proto-writer.ts';

const bytes = (n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => i + 1);
/** A Span body with the given raw trace_id / span_id bytes. */
const spanWithIds = (name: string, traceId: Uint8Array, spanId: Uint8Array, ...extra: Uint8Array[]): Uint8Array =>
  concat(len(1, traceId), len(2, spanId), str(5, name), ...extra);
const names = (batch: Batch): unknown[] =>
  batch.resources.flatMap((r) => r.scopes.flatMap((s) => s.records.map((rec) => ('name' in rec ? rec.name : rec.body))));

describe('rejecting single records with bad IDs (protobuf)', () => {
  it.each([
    ['a 5-byte trace_id', spanWithIds('bad', bytes(5), bytes(8)), '1 span rejected: trace_id must be 16 bytes, got 5'],
    ['a 3-byte span_id', spanWithIds('bad', bytes(16), bytes(3)), '1 span rejected: span_id must be 8 bytes, got 3'],
    ['a 16-byte parent_span_id', spanBody('bad', len(4, bytes(16))), '1 span rejected: parent_span_id must be 8 bytes, got 16'],
    ['a link with a 4-byte trace_id', spanBody('bad', len(13, len(1, bytes(4)), hexBytes(2, SPAN_ID))), '1 span rejected: link trace_id must be 16 bytes, got 4'],
    ['a link with a 9-byte span_id', spanBody('bad', len(13, hexBytes(1, TRACE_ID), len(2, bytes(9)))), '1 span rejected: link span_id must be 8 bytes, got 9'],
  ])('leaves out a span with %s and keeps the rest', (_label, badSpan, message) => {
    const result = decodeTracesProtobuf(traceRequest(spanBody('ok1'), badSpan, spanBody('ok2')));
    expect(names(result.batch)).toEqual(['ok1', 'ok2']);
    expect(result.rejected).toBe(1);
    expect(result.message).toBe(message);
  });

  it('counts every rejected span and lists each distinct reason once', () => {
    const result = decodeTracesProtobuf(
      traceRequest(
        spanWithIds('a', bytes(5), bytes(8)),
        spanBody('ok'),
        spanWithIds('b', bytes(5), bytes(8)),
        spanWithIds('c', bytes(16), bytes(1)),
      ),
    );
    expect(names(result.batch)).toEqual(['ok']);
    expect(result.rejected).toBe(3);
    expect(result.message).toBe('3 spans rejected: trace_id must be 16 bytes, got 5; span_id must be 8 bytes, got 1');
  });

  it('quotes at most five distinct reasons', () => {
    const spans = [1, 2, 3, 4, 5, 6, 7].map((n) => spanWithIds(`s${n}`, bytes(n), bytes(8)));
    const { rejected, message } = decodeTracesProtobuf(traceRequest(...spans));
    expect(rejected).toBe(7);
    expect(message).toBe(
      '7 spans rejected: trace_id must be 16 bytes, got 1; trace_id must be 16 bytes, got 2; ' +
        'trace_id must be 16 bytes, got 3; trace_id must be 16 bytes, got 4; ' +
        'trace_id must be 16 bytes, got 5; and other reasons',
    );
  });

  it('drops scope and resource groups whose every span was rejected', () => {
    const result = decodeTracesProtobuf(traceRequest(spanWithIds('bad', bytes(5), bytes(8))));
    expect(result.batch.resources).toEqual([]);
    expect(result.rejected).toBe(1);
  });

  it('still fails the whole request when a rejected span is followed by malformed bytes', () => {
    const body = concat(traceRequest(spanWithIds('bad', bytes(5), bytes(8))), Uint8Array.from([0x0a, 0x05, 0x01]));
    expect(() => decodeTracesProtobuf(body)).toThrow(OtlpDecodeError);
  });

  it('leaves out log records with a wrong-length trace_id or span_id but accepts missing ones', () => {
    const result = decodeLogsProtobuf(
      logsRequest(
        concat(str(3, 'ok-with-ids'), hexBytes(9, TRACE_ID), hexBytes(10, SPAN_ID)),
        concat(str(3, 'bad-trace'), len(9, bytes(5))),
        concat(str(3, 'ok-without-ids')),
        concat(str(3, 'bad-span'), hexBytes(9, TRACE_ID), len(10, bytes(4))),
      ),
    );
    const texts = result.batch.resources[0].scopes[0].records.map((r) => [r.severityText, r.traceId, r.spanId]);
    expect(texts).toEqual([
      ['ok-with-ids', TRACE_ID, SPAN_ID],
      ['ok-without-ids', '', ''],
    ]);
    expect(result.rejected).toBe(2);
    expect(result.message).toBe('2 log records rejected: trace_id must be 16 bytes, got 5; span_id must be 8 bytes, got 4');
  });
});

describe('rejecting single records with bad IDs (JSON)', () => {
  const utf8 = (o: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(o));
  const traces = (...spans: object[]): Uint8Array => utf8({ resourceSpans: [{ scopeSpans: [{ spans }] }] });
  const ok = (name: string): object => ({ traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: PARENT_ID, name });

  it.each([
    ['a short traceId', { traceId: '5b8efff798', spanId: SPAN_ID }, '1 span rejected: trace_id must be 32 hex digits, got 10'],
    ['a non-hex traceId', { traceId: 'z'.repeat(32), spanId: SPAN_ID }, '1 span rejected: trace_id is not valid hex'],
    ['a numeric traceId', { traceId: 12345, spanId: SPAN_ID }, '1 span rejected: trace_id must be a hex string'],
    ['a base64 spanId', { traceId: TRACE_ID, spanId: '7uGbfsPBsXQ=' }, '1 span rejected: span_id must be 16 hex digits, got 12'],
    ['a long parentSpanId', { traceId: TRACE_ID, spanId: SPAN_ID, parentSpanId: TRACE_ID }, '1 span rejected: parent_span_id must be 16 hex digits, got 32'],
    ['a link with a bad spanId', { ...ok('x'), links: [{ traceId: TRACE_ID, spanId: 'xyz' }] }, '1 span rejected: link span_id must be 16 hex digits, got 3'],
  ])('leaves out a span with %s and keeps the rest', (_label, badSpan, message) => {
    const result = decodeTracesJson(traces(ok('ok1'), { ...badSpan, name: 'bad' }, ok('ok2')));
    expect(names(result.batch)).toEqual(['ok1', 'ok2']);
    expect(result.rejected).toBe(1);
    expect(result.message).toBe(message);
  });

  it('leaves out log records with bad IDs but accepts missing ones', () => {
    const body = utf8({
      resourceLogs: [
        {
          scopeLogs: [
            {
              logRecords: [
                { body: { stringValue: 'ok' }, traceId: TRACE_ID.toUpperCase(), spanId: SPAN_ID },
                { body: { stringValue: 'bad' }, traceId: 'abc' },
                { body: { stringValue: 'no-ids' } },
                { body: { stringValue: 'bad-span' }, spanId: 'g'.repeat(16) },
              ],
            },
          ],
        },
      ],
    });
    const result = decodeLogsJson(body);
    expect(names(result.batch)).toEqual(['ok', 'no-ids']);
    expect(result.rejected).toBe(2);
    expect(result.message).toBe('2 log records rejected: trace_id must be 32 hex digits, got 3; span_id is not valid hex');
  });
});
