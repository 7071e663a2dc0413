import type { ResourceGroup, ScopeGroup, Span, SpanEvent, SpanLink, TraceBatch } from '../../../batch/types.ts';
import { asDecodeError } from '../errors.ts';
import { Rejections, type DecodeResult } from '../rejections.ts';
import { asArray, asElement, asObject, field, readAttributes, readResource, readScope } from './common.ts';
import { SPAN_KIND_NAMES, STATUS_CODE_NAMES } from './enums.ts';
import { parseJsonBody, type JsonObject } from './parse.ts';
import { asEnum, asHexId, asString, asUint32, asUint64 } from './scalars.ts';

/**
 * Decodes an OTLP/JSON `ExportTraceServiceRequest` (UTF-8 bytes) into a {@link TraceBatch}.
 *
 * Accepts what the Collector accepts: lowerCamelCase or snake_case keys, hex IDs in any case,
 * 64-bit integers as strings or numbers (bare numbers stay exact), enum numbers or names,
 * `null` as the default, unknown fields ignored. A span with an ID of the wrong length or with
 * non-hex characters (also in its links) is left out and counted in `rejected`. Scope and
 * resource groups left without spans are dropped.
 *
 * @throws OtlpDecodeError for invalid UTF-8/JSON, a non-object root, or a value of the wrong
 *   JSON type (e.g. `"resourceSpans": 5`). Nothing else.
 */
export function decodeTracesJson(buf: Uint8Array): DecodeResult<TraceBatch> {
  try {
    const root = parseJsonBody(buf);
    const rej = new Rejections('span', 'spans');
    const resources: ResourceGroup<Span>[] = [];
    const list = asArray(field(root, 'resourceSpans', 'resource_spans'), 'resourceSpans');
    for (const item of list) {
      const o = asElement(item, 'resourceSpans');
      const scopes: ScopeGroup<Span>[] = [];
      for (const s of asArray(field(o, 'scopeSpans', 'scope_spans'), 'scopeSpans')) {
        const group = readScopeSpans(asElement(s, 'scopeSpans'), rej);
        if (group.records.length > 0) scopes.push(group);
      }
      const resource = readResource(o.resource);
      const schemaUrl = asString(field(o, 'schemaUrl', 'schema_url'), 'schemaUrl');
      if (scopes.length > 0) resources.push({ resource, schemaUrl, scopes });
    }
    return rej.result({ signal: 'traces', resources });
  } catch (err) {
    throw asDecodeError(err);
  }
}

function readScopeSpans(o: JsonObject, rej: Rejections): ScopeGroup<Span> {
  const records: Span[] = [];
  for (const item of asArray(o.spans, 'spans')) {
    const span = readSpan(asElement(item, 'spans'), rej);
    if (span !== null) records.push(span);
  }
  return {
    scope: readScope(o.scope),
    schemaUrl: asString(field(o, 'schemaUrl', 'schema_url'), 'schemaUrl'),
    records,
  };
}

function readSpan(o: JsonObject, rej: Rejections): Span | null {
  const span: Span = {
    traceId: asHexId(field(o, 'traceId', 'trace_id'), 16, 'trace_id', rej),
    spanId: asHexId(field(o, 'spanId', 'span_id'), 8, 'span_id', rej),
    traceState: asString(field(o, 'traceState', 'trace_state'), 'span.traceState'),
    parentSpanId: asHexId(field(o, 'parentSpanId', 'parent_span_id'), 8, 'parent_span_id', rej),
    flags: asUint32(o.flags, 'span.flags'),
    name: asString(o.name, 'span.name'),
    kind: asEnum(o.kind, SPAN_KIND_NAMES, 'span.kind'),
    startTimeUnixNano: asUint64(field(o, 'startTimeUnixNano', 'start_time_unix_nano'), 'span.startTimeUnixNano'),
    endTimeUnixNano: asUint64(field(o, 'endTimeUnixNano', 'end_time_unix_nano'), 'span.endTimeUnixNano'),
    attributes: new Map(),
    droppedAttributesCount: asUint32(
      field(o, 'droppedAttributesCount', 'dropped_attributes_count'),
      'span.droppedAttributesCount',
    ),
    events: [],
    droppedEventsCount: asUint32(field(o, 'droppedEventsCount', 'dropped_events_count'), 'span.droppedEventsCount'),
    links: [],
    droppedLinksCount: asUint32(field(o, 'droppedLinksCount', 'dropped_links_count'), 'span.droppedLinksCount'),
    status: { code: 0, message: '' },
  };
  readAttributes(o.attributes, span.attributes, 0, 'span.attributes');
  for (const e of asArray(o.events, 'span.events')) span.events.push(readEvent(asElement(e, 'span.events')));
  for (const l of asArray(o.links, 'span.links')) span.links.push(readLink(asElement(l, 'span.links'), rej));
  const status = asObject(o.status, 'span.status');
  if (status !== undefined) {
    span.status.code = asEnum(status.code, STATUS_CODE_NAMES, 'span.status.code');
    span.status.message = asString(status.message, 'span.status.message');
  }
  return rej.settle() ? null : span;
}

function readEvent(o: JsonObject): SpanEvent {
  const event: SpanEvent = {
    timeUnixNano: asUint64(field(o, 'timeUnixNano', 'time_unix_nano'), 'event.timeUnixNano'),
    name: asString(o.name, 'event.name'),
    attributes: new Map(),
    droppedAttributesCount: asUint32(
      field(o, 'droppedAttributesCount', 'dropped_attributes_count'),
      'event.droppedAttributesCount',
    ),
  };
  readAttributes(o.attributes, event.attributes, 0, 'event.attributes');
  return event;
}

function readLink(o: JsonObject, rej: Rejections): SpanLink {
  const link: SpanLink = {
    traceId: asHexId(field(o, 'traceId', 'trace_id'), 16, 'link trace_id', rej),
    spanId: asHexId(field(o, 'spanId', 'span_id'), 8, 'link span_id', rej),
    traceState: asString(field(o, 'traceState', 'trace_state'), 'link.traceState'),
    attributes: new Map(),
    droppedAttributesCount: asUint32(
      field(o, 'droppedAttributesCount', 'dropped_attributes_count'),
      'link.droppedAttributesCount',
    ),
    flags: asUint32(o.flags, 'link.flags'),
  };
  readAttributes(o.attributes, link.attributes, 0, 'link.attributes');
  return link;
}
