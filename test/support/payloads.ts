import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The official OTLP example payloads (opentelemetry-proto `examples/`), copied into test/fixtures/otlp-examples with their licence. */
export function officialExample(name: 'trace.json' | 'logs.json' | 'events.json' | 'metrics.json'): string {
  const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
  return readFileSync(resolve(repoRoot, 'test/fixtures/otlp-examples', name), 'utf8');
}

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  /** Nanoseconds since the epoch, as a decimal string (OTLP/JSON form). */
  start: string;
  end: string;
  kind?: number;
  status?: { code: number; message?: string };
  attributes?: Record<string, string>;
}

/** An attribute value as OTLP/JSON writes it: a number is an int (its decimal text) when whole, else a double. */
const anyValue = (v: string | number) =>
  typeof v === 'string' ? { stringValue: v } : Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };

const kv = (attrs: Record<string, string | number> = {}) => Object.entries(attrs).map(([key, v]) => ({ key, value: anyValue(v) }));

/** A small OTLP/JSON ExportTraceServiceRequest for one service. */
export function traceRequest(service: string, spans: SpanSpec[]): string {
  return JSON.stringify({
    resourceSpans: [
      {
        resource: { attributes: kv({ 'service.name': service }) },
        scopeSpans: [
          {
            scope: { name: 'test-scope', version: '1.0' },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId ?? '',
              name: s.name,
              startTimeUnixNano: s.start,
              endTimeUnixNano: s.end,
              kind: s.kind ?? 2,
              status: s.status ?? {},
              attributes: kv(s.attributes),
            })),
          },
        ],
      },
    ],
  });
}

export interface LogSpec {
  time: string;
  observed?: string;
  severityNumber: number;
  severityText: string;
  body: string;
  traceId?: string;
  spanId?: string;
  attributes?: Record<string, string | number>;
}

/** A small OTLP/JSON ExportLogsServiceRequest for one service. */
export function logsRequest(service: string, logs: LogSpec[]): string {
  return JSON.stringify({
    resourceLogs: [
      {
        resource: { attributes: kv({ 'service.name': service }) },
        scopeLogs: [
          {
            scope: { name: 'test-scope' },
            logRecords: logs.map((l) => ({
              timeUnixNano: l.time,
              observedTimeUnixNano: l.observed ?? l.time,
              severityNumber: l.severityNumber,
              severityText: l.severityText,
              body: { stringValue: l.body },
              traceId: l.traceId ?? '',
              spanId: l.spanId ?? '',
              attributes: kv(l.attributes),
            })),
          },
        ],
      },
    ],
  });
}

/** POSTs an OTLP body to the gateway. */
export function post(baseUrl: string, path: string, body: string | Uint8Array, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: body as BodyInit,
  });
}

let uniqueSeq = 0;
/** One OTLP/JSON request of `n` spans named `<service>-<request>-<i>`, with IDs unique in the process. */
export function uniqueSpans(service: string, n: number): string {
  const r = ++uniqueSeq;
  return traceRequest(service, Array.from({ length: n }, (_, i) => ({
    traceId: (r * 1000 + i).toString(16).padStart(32, '0'),
    spanId: (r * 1000 + i + 1).toString(16).padStart(16, '0'),
    name: `${service}-${r}-${i}`,
    start: '1700000000000000000',
    end: '1700000000000000001',
  })));
}
