import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { rows, startGateway } from './support/gateway.ts';
import { officialExample, post } from './support/payloads.ts';

let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway();
});
afterAll(() => gateway?.shutdown());

describe('the official OTLP example payloads', () => {
  it('trace.json lands with exact values (uppercase hex IDs lowered, ns timestamps exact)', async () => {
    const res = await post(gateway.url, '/v1/traces', officialExample('trace.json'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual({});
    expect(
      await rows(
        gateway,
        `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName,
                ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes, toString(Duration) AS Duration, StatusCode, StatusMessage,
                Events.Name AS events, Links.TraceId AS links
         FROM otel_traces`,
      ),
    ).toEqual([
      {
        ts: '1544712660000000000',
        TraceId: '5b8efff798038103d269b633813fc60c',
        SpanId: 'eee19b7ec3c1b174',
        ParentSpanId: 'eee19b7ec3c1b173',
        TraceState: '',
        SpanName: "I'm a server span",
        SpanKind: 'Server',
        ServiceName: 'my.service',
        ResourceAttributes: { 'service.name': 'my.service' },
        ScopeName: 'my.library',
        ScopeVersion: '1.0.0',
        SpanAttributes: { 'my.span.attr': 'some value' },
        Duration: '1000000000',
        StatusCode: 'Unset',
        StatusMessage: '',
        events: [],
        links: [],
      },
    ]);
    expect(await rows(gateway, `SELECT TraceId, toString(Start) AS s, toString(End) AS e FROM otel_traces_trace_id_ts`)).toEqual([
      { TraceId: '5b8efff798038103d269b633813fc60c', s: '2018-12-13 14:51:00', e: '2018-12-13 14:51:00' },
    ]);
  });

  it('logs.json lands with every AnyValue kind stringified like the Collector', async () => {
    const res = await post(gateway.url, '/v1/logs', officialExample('logs.json'));
    expect(res.status).toBe(200);
    expect(
      await rows(
        gateway,
        `SELECT toString(toUnixTimestamp64Nano(Timestamp)) AS ts, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber, ServiceName, Body,
                ResourceSchemaUrl, ResourceAttributes, ScopeSchemaUrl, ScopeName, ScopeVersion, ScopeAttributes, LogAttributes, EventName
         FROM otel_logs WHERE EventName = ''`,
      ),
    ).toEqual([
      {
        ts: '1544712660300000000',
        TraceId: '5b8efff798038103d269b633813fc60c',
        SpanId: 'eee19b7ec3c1b174',
        TraceFlags: 0,
        SeverityText: 'Information',
        SeverityNumber: 10,
        ServiceName: 'my.service',
        Body: 'Example log record',
        ResourceSchemaUrl: '',
        ResourceAttributes: { 'service.name': 'my.service' },
        ScopeSchemaUrl: '',
        ScopeName: 'my.library',
        ScopeVersion: '1.0.0',
        ScopeAttributes: { 'my.scope.attribute': 'some scope attribute' },
        LogAttributes: {
          'string.attribute': 'some string',
          'boolean.attribute': 'true',
          'int.attribute': '10',
          'double.attribute': '637.704',
          'array.attribute': '["many","values"]',
          'map.attribute': '{"some.map.key":"some value"}',
        },
        EventName: '',
      },
    ]);
  });

  it('events.json lands with its event name and a kvlist body as sorted JSON', async () => {
    const res = await post(gateway.url, '/v1/logs', officialExample('events.json'));
    expect(res.status).toBe(200);
    expect(
      await rows(gateway, `SELECT SeverityText, SeverityNumber, Body, LogAttributes, EventName FROM otel_logs WHERE EventName != ''`),
    ).toEqual([
      {
        SeverityText: 'test severity text',
        SeverityNumber: 9,
        Body: '{"referrer":"https://wwww.google.com","title":"Free Online GUID Generator","type":0,"url":"https://www.guidgenerator.com/online-guid-generator.aspx"}',
        LogAttributes: { 'event.attribute': 'some event attribute' },
        EventName: 'browser.page_view',
      },
    ]);
  });
});
