import { eventId, storedCount } from '../../../issues/store/rows.ts';
import type { Occurrence } from '../../../issues/types.ts';
import { assemble, columnHeader, inOrder, type NativeBlock } from './block.ts';
import { writeNanos } from './columns.ts';
import { ByteWriter } from './writer.ts';

/** The String columns after `Timestamp`, in table order, each with the occurrence's value. */
const strings = {
  EventId: eventId,
  Fingerprint: (o: Occurrence) => o.fingerprint,
  Source: (o: Occurrence) => o.source,
  ServiceName: (o: Occurrence) => o.service,
  ServiceVersion: (o: Occurrence) => o.version,
  Environment: (o: Occurrence) => o.environment,
  Platform: (o: Occurrence) => o.platform,
  ExceptionType: (o: Occurrence) => o.type,
  Message: (o: Occurrence) => o.message,
  NormalizedMessage: (o: Occurrence) => o.normalizedMessage,
  StackTrace: (o: Occurrence) => o.stacktrace,
  Culprit: (o: Occurrence) => o.culprit,
  Severity: (o: Occurrence) => o.severity,
  TraceId: (o: Occurrence) => o.traceId,
  SpanId: (o: Occurrence) => o.spanId,
  UserId: (o: Occurrence) => o.userId,
  InstallationId: (o: Occurrence) => o.installationId,
  DeviceId: (o: Occurrence) => o.deviceId,
  SessionId: (o: Occurrence) => o.sessionId,
};
type StringColumn = keyof typeof strings;
const stringNames = Object.keys(strings) as StringColumn[];

const h = {
  Timestamp: columnHeader('Timestamp', 'DateTime64(9)'),
  ...(Object.fromEntries(stringNames.map((name) => [name, columnHeader(name, 'String')])) as Record<StringColumn, ReturnType<typeof columnHeader>>),
  // Last, as migration 5 added it: a block written before holds a prefix of these columns.
  Occurrences: columnHeader('Occurrences', 'UInt32'),
};

/** `otelhouse_error_events` columns in block order. */
export const errorEventColumns: readonly string[] = Object.freeze(Object.keys(h));

/**
 * Encodes occurrences as one Native block of `otelhouse_error_events` rows holding exactly what
 * `encodeErrorEvents` (JSONEachRow) stores, `EventId` included (see `eventId`).
 */
export function encodeErrorEventsNative(occurrences: readonly Occurrence[]): NativeBlock {
  const rows = occurrences.length;
  const timestamp = new ByteWriter(rows * 8);
  const columns = stringNames.map(() => new ByteWriter(rows * 32));
  const counts = new ByteWriter(rows * 4);
  for (const o of occurrences) {
    writeNanos(timestamp, o.timeUnixNano);
    for (let c = 0; c < stringNames.length; c++) columns[c].string(strings[stringNames[c]](o));
    counts.u32(storedCount(o));
  }
  const data = { Timestamp: [timestamp], Occurrences: [counts] } as Record<keyof typeof h, ByteWriter[]>;
  stringNames.forEach((name, c) => (data[name] = [columns[c]]));
  return assemble(inOrder(h, data), rows);
}
