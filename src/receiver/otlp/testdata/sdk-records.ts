/**
 * Test helpers: OpenTelemetry SDK records (as the official exporters see them) built from small
 * specs, so tests can serialize them with @opentelemetry/otlp-transformer and compare the decode.
 */
import { createTraceState, type Attributes, type HrTime, type Link, type SpanStatus } from '@opentelemetry/api';
import type { AnyValue as SdkAnyValue, LogAttributes, SeverityNumber } from '@opentelemetry/api-logs';
import type { InstrumentationScope } from '@opentelemetry/core';
import { resourceFromAttributes, type Resource } from '@opentelemetry/resources';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace-base';

/** `[seconds, nanos]` → exact nanoseconds. */
export function nanos(t: HrTime): bigint {
  return BigInt(t[0]) * 1_000_000_000n + BigInt(t[1]);
}

export function makeResource(attributes: Record<string, string | number | boolean>, schemaUrl?: string): Resource {
  return resourceFromAttributes(attributes, schemaUrl === undefined ? undefined : { schemaUrl });
}

export type Scope = InstrumentationScope & { attributes?: LogAttributes; droppedAttributesCount?: number };

export const defaultResource = makeResource({ 'service.name': 'checkout' });
export const defaultScope: Scope = { name: 'otelhouse.test', version: '1.2.3' };

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  isRemoteParent?: boolean;
  traceFlags: number;
  traceState?: string;
  name: string;
  /** API SpanKind (0 internal … 4 consumer); OTLP adds 1. */
  kind: number;
  start: HrTime;
  end: HrTime;
  /** May hold AnyValue shapes beyond the API type (kvlists, bytes); the serializers accept them. */
  attributes: Record<string, unknown>;
  events: TimedEvent[];
  links: Link[];
  status: SpanStatus;
  droppedAttributesCount: number;
  droppedEventsCount: number;
  droppedLinksCount: number;
  resource: Resource;
  scope: InstrumentationScope;
}

export function makeSpan(spec: Partial<SpanSpec> = {}): ReadableSpan {
  const s: SpanSpec = {
    traceId: '5b8efff798038103d269b633813fc60c',
    spanId: 'eee19b7ec3c1b174',
    traceFlags: 1,
    name: 'GET /checkout',
    kind: 1,
    start: [1_700_000_000, 123_456_789],
    end: [1_700_000_001, 987_654_321],
    attributes: {},
    events: [],
    links: [],
    status: { code: 0 },
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
    resource: defaultResource,
    scope: defaultScope,
    ...spec,
  };
  const traceState = s.traceState === undefined ? undefined : createTraceState(s.traceState);
  return {
    name: s.name,
    kind: s.kind,
    spanContext: () => ({ traceId: s.traceId, spanId: s.spanId, traceFlags: s.traceFlags, traceState }),
    parentSpanContext:
      s.parentSpanId === undefined
        ? undefined
        : { traceId: s.traceId, spanId: s.parentSpanId, traceFlags: s.traceFlags, isRemote: s.isRemoteParent },
    startTime: s.start,
    endTime: s.end,
    status: s.status,
    attributes: s.attributes as Attributes,
    links: s.links,
    events: s.events,
    duration: [0, 0],
    ended: true,
    resource: s.resource,
    instrumentationScope: s.scope,
    droppedAttributesCount: s.droppedAttributesCount,
    droppedEventsCount: s.droppedEventsCount,
    droppedLinksCount: s.droppedLinksCount,
  };
}

export interface LogSpec {
  time: HrTime;
  observed: HrTime;
  traceId?: string;
  spanId?: string;
  traceFlags?: number;
  severityNumber?: SeverityNumber;
  severityText?: string;
  body?: SdkAnyValue;
  eventName?: string;
  attributes: Record<string, unknown>;
  droppedAttributesCount: number;
  resource: Resource;
  scope: Scope;
}

export function makeLog(spec: Partial<LogSpec> = {}): ReadableLogRecord {
  const s: LogSpec = {
    time: [1_700_000_000, 300_000_001],
    observed: [1_700_000_000, 300_000_999],
    attributes: {},
    droppedAttributesCount: 0,
    resource: defaultResource,
    scope: defaultScope,
    ...spec,
  };
  const spanContext =
    s.traceId === undefined
      ? undefined
      : { traceId: s.traceId, spanId: s.spanId ?? '', traceFlags: s.traceFlags ?? 0 };
  return {
    hrTime: s.time,
    hrTimeObserved: s.observed,
    spanContext,
    severityNumber: s.severityNumber,
    severityText: s.severityText,
    body: s.body,
    eventName: s.eventName,
    resource: s.resource,
    instrumentationScope: s.scope,
    attributes: s.attributes as LogAttributes,
    droppedAttributesCount: s.droppedAttributesCount,
  };
}
