import { createHash } from 'node:crypto';

import { wellFormed } from '../../batch/asString.ts';
import type { Occurrence } from '../types.ts';

/** Largest instant a `DateTime64(9)` holds (2262-04-11); later values are clamped, as the telemetry encoder does. */
const maxNanos = (1n << 63n) - 1n;

function nanos(t: bigint): string {
  return (t < 0n ? 0n : t > maxNanos ? maxNanos : t).toString();
}

const str = (s: string): string => JSON.stringify(wellFormed(s));

/**
 * The occurrence's stable id: 32 hex digits of SHA-256 over what identifies it — source, time (ns),
 * trace and span ids, fingerprint, service, type, message and the client ids. The same occurrence
 * extracted again from a retried request (same data, same processing) gets the same id; two
 * exceptions recorded on one span at the same nanosecond with the same type and message are the
 * same occurrence for this purpose. Fields are separated by NUL so no two field lists collide.
 */
export function eventId(o: Occurrence): string {
  const key = [
    o.source, o.timeUnixNano.toString(), o.traceId, o.spanId, o.fingerprint, o.service, o.type, o.message,
    o.installationId, o.deviceId, o.sessionId,
  ].join('\u0000');
  return createHash('sha256').update(wellFormed(key)).digest('hex').slice(0, 32);
}

const maxUInt32 = 0xffff_ffff;

/**
 * The `Occurrences` (UInt32) an occurrence is stored with: its `count`, an integer in [1, 2^32 - 1]
 * (extraction already caps it far lower); anything else stores 1, so an encoder never writes a
 * value ClickHouse would refuse.
 */
export function storedCount(o: Occurrence): number {
  const n = o.count;
  return Number.isInteger(n) && n >= 1 ? Math.min(n, maxUInt32) : 1;
}

/**
 * Encodes occurrences as `otelhouse_error_events` rows in `JSONEachRow`: `Timestamp` as exact
 * nanoseconds (an integer, which ClickHouse reads as `DateTime64(9)` ticks), strings as JSON with
 * lone surrogates replaced by U+FFFD, `Occurrences` as {@link storedCount}.
 */
export function encodeErrorEvents(occurrences: readonly Occurrence[]): { body: string; rows: number } {
  let body = '';
  for (const o of occurrences) {
    body +=
      `{"Timestamp":${nanos(o.timeUnixNano)},"EventId":"${eventId(o)}","Fingerprint":${str(o.fingerprint)},` +
      `"Source":${str(o.source)},"ServiceName":${str(o.service)},"ServiceVersion":${str(o.version)},` +
      `"Environment":${str(o.environment)},"Platform":${str(o.platform)},"ExceptionType":${str(o.type)},` +
      `"Message":${str(o.message)},"NormalizedMessage":${str(o.normalizedMessage)},"StackTrace":${str(o.stacktrace)},` +
      `"Culprit":${str(o.culprit)},"Severity":${str(o.severity)},"TraceId":${str(o.traceId)},"SpanId":${str(o.spanId)},` +
      `"UserId":${str(o.userId)},"InstallationId":${str(o.installationId)},"DeviceId":${str(o.deviceId)},` +
      `"SessionId":${str(o.sessionId)},"Occurrences":${storedCount(o)}}\n`;
  }
  return { body, rows: occurrences.length };
}
