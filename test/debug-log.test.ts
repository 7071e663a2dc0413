import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { startGateway } from './support/gateway.ts';
import { exportWith, recordLogs, recordSpans } from './support/otel.ts';

// At logLevel debug the gateway logs one line per accepted batch, as the Collector's debug exporter
// does: records received, rejected, and stored per service (after the processor chain).

const lines: Array<Record<string, unknown>> = [];
const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ logLevel: 'debug', processors: [{ type: 'redaction' }, { type: 'filter', dropSpanNames: ['^noise$'] }] }, { logger });
});
afterAll(() => gateway?.shutdown());

const accepted = () => lines.filter((l) => l.msg === 'batch accepted');

describe('the debug line per accepted batch', () => {
  it('counts the records of each signal per service, after the processors', async () => {
    const make = (name: string, n: number) => (tracer: Parameters<Parameters<typeof recordSpans>[1]>[0]) => {
      for (let i = 0; i < n; i++) tracer.startSpan(name).end();
    };
    const spans = [
      ...recordSpans({ 'service.name': 'checkout' }, make('pay', 3)),
      ...recordSpans({ 'service.name': 'checkout' }, make('noise', 2)),
      ...recordSpans({ 'service.name': 'cart' }, make('add', 4)),
    ];
    expect((await exportWith(new OTLPTraceExporter({ url: `${gateway.url}/v1/traces` }), spans)).code).toBe(0);
    const logs = recordLogs({ 'service.name': 'cart' }, (l) => {
      for (let i = 0; i < 6; i++) l.emit({ severityNumber: 9, body: `added ${i}` });
    });
    expect((await exportWith(new OTLPLogExporter({ url: `${gateway.url}/v1/logs` }), logs)).code).toBe(0);

    expect(accepted()).toEqual([
      expect.objectContaining({ level: 20, signal: 'traces', received: 9, rejected: 0, stored: { checkout: 3, cart: 4 } }),
      expect.objectContaining({ level: 20, signal: 'logs', received: 6, rejected: 0, stored: { cart: 6 } }),
    ]);
  });

  it('is not written above debug level', async () => {
    logger.level = 'info';
    try {
      const before = accepted().length;
      const spans = recordSpans({ 'service.name': 'quiet' }, (tracer) => tracer.startSpan('x').end());
      expect((await exportWith(new OTLPTraceExporter({ url: `${gateway.url}/v1/traces` }), spans)).code).toBe(0);
      expect(accepted().length).toBe(before);
    } finally {
      logger.level = 'debug';
    }
  });
});
