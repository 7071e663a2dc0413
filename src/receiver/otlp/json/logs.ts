import type { LogBatch, LogRecord, ResourceGroup, ScopeGroup } from '../../../batch/types.ts';
import { asDecodeError } from '../errors.ts';
import { Rejections, type DecodeResult } from '../rejections.ts';
import { asArray, asElement, field, readAnyValue, readAttributes, readResource, readScope } from './common.ts';
import { SEVERITY_NUMBER_NAMES } from './enums.ts';
import { parseJsonBody, type JsonObject } from './parse.ts';
import { asEnum, asHexId, asString, asUint32, asUint64 } from './scalars.ts';

/**
 * Decodes an OTLP/JSON `ExportLogsServiceRequest` (UTF-8 bytes) into a {@link LogBatch}, with
 * the same leniency as {@link decodeTracesJson}. A log record whose trace_id / span_id is
 * present but of the wrong length or not hex is left out and counted in `rejected`; a missing
 * ID is fine (`''`). Scope and resource groups left without records are dropped.
 *
 * @throws OtlpDecodeError for invalid UTF-8/JSON, a non-object root, or a value of the wrong
 *   JSON type. Nothing else.
 */
export function decodeLogsJson(buf: Uint8Array): DecodeResult<LogBatch> {
  try {
    const root = parseJsonBody(buf);
    const rej = new Rejections('log record', 'log records');
    const resources: ResourceGroup<LogRecord>[] = [];
    const list = asArray(field(root, 'resourceLogs', 'resource_logs'), 'resourceLogs');
    for (const item of list) {
      const o = asElement(item, 'resourceLogs');
      const scopes: ScopeGroup<LogRecord>[] = [];
      for (const s of asArray(field(o, 'scopeLogs', 'scope_logs'), 'scopeLogs')) {
        const group = readScopeLogs(asElement(s, 'scopeLogs'), rej);
        if (group.records.length > 0) scopes.push(group);
      }
      const resource = readResource(o.resource);
      const schemaUrl = asString(field(o, 'schemaUrl', 'schema_url'), 'schemaUrl');
      if (scopes.length > 0) resources.push({ resource, schemaUrl, scopes });
    }
    return rej.result({ signal: 'logs', resources });
  } catch (err) {
    throw asDecodeError(err);
  }
}

function readScopeLogs(o: JsonObject, rej: Rejections): ScopeGroup<LogRecord> {
  const records: LogRecord[] = [];
  for (const item of asArray(field(o, 'logRecords', 'log_records'), 'logRecords')) {
    const record = readLogRecord(asElement(item, 'logRecords'), rej);
    if (record !== null) records.push(record);
  }
  return {
    scope: readScope(o.scope),
    schemaUrl: asString(field(o, 'schemaUrl', 'schema_url'), 'schemaUrl'),
    records,
  };
}

function readLogRecord(o: JsonObject, rej: Rejections): LogRecord | null {
  const record: LogRecord = {
    timeUnixNano: asUint64(field(o, 'timeUnixNano', 'time_unix_nano'), 'logRecord.timeUnixNano'),
    observedTimeUnixNano: asUint64(
      field(o, 'observedTimeUnixNano', 'observed_time_unix_nano'),
      'logRecord.observedTimeUnixNano',
    ),
    severityNumber: asEnum(
      field(o, 'severityNumber', 'severity_number'),
      SEVERITY_NUMBER_NAMES,
      'logRecord.severityNumber',
    ),
    severityText: asString(field(o, 'severityText', 'severity_text'), 'logRecord.severityText'),
    body: readAnyValue(o.body, 0),
    attributes: new Map(),
    droppedAttributesCount: asUint32(
      field(o, 'droppedAttributesCount', 'dropped_attributes_count'),
      'logRecord.droppedAttributesCount',
    ),
    flags: asUint32(o.flags, 'logRecord.flags'),
    traceId: asHexId(field(o, 'traceId', 'trace_id'), 16, 'trace_id', rej),
    spanId: asHexId(field(o, 'spanId', 'span_id'), 8, 'span_id', rej),
    eventName: asString(field(o, 'eventName', 'event_name'), 'logRecord.eventName'),
  };
  readAttributes(o.attributes, record.attributes, 0, 'logRecord.attributes');
  return rej.settle() ? null : record;
}
