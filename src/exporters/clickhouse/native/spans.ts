import type { Attributes, TraceBatch } from '../../../batch/types.ts';
import { asString } from '../../../batch/asString.ts';
import { assemble, columnHeader, emptyBlock, inOrder, type NativeBlock } from './block.ts';
import { encodeMap, encodeString, LcColumn, LcStrings, lcPrefix, MapColumn, Offsets, writeNanos, writeUInt64 } from './columns.ts';
import { ByteWriter } from './writer.ts';

const spanKinds = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const statusCodes = ['Unset', 'Ok', 'Error'];

const h = {
  timestamp: columnHeader('Timestamp', 'DateTime64(9)'),
  traceId: columnHeader('TraceId', 'String'),
  spanId: columnHeader('SpanId', 'String'),
  parentSpanId: columnHeader('ParentSpanId', 'String'),
  traceState: columnHeader('TraceState', 'String'),
  spanName: columnHeader('SpanName', 'LowCardinality(String)'),
  spanKind: columnHeader('SpanKind', 'LowCardinality(String)'),
  serviceName: columnHeader('ServiceName', 'LowCardinality(String)'),
  resourceAttributes: columnHeader('ResourceAttributes', 'Map(LowCardinality(String), String)'),
  scopeName: columnHeader('ScopeName', 'String'),
  scopeVersion: columnHeader('ScopeVersion', 'String'),
  spanAttributes: columnHeader('SpanAttributes', 'Map(LowCardinality(String), String)'),
  duration: columnHeader('Duration', 'UInt64'),
  statusCode: columnHeader('StatusCode', 'LowCardinality(String)'),
  statusMessage: columnHeader('StatusMessage', 'String'),
  eventTimes: columnHeader('Events.Timestamp', 'Array(DateTime64(9))'),
  eventNames: columnHeader('Events.Name', 'Array(LowCardinality(String))'),
  eventAttributes: columnHeader('Events.Attributes', 'Array(Map(LowCardinality(String), String))'),
  linkTraceIds: columnHeader('Links.TraceId', 'Array(String)'),
  linkSpanIds: columnHeader('Links.SpanId', 'Array(String)'),
  linkTraceStates: columnHeader('Links.TraceState', 'Array(String)'),
  linkAttributes: columnHeader('Links.Attributes', 'Array(Map(LowCardinality(String), String))'),
};

/** `otel_traces` columns in block order. */
export const spanColumns: readonly string[] = Object.freeze(Object.values(h).map((c) => c.name));

/** The resource's `service.name` as AsString text, `''` without one. */
export function serviceName(resource: Attributes): string {
  const service = resource.get('service.name');
  return service === undefined ? '' : asString(service);
}

/**
 * Encodes spans as one Native block of `otel_traces` rows holding exactly what `encodeSpans`
 * (JSONEachRow) stores: see that function for the values. One pass fills a writer per column;
 * resource and scope columns are encoded once per group and copied into each row.
 */
export function encodeSpansNative(batch: TraceBatch): NativeBlock {
  let rows = 0;
  for (const group of batch.resources) for (const scope of group.scopes) rows += scope.records.length;
  if (rows === 0) return emptyBlock;
  const s = (bytesPerRow: number) => new ByteWriter(rows * bytesPerRow);
  const [timestamp, traceId, spanId, parentSpanId, traceState] = [8, 33, 17, 17, 1].map(s);
  const [spanName, spanKind, service, statusCode] = [0, 0, 0, 0].map(() => new LcColumn(rows));
  const [scopeName, scopeVersion, duration, statusMessage] = [24, 8, 8, 1].map(s);
  const resourceAttributes = new MapColumn(rows, batch.resources[0]?.resource.attributes.size ?? 0);
  const spanAttributes = new MapColumn(rows);
  const events = new Offsets(rows);
  const [eventTimes, linkTraceIds, linkSpanIds, linkTraceStates] = [8, 1, 1, 1].map(s);
  const eventNames = new LcStrings();
  const eventAttributes = new MapColumn(rows, 1);
  const links = new Offsets(rows);
  const linkAttributes = new MapColumn(rows, 0);
  for (const group of batch.resources) {
    const groupService = serviceName(group.resource.attributes);
    const resource = encodeMap(group.resource.attributes);
    for (const scope of group.scopes) {
      const scopeNameBytes = encodeString(scope.scope.name);
      const scopeVersionBytes = encodeString(scope.scope.version);
      for (const span of scope.records) {
        const start = span.startTimeUnixNano;
        const end = span.endTimeUnixNano;
        writeNanos(timestamp, start);
        traceId.string(span.traceId);
        spanId.string(span.spanId);
        parentSpanId.string(span.parentSpanId);
        traceState.string(span.traceState);
        spanName.add(span.name);
        spanKind.add(spanKinds[span.kind] ?? '');
        service.add(groupService);
        resourceAttributes.addEncoded(resource);
        scopeName.raw(scopeNameBytes);
        scopeVersion.raw(scopeVersionBytes);
        spanAttributes.add(span.attributes);
        writeUInt64(duration, end > start ? end - start : 0n);
        statusCode.add(statusCodes[span.status.code] ?? '');
        statusMessage.string(span.status.message);
        for (const event of span.events) {
          writeNanos(eventTimes, event.timeUnixNano);
          eventNames.add(event.name);
          eventAttributes.add(event.attributes);
        }
        events.add(span.events.length);
        for (const link of span.links) {
          linkTraceIds.string(link.traceId);
          linkSpanIds.string(link.spanId);
          linkTraceStates.string(link.traceState);
          linkAttributes.add(link.attributes);
        }
        links.add(span.links.length);
      }
    }
  }
  // The Nested columns are arrays of equal lengths: the same offsets, once per column.
  const data: Record<keyof typeof h, ByteWriter[]> = {
    timestamp: [timestamp], traceId: [traceId], spanId: [spanId], parentSpanId: [parentSpanId], traceState: [traceState],
    spanName: spanName.parts(), spanKind: spanKind.parts(), serviceName: service.parts(), resourceAttributes: resourceAttributes.parts(),
    scopeName: [scopeName], scopeVersion: [scopeVersion], spanAttributes: spanAttributes.parts(), duration: [duration],
    statusCode: statusCode.parts(), statusMessage: [statusMessage], eventTimes: [events.data, eventTimes],
    eventNames: [lcPrefix, events.data, eventNames.body()], eventAttributes: eventAttributes.parts(events),
    linkTraceIds: [links.data, linkTraceIds], linkSpanIds: [links.data, linkSpanIds],
    linkTraceStates: [links.data, linkTraceStates], linkAttributes: linkAttributes.parts(links),
  };
  return assemble(inOrder(h, data), rows);
}
