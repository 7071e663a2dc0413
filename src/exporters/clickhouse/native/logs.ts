import type { LogBatch } from '../../../batch/types.ts';
import { assemble, columnHeader, emptyBlock, inOrder, type NativeBlock } from './block.ts';
import { encodeMap, encodeString, LcColumn, MapColumn, writeNanos, writeValue } from './columns.ts';
import { serviceName } from './spans.ts';
import { ByteWriter } from './writer.ts';

const h = {
  timestamp: columnHeader('Timestamp', 'DateTime64(9)'),
  traceId: columnHeader('TraceId', 'String'),
  spanId: columnHeader('SpanId', 'String'),
  traceFlags: columnHeader('TraceFlags', 'UInt8'),
  severityText: columnHeader('SeverityText', 'LowCardinality(String)'),
  severityNumber: columnHeader('SeverityNumber', 'UInt8'),
  serviceName: columnHeader('ServiceName', 'LowCardinality(String)'),
  body: columnHeader('Body', 'String'),
  resourceSchemaUrl: columnHeader('ResourceSchemaUrl', 'LowCardinality(String)'),
  resourceAttributes: columnHeader('ResourceAttributes', 'Map(LowCardinality(String), String)'),
  scopeSchemaUrl: columnHeader('ScopeSchemaUrl', 'LowCardinality(String)'),
  scopeName: columnHeader('ScopeName', 'String'),
  scopeVersion: columnHeader('ScopeVersion', 'LowCardinality(String)'),
  scopeAttributes: columnHeader('ScopeAttributes', 'Map(LowCardinality(String), String)'),
  logAttributes: columnHeader('LogAttributes', 'Map(LowCardinality(String), String)'),
  eventName: columnHeader('EventName', 'String'),
};

/** `otel_logs` columns in block order. */
export const logColumns: readonly string[] = Object.freeze(Object.values(h).map((c) => c.name));

/**
 * Encodes log records as one Native block of `otel_logs` rows holding exactly what `encodeLogs`
 * (JSONEachRow) stores: `Timestamp` falls back to the observed time when 0, flags and severity
 * number keep their low byte, `Body` goes through AsString. Resource and scope columns are
 * encoded once per group.
 */
export function encodeLogsNative(batch: LogBatch): NativeBlock {
  let rows = 0;
  for (const group of batch.resources) for (const scope of group.scopes) rows += scope.records.length;
  if (rows === 0) return emptyBlock;
  const s = (bytesPerRow: number) => new ByteWriter(rows * bytesPerRow);
  const [timestamp, traceId, spanId, traceFlags, severityNumber, body, scopeName, eventName] = [8, 33, 17, 1, 1, 64, 24, 1].map(s);
  const [severityText, service, resourceSchemaUrl, scopeSchemaUrl, scopeVersion] = [0, 0, 0, 0, 0].map(() => new LcColumn(rows));
  const resourceAttributes = new MapColumn(rows, batch.resources[0]?.resource.attributes.size ?? 0);
  const scopeAttributes = new MapColumn(rows, 0);
  const logAttributes = new MapColumn(rows);
  for (const group of batch.resources) {
    const groupService = serviceName(group.resource.attributes);
    const resource = encodeMap(group.resource.attributes);
    for (const scope of group.scopes) {
      const scopeNameBytes = encodeString(scope.scope.name);
      const scopeMap = encodeMap(scope.scope.attributes);
      for (const log of scope.records) {
        writeNanos(timestamp, log.timeUnixNano !== 0n ? log.timeUnixNano : log.observedTimeUnixNano);
        traceId.string(log.traceId);
        spanId.string(log.spanId);
        traceFlags.u8(log.flags & 0xff);
        severityText.add(log.severityText);
        severityNumber.u8(log.severityNumber & 0xff);
        service.add(groupService);
        writeValue(body, log.body);
        resourceSchemaUrl.add(group.schemaUrl);
        resourceAttributes.addEncoded(resource);
        scopeSchemaUrl.add(scope.schemaUrl);
        scopeName.raw(scopeNameBytes);
        scopeVersion.add(scope.scope.version);
        scopeAttributes.addEncoded(scopeMap);
        logAttributes.add(log.attributes);
        eventName.string(log.eventName);
      }
    }
  }
  const data: Record<keyof typeof h, ByteWriter[]> = {
    timestamp: [timestamp], traceId: [traceId], spanId: [spanId], traceFlags: [traceFlags], severityText: severityText.parts(),
    severityNumber: [severityNumber], serviceName: service.parts(), body: [body], resourceSchemaUrl: resourceSchemaUrl.parts(),
    resourceAttributes: resourceAttributes.parts(), scopeSchemaUrl: scopeSchemaUrl.parts(), scopeName: [scopeName],
    scopeVersion: scopeVersion.parts(), scopeAttributes: scopeAttributes.parts(), logAttributes: logAttributes.parts(),
    eventName: [eventName],
  };
  return assemble(inOrder(h, data), rows);
}
