import type { ResourceGroup, ScopeGroup, Span, SpanEvent, SpanLink, TraceBatch } from '../../../batch/types.ts';
import { asDecodeError } from '../errors.ts';
import { Rejections, type DecodeResult } from '../rejections.ts';
import { emptyResource, emptyScope, rejectId, readKeyValue, readResource, readScope } from './common.ts';
import { ProtoReader } from './reader.ts';

// Tags are `field_number << 3 | wire_type`, from opentelemetry/proto/trace/v1/trace.proto and
// collector/trace/v1/trace_service.proto.

/**
 * Decodes an OTLP/HTTP protobuf `ExportTraceServiceRequest` straight into a {@link TraceBatch}.
 *
 * A span whose trace_id is not 16 bytes or whose span_id / parent_span_id (or a link's IDs) are
 * not 8 bytes is left out and counted in `rejected`; the rest of the request is returned. Scope
 * and resource groups left without spans are dropped. Unknown fields are skipped.
 *
 * @throws OtlpDecodeError when the bytes are not a well-formed message (truncated, bad varint,
 *   length past the end, invalid wire type, AnyValue nested deeper than 64). Nothing else.
 */
export function decodeTracesProtobuf(buf: Uint8Array): DecodeResult<TraceBatch> {
  try {
    const r = new ProtoReader(buf);
    const rejections = new Rejections('span', 'spans');
    const resources: ResourceGroup<Span>[] = [];
    while (r.pos < r.end) {
      const tag = r.tag();
      if (tag === 10) readResourceSpans(r, rejections, resources); // resource_spans = 1
      else r.skip(tag);
    }
    return rejections.result({ signal: 'traces', resources });
  } catch (err) {
    throw asDecodeError(err);
  }
}

function readResourceSpans(r: ProtoReader, rej: Rejections, out: ResourceGroup<Span>[]): void {
  const end = r.messageEnd();
  const group: ResourceGroup<Span> = { resource: emptyResource(), schemaUrl: '', scopes: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) readResource(r, group.resource); // resource = 1
    else if (tag === 18) readScopeSpans(r, rej, group.scopes); // scope_spans = 2
    else if (tag === 26) group.schemaUrl = r.string(); // schema_url = 3
    else r.skip(tag);
  }
  r.checkEnd(end);
  if (group.scopes.length > 0) out.push(group);
}

function readScopeSpans(r: ProtoReader, rej: Rejections, out: ScopeGroup<Span>[]): void {
  const end = r.messageEnd();
  const group: ScopeGroup<Span> = { scope: emptyScope(), schemaUrl: '', records: [] };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 18) {
      // spans = 2
      const span = readSpan(r, rej);
      if (span !== null) group.records.push(span);
    } else if (tag === 10) readScope(r, group.scope); // scope = 1
    else if (tag === 26) group.schemaUrl = r.string(); // schema_url = 3
    else r.skip(tag);
  }
  r.checkEnd(end);
  if (group.records.length > 0) out.push(group);
}

/** Reads one Span; returns null (after counting it) when it must be rejected. */
function readSpan(r: ProtoReader, rej: Rejections): Span | null {
  const end = r.messageEnd();
  const span: Span = {
    traceId: '',
    spanId: '',
    traceState: '',
    parentSpanId: '',
    flags: 0,
    name: '',
    kind: 0,
    startTimeUnixNano: 0n,
    endTimeUnixNano: 0n,
    attributes: new Map(),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
  };
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case 10: // trace_id = 1
        span.traceId = r.id(16) ?? rejectId(r, rej, 'trace_id', 16);
        break;
      case 18: // span_id = 2
        span.spanId = r.id(8) ?? rejectId(r, rej, 'span_id', 8);
        break;
      case 26: // trace_state = 3
        span.traceState = r.string();
        break;
      case 34: // parent_span_id = 4
        span.parentSpanId = r.id(8) ?? rejectId(r, rej, 'parent_span_id', 8);
        break;
      case 42: // name = 5
        span.name = r.string();
        break;
      case 48: // kind = 6
        span.kind = r.int32();
        break;
      case 57: // start_time_unix_nano = 7
        span.startTimeUnixNano = r.fixed64();
        break;
      case 65: // end_time_unix_nano = 8
        span.endTimeUnixNano = r.fixed64();
        break;
      case 74: // attributes = 9
        readKeyValue(r, span.attributes, 0);
        break;
      case 80: // dropped_attributes_count = 10
        span.droppedAttributesCount = r.uint32();
        break;
      case 90: // events = 11
        span.events.push(readEvent(r));
        break;
      case 96: // dropped_events_count = 12
        span.droppedEventsCount = r.uint32();
        break;
      case 106: // links = 13
        span.links.push(readLink(r, rej));
        break;
      case 112: // dropped_links_count = 14
        span.droppedLinksCount = r.uint32();
        break;
      case 122: // status = 15
        readStatus(r, span);
        break;
      case 133: // flags = 16 (fixed32)
        span.flags = r.fixed32();
        break;
      default:
        r.skip(tag);
    }
  }
  r.checkEnd(end);
  return rej.settle() ? null : span;
}


function readEvent(r: ProtoReader): SpanEvent {
  const end = r.messageEnd();
  const event: SpanEvent = { timeUnixNano: 0n, name: '', attributes: new Map(), droppedAttributesCount: 0 };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 9) event.timeUnixNano = r.fixed64(); // time_unix_nano = 1
    else if (tag === 18) event.name = r.string(); // name = 2
    else if (tag === 26) readKeyValue(r, event.attributes, 0); // attributes = 3
    else if (tag === 32) event.droppedAttributesCount = r.uint32(); // dropped_attributes_count = 4
    else r.skip(tag);
  }
  r.checkEnd(end);
  return event;
}

function readLink(r: ProtoReader, rej: Rejections): SpanLink {
  const end = r.messageEnd();
  const link: SpanLink = {
    traceId: '',
    spanId: '',
    traceState: '',
    attributes: new Map(),
    droppedAttributesCount: 0,
    flags: 0,
  };
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 10) link.traceId = r.id(16) ?? rejectId(r, rej, 'link trace_id', 16); // trace_id = 1
    else if (tag === 18) link.spanId = r.id(8) ?? rejectId(r, rej, 'link span_id', 8); // span_id = 2
    else if (tag === 26) link.traceState = r.string(); // trace_state = 3
    else if (tag === 34) readKeyValue(r, link.attributes, 0); // attributes = 4
    else if (tag === 40) link.droppedAttributesCount = r.uint32(); // dropped_attributes_count = 5
    else if (tag === 53) link.flags = r.fixed32(); // flags = 6 (fixed32)
    else r.skip(tag);
  }
  r.checkEnd(end);
  return link;
}

function readStatus(r: ProtoReader, span: Span): void {
  const end = r.messageEnd();
  while (r.pos < end) {
    const tag = r.tag();
    if (tag === 18) span.status.message = r.string(); // message = 2
    else if (tag === 24) span.status.code = r.int32(); // code = 3
    else r.skip(tag);
  }
  r.checkEnd(end);
}
