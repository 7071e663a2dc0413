import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { OTLPLogExporter as LogsHttpJson } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsHttpProto } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter as TracesHttpJson } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesHttpProto } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { exportWith, hrNanos, recordLogs, recordSpans } from './support/otel.ts';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway?.shutdown());

const traceClients = [
  { name: 'exporter-trace-otlp-http (JSON)', make: (url: string) => new TracesHttpJson({ url }) },
  { name: 'exporter-trace-otlp-proto (protobuf)', make: (url: string) => new TracesHttpProto({ url }) },
  { name: 'exporter-trace-otlp-proto with gzip', make: (url: string) => new TracesHttpProto({ url, compression: 'gzip' as never }) },
  { name: 'exporter-trace-otlp-http with gzip', make: (url: string) => new TracesHttpJson({ url, compression: 'gzip' as never }) },
];

const logClients = [
  { name: 'exporter-logs-otlp-http (JSON)', make: (url: string) => new LogsHttpJson({ url }) },
  { name: 'exporter-logs-otlp-proto (protobuf)', make: (url: string) => new LogsHttpProto({ url }) },
  { name: 'exporter-logs-otlp-proto with gzip', make: (url: string) => new LogsHttpProto({ url, compression: 'gzip' as never }) },
];

describe.each(traceClients)('spans sent with $name', ({ name, make }) => {
  it('land in otel_traces with the exact values the Collector exporter would write', async () => {
    const service = `checkout-${name.replace(/\W+/g, '-')}`;
    const spans = recordSpans({ 'service.name': service, 'service.version': '2.1.0', 'host.cores': 8 }, (tracer) => {
      const parent = tracer.startSpan('GET /cart', {
        kind: SpanKind.SERVER,
        startTime: [1_700_000_000, 123_456_789],
        attributes: { 'http.request.method': 'GET', 'http.response.status_code': 200, ratio: 0.25, cached: false, tags: ['a', 'b'], codes: [1, 2] },
      });
      parent.addEvent('exception', { 'exception.type': 'TypeError', 'exception.message': 'x is undefined' }, [1_700_000_000, 200_000_001]);
      parent.setStatus({ code: SpanStatusCode.ERROR, message: 'boom' });
      const child = tracer.startSpan('SELECT cart', {
        kind: SpanKind.CLIENT,
        startTime: [1_700_000_000, 150_000_000],
        links: [{ context: { traceId: '0af7651916cd43dd8448eb211c80319c', spanId: 'b7ad6b7169203331', traceFlags: 1 }, attributes: { reason: 'retry' } }],
      }, trace.setSpan(context.active(), parent));
      child.end([1_700_000_000, 160_000_007]);
      parent.end([1_700_000_000, 623_456_789]);
    });
    const [child, parent] = spans;
    const result = await exportWith(make(`${gateway.url}/v1/traces`), spans);
    expect(result.code).toBe(0);

    const stored = await rows(
      gateway,
      `SELECT TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion,
              SpanAttributes, toString(Duration) AS Duration, StatusCode, StatusMessage,
              toString(toUnixTimestamp64Nano(Timestamp)) AS ts,
              arrayMap(t -> toString(toUnixTimestamp64Nano(t)), Events.Timestamp) AS eventTimes, Events.Name AS eventNames,
              Events.Attributes AS eventAttrs, Links.TraceId AS linkTraces, Links.SpanId AS linkSpans, Links.Attributes AS linkAttrs
       FROM otel_traces WHERE ServiceName = '${service}' ORDER BY Timestamp`,
    );
    expect(stored).toEqual([
      {
        TraceId: parent.spanContext().traceId,
        SpanId: parent.spanContext().spanId,
        ParentSpanId: '',
        TraceState: '',
        SpanName: 'GET /cart',
        SpanKind: 'Server',
        ServiceName: service,
        ResourceAttributes: expect.objectContaining({ 'service.name': service, 'service.version': '2.1.0', 'host.cores': '8' }),
        ScopeName: 'otelhouse-test',
        ScopeVersion: '1.2.3',
        SpanAttributes: {
          'http.request.method': 'GET',
          'http.response.status_code': '200',
          ratio: '0.25',
          cached: 'false',
          tags: '["a","b"]',
          codes: '[1,2]',
        },
        Duration: '500000000',
        StatusCode: 'Error',
        StatusMessage: 'boom',
        ts: hrNanos(parent.startTime),
        eventTimes: ['1700000000200000001'],
        eventNames: ['exception'],
        // Stored as sent: the issues connector runs after the append and writes error_events instead.
        eventAttrs: [{ 'exception.type': 'TypeError', 'exception.message': 'x is undefined' }],
        linkTraces: [],
        linkSpans: [],
        linkAttrs: [],
      },
      expect.objectContaining({
        TraceId: parent.spanContext().traceId,
        SpanId: child.spanContext().spanId,
        ParentSpanId: parent.spanContext().spanId,
        SpanKind: 'Client',
        Duration: '10000007',
        StatusCode: 'Unset',
        ts: '1700000000150000000',
        linkTraces: ['0af7651916cd43dd8448eb211c80319c'],
        linkSpans: ['b7ad6b7169203331'],
        linkAttrs: [{ reason: 'retry' }],
      }),
    ]);
    expect(parent.startTime).toEqual([1_700_000_000, 123_456_789]);
    // The exception event became an occurrence, linked to its span.
    const events = await rows(gateway, `SELECT TraceId, SpanId, ExceptionType, Message, Source, Fingerprint FROM otelhouse_error_events WHERE ServiceName = '${service}'`);
    expect(events).toEqual([
      {
        TraceId: parent.spanContext().traceId,
        SpanId: parent.spanContext().spanId,
        ExceptionType: 'TypeError',
        Message: 'x is undefined',
        Source: 'span_event',
        Fingerprint: expect.stringMatching(/^[0-9a-f]{32}$/),
      },
    ]);
  });
});

describe.each(logClients)('log records sent with $name', ({ name, make }) => {
  it('land in otel_logs with exact values and AsString bodies', async () => {
    const service = `payments-${name.replace(/\W+/g, '-')}`;
    const records = recordLogs({ 'service.name': service, 'deployment.environment.name': 'prod' }, (logger) => {
      logger.emit({
        timestamp: [1_700_000_100, 1],
        observedTimestamp: [1_700_000_100, 5],
        severityNumber: SeverityNumber.ERROR,
        severityText: 'ERROR',
        body: 'card declined',
        attributes: { 'user.id': 'u-42', attempt: 3, amount: 12.5 },
        eventName: 'payment.failed',
      });
      logger.emit({
        severityNumber: SeverityNumber.INFO,
        severityText: 'INFO',
        body: { order: 'o-1', items: 2 } as never,
        observedTimestamp: [1_700_000_101, 999_999_999],
        timestamp: undefined,
      });
    });
    const result = await exportWith(make(`${gateway.url}/v1/logs`), records);
    expect(result.code).toBe(0);

    const stored = await rows(
      gateway,
      `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, SeverityText, SeverityNumber, ServiceName, Body, LogAttributes,
              ScopeName, ScopeVersion, EventName, ResourceAttributes['deployment.environment.name'] AS env,
              __otel_materialized_deployment.environment.name AS materializedEnv, TraceId, SpanId
       FROM otel_logs WHERE ServiceName = '${service}' ORDER BY Timestamp`,
    );
    expect(stored).toEqual([
      {
        ts: '1700000100000000001',
        SeverityText: 'ERROR',
        SeverityNumber: 17,
        ServiceName: service,
        Body: 'card declined',
        LogAttributes: { 'user.id': 'u-42', attempt: '3', amount: '12.5' },
        ScopeName: 'otelhouse-test-logs',
        ScopeVersion: '4.5.6',
        EventName: 'payment.failed',
        env: 'prod',
        materializedEnv: 'prod',
        TraceId: '',
        SpanId: '',
      },
      expect.objectContaining({
        ts: hrNanos(records[1].hrTime),
        SeverityText: 'INFO',
        Body: '{"items":2,"order":"o-1"}',
      }),
    ]);
    // The ERROR log became an occurrence; the INFO one did not.
    const events = await rows(gateway, `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, Source, Message, Severity FROM otelhouse_error_events WHERE ServiceName = '${service}'`);
    expect(events).toEqual([{ ts: '1700000100000000001', Source: 'log', Message: 'card declined', Severity: 'error' }]);
  });
});
