import type { Attributes, LogBatch, TraceBatch } from '../../batch/types.ts';
import { asString } from './asString.ts';

/** Rows for one table in ClickHouse's `JSONEachRow` format: one JSON object per line. */
export interface EncodedRows {
  body: string;
  rows: number;
}

const spanKinds = ['Unspecified', 'Internal', 'Server', 'Client', 'Producer', 'Consumer'];
const statusCodes = ['Unset', 'Ok', 'Error'];

/** Largest instant a `DateTime64(9)` holds (2262-04-11); later values are clamped so an insert never fails on them. */
const maxNanos = (1n << 63n) - 1n;

function nanos(t: bigint): string {
  return t < 0n ? '0' : t > maxNanos ? maxNanos.toString() : t.toString();
}

const str = JSON.stringify as (s: string) => string;

/** A `Map(LowCardinality(String), String)` value: attribute values stringified like the Collector's AsString. */
export function mapJson(attributes: Attributes): string {
  if (attributes.size === 0) return '{}';
  let out = '{';
  for (const [key, value] of attributes) {
    if (out.length > 1) out += ',';
    out += str(key) + ':' + str(asString(value));
  }
  return out + '}';
}

/**
 * Encodes spans as `otel_traces` rows, column for column as the contrib clickhouseexporter writes
 * them (reference/clickhouse-otel-schema.md §1.1, §2). Resource and scope columns are encoded once
 * per group, not per span.
 */
export function encodeSpans(batch: TraceBatch): EncodedRows {
  let body = '';
  let rows = 0;
  for (const group of batch.resources) {
    const resource = group.resource.attributes;
    const service = resource.get('service.name');
    const resourceCols = `"ServiceName":${str(service === undefined ? '' : asString(service))},"ResourceAttributes":${mapJson(resource)}`;
    for (const scope of group.scopes) {
      const scopeCols = `"ScopeName":${str(scope.scope.name)},"ScopeVersion":${str(scope.scope.version)}`;
      for (const span of scope.records) {
        const duration = span.endTimeUnixNano > span.startTimeUnixNano ? span.endTimeUnixNano - span.startTimeUnixNano : 0n;
        let eventTimes = '';
        let eventNames = '';
        let eventAttrs = '';
        for (const event of span.events) {
          const sep = eventTimes ? ',' : '';
          eventTimes += sep + nanos(event.timeUnixNano);
          eventNames += sep + str(event.name);
          eventAttrs += sep + mapJson(event.attributes);
        }
        let linkTraces = '';
        let linkSpans = '';
        let linkStates = '';
        let linkAttrs = '';
        for (const link of span.links) {
          const sep = linkTraces ? ',' : '';
          linkTraces += sep + str(link.traceId);
          linkSpans += sep + str(link.spanId);
          linkStates += sep + str(link.traceState);
          linkAttrs += sep + mapJson(link.attributes);
        }
        body +=
          `{"Timestamp":${nanos(span.startTimeUnixNano)},"TraceId":"${span.traceId}","SpanId":"${span.spanId}",` +
          `"ParentSpanId":"${span.parentSpanId}","TraceState":${str(span.traceState)},"SpanName":${str(span.name)},` +
          `"SpanKind":"${spanKinds[span.kind] ?? ''}",${resourceCols},${scopeCols},"SpanAttributes":${mapJson(span.attributes)},` +
          `"Duration":${duration},"StatusCode":"${statusCodes[span.status.code] ?? ''}","StatusMessage":${str(span.status.message)},` +
          `"Events.Timestamp":[${eventTimes}],"Events.Name":[${eventNames}],"Events.Attributes":[${eventAttrs}],` +
          `"Links.TraceId":[${linkTraces}],"Links.SpanId":[${linkSpans}],"Links.TraceState":[${linkStates}],"Links.Attributes":[${linkAttrs}]}\n`;
        rows++;
      }
    }
  }
  return { body, rows };
}

/**
 * Encodes log records as `otel_logs` rows (current layout, reference §1.3, §2): `Timestamp` falls
 * back to the observed time when the record has none; `Body` goes through AsString.
 */
export function encodeLogs(batch: LogBatch): EncodedRows {
  let body = '';
  let rows = 0;
  for (const group of batch.resources) {
    const resource = group.resource.attributes;
    const service = resource.get('service.name');
    const resourceCols =
      `"ServiceName":${str(service === undefined ? '' : asString(service))},"ResourceSchemaUrl":${str(group.schemaUrl)},` +
      `"ResourceAttributes":${mapJson(resource)}`;
    for (const scope of group.scopes) {
      const scopeCols =
        `"ScopeSchemaUrl":${str(scope.schemaUrl)},"ScopeName":${str(scope.scope.name)},"ScopeVersion":${str(scope.scope.version)},` +
        `"ScopeAttributes":${mapJson(scope.scope.attributes)}`;
      for (const log of scope.records) {
        const time = log.timeUnixNano !== 0n ? log.timeUnixNano : log.observedTimeUnixNano;
        body +=
          `{"Timestamp":${nanos(time)},"TraceId":"${log.traceId}","SpanId":"${log.spanId}","TraceFlags":${log.flags & 0xff},` +
          `"SeverityText":${str(log.severityText)},"SeverityNumber":${log.severityNumber & 0xff},${resourceCols},${scopeCols},` +
          `"Body":${str(asString(log.body))},"LogAttributes":${mapJson(log.attributes)},"EventName":${str(log.eventName)}}\n`;
        rows++;
      }
    }
  }
  return { body, rows };
}
