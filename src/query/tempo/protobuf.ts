/**
 * A small protobuf writer for the OTLP trace model of {@link ./otlp.ts} and Tempo's wrappers
 * (`tempopb.Trace`, `tempopb.TraceByIDResponse`). Field numbers are those of
 * opentelemetry-proto `trace/v1/trace.proto`, `common/v1/common.proto`, `resource/v1/resource.proto`
 * and Tempo's `tempo.proto`; proto3 defaults (empty strings, zero numbers) are left out.
 */
import { concat, tag, varint } from '../../receiver/otlp/protobuf/writer.ts';
import type { KeyValue, OtlpSpan, ResourceSpans } from './otlp.ts';

type Part = Uint8Array;
const utf8 = new TextEncoder();

const key = tag;
const bytesField = (field: number, bytes: Part): Part[] => [key(field, 2), varint(bytes.length), bytes];
const message = (field: number, parts: Part[]): Part[] => bytesField(field, concat(parts));
const string = (field: number, s: string): Part[] => (s ? bytesField(field, utf8.encode(s)) : []);
const hex = (field: number, id: string): Part[] => (id ? bytesField(field, Buffer.from(id, 'hex')) : []);
const enumField = (field: number, n: number): Part[] => (n ? [key(field, 0), varint(n)] : []);
function fixed64(field: number, decimal: string): Part[] {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(decimal), true);
  return [key(field, 1), b];
}

const keyValue = (field: number, kv: KeyValue): Part[] =>
  message(field, [...string(1, kv.key), ...message(2, string(1, kv.value.stringValue))]);

function span(s: OtlpSpan): Part[] {
  return [
    ...hex(1, s.traceId), ...hex(2, s.spanId), ...string(3, s.traceState), ...hex(4, s.parentSpanId),
    ...string(5, s.name), ...enumField(6, s.kind), ...fixed64(7, s.startTimeUnixNano), ...fixed64(8, s.endTimeUnixNano),
    ...s.attributes.flatMap((kv) => keyValue(9, kv)),
    ...s.events.flatMap((e) => message(11, [...fixed64(1, e.timeUnixNano), ...string(2, e.name), ...e.attributes.flatMap((kv) => keyValue(3, kv))])),
    ...s.links.flatMap((l) => message(13, [...hex(1, l.traceId), ...hex(2, l.spanId), ...string(3, l.traceState), ...l.attributes.flatMap((kv) => keyValue(4, kv))])),
    ...message(15, [...string(2, s.status.message ?? ''), ...enumField(3, s.status.code)]),
  ];
}

function resourceSpans(rs: ResourceSpans): Part[] {
  return [
    ...message(1, rs.resource.attributes.flatMap((kv) => keyValue(1, kv))),
    ...rs.scopeSpans.flatMap((ss) => message(2, [
      ...message(1, [...string(1, ss.scope.name), ...string(2, ss.scope.version)]),
      ...ss.spans.flatMap((s) => message(2, span(s))),
    ])),
  ];
}

/** `tempopb.Trace` (= OTLP `TracesData`): `repeated ResourceSpans resourceSpans = 1`. */
export function encodeTrace(batches: ResourceSpans[]): Uint8Array {
  return concat(batches.flatMap((rs) => message(1, resourceSpans(rs))));
}

/** `tempopb.TraceByIDResponse`: `trace = 1`, `status = 3` (COMPLETE = 0 is the default, left out). */
export function encodeTraceByIdResponse(batches: ResourceSpans[]): Uint8Array {
  return concat(bytesField(1, encodeTrace(batches)));
}
