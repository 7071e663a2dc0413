import type { LogBatch, LogRecord, ResourceGroup, ScopeGroup } from '../../../batch/types.ts';
import { asDecodeError } from '../errors.ts';
import { Rejections, type DecodeResult } from '../rejections.ts';
import { emptyResource, emptyScope, rejectId, readAnyValue, readKeyValue, readResource, readScope } from './common.ts';
import { ProtoReader } from './reader.ts';

// Tags are `field_number << 3 | wire_type`, from opentelemetry/proto/logs/v1/logs.proto and
// collector/logs/v1/logs_service.proto.

/**
 * Decodes an OTLP/HTTP protobuf `ExportLogsServiceRequest` straight into a {@link LogBatch}.
 *
 * A log record whose trace_id is neither empty nor 16 bytes, or whose span_id is neither empty
 * nor 8 bytes, is left out and counted in `rejected`; the rest is returned. Scope and resource
 * groups left without records are dropped. Unknown fields are skipped.
 *
 * @throws OtlpDecodeError when the bytes are not a well-formed message. Nothing else.
 */
export function decodeLogsProtobuf(buf: Uint8Array): DecodeResult<LogBatch> {
  try {
    const r = new ProtoReader(buf);
    const rejections = new Rejections('log record', 'log records');
    const resources: ResourceGroup<LogRecord>[] = [];
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag === 10) readResourceLogs(r, rejections, resources); // resource_logs = 1
      else r.skip(tag);
    }
    return rejections.result({ signal: 'logs', resources });
  } catch (err) {
    throw asDecodeError(err);
  }
}

function readResourceLogs(r: ProtoReader, rej: Rejections, out: ResourceGroup<LogRecord>[]): void {
  const end = r.messageEnd();
  const group: ResourceGroup<LogRecord> = { resource: emptyResource(), schemaUrl: '', scopes: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) readResource(r, group.resource); // resource = 1
    else if (tag === 18) readScopeLogs(r, rej, group.scopes); // scope_logs = 2
    else if (tag === 26) group.schemaUrl = r.string(); // schema_url = 3
    else r.skip(tag);
  }
  r.checkEnd(end);
  if (group.scopes.length > 0) out.push(group);
}

function readScopeLogs(r: ProtoReader, rej: Rejections, out: ScopeGroup<LogRecord>[]): void {
  const end = r.messageEnd();
  const group: ScopeGroup<LogRecord> = { scope: emptyScope(), schemaUrl: '', records: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 18) {
      // log_records = 2
      const record = readLogRecord(r, rej);
      if (record !== null) group.records.push(record);
    } else if (tag === 10) readScope(r, group.scope); // scope = 1
    else if (tag === 26) group.schemaUrl = r.string(); // schema_url = 3
    else r.skip(tag);
  }
  r.checkEnd(end);
  if (group.records.length > 0) out.push(group);
}

/** Reads one LogRecord; returns null (after counting it) when it must be rejected. */
function readLogRecord(r: ProtoReader, rej: Rejections): LogRecord | null {
  const end = r.messageEnd();
  const record: LogRecord = {
    timeUnixNano: 0n,
    observedTimeUnixNano: 0n,
    severityNumber: 0,
    severityText: '',
    body: null,
    attributes: new Map(),
    droppedAttributesCount: 0,
    flags: 0,
    traceId: '',
    spanId: '',
    eventName: '',
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 9: // time_unix_nano = 1
        record.timeUnixNano = r.fixed64();
        break;
      case 16: // severity_number = 2
        record.severityNumber = r.int32();
        break;
      case 26: // severity_text = 3
        record.severityText = r.string();
        break;
      case 42: // body = 5
        record.body = readAnyValue(r, 0);
        break;
      case 50: // attributes = 6
        readKeyValue(r, record.attributes, 0);
        break;
      case 56: // dropped_attributes_count = 7
        record.droppedAttributesCount = r.uint32();
        break;
      case 69: // flags = 8 (fixed32)
        record.flags = r.fixed32();
        break;
      case 74: // trace_id = 9
        record.traceId = r.id(16) ?? rejectId(r, rej, 'trace_id', 16);
        break;
      case 82: // span_id = 10
        record.spanId = r.id(8) ?? rejectId(r, rej, 'span_id', 8);
        break;
      case 89: // observed_time_unix_nano = 11
        record.observedTimeUnixNano = r.fixed64();
        break;
      case 98: // event_name = 12
        record.eventName = r.string();
        break;
      default:
        r.skip(tag);
    }
  }
  r.checkEnd(end);
  return rej.settle() ? null : record;
}
