import type { AnyValue, LogBatch, LogRecord, Span, TraceBatch } from './types.ts';

/** Test helpers for anything that handles batches: small record and batch builders, a seeded ID source. */

export function makeSpan(overrides: Partial<Span> = {}): Span {
  return {
    traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceState: '', parentSpanId: '', flags: 0, name: 'op', kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n, endTimeUnixNano: 1_700_000_000_001_000_000n, attributes: new Map(),
    droppedAttributesCount: 0, events: [], droppedEventsCount: 0, links: [], droppedLinksCount: 0, status: { code: 0, message: '' },
    ...overrides,
  };
}

export function makeLog(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1_700_000_000_000_000_000n, observedTimeUnixNano: 1_700_000_000_000_000_000n, severityNumber: 9, severityText: 'INFO',
    body: 'hello', attributes: new Map(), droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '', ...overrides,
  };
}

export const attrs = (entries: Record<string, AnyValue>): Map<string, AnyValue> => new Map(Object.entries(entries));

const scope = () => ({ name: 'test', version: '', attributes: new Map(), droppedAttributesCount: 0 });

/** One resource group per service, in the order given. */
export function traceBatch(byService: Record<string, Span[]>): TraceBatch {
  return {
    signal: 'traces',
    resources: Object.entries(byService).map(([service, records]) => ({
      resource: { attributes: attrs({ 'service.name': service }), droppedAttributesCount: 0 },
      schemaUrl: '',
      scopes: [{ scope: scope(), schemaUrl: '', records }],
    })),
  };
}

export function logBatch(byService: Record<string, LogRecord[]>): LogBatch {
  return {
    signal: 'logs',
    resources: Object.entries(byService).map(([service, records]) => ({
      resource: { attributes: attrs({ 'service.name': service }), droppedAttributesCount: 0 },
      schemaUrl: '',
      scopes: [{ scope: scope(), schemaUrl: '', records }],
    })),
  };
}

export function spansOf(batch: TraceBatch): Span[] {
  return batch.resources.flatMap((r) => r.scopes.flatMap((s) => s.records));
}

export function logsOf(batch: LogBatch): LogRecord[] {
  return batch.resources.flatMap((r) => r.scopes.flatMap((s) => s.records));
}

/** mulberry32: a tiny seeded generator of uint32s, so generated fixtures and statistical tests never change or flake. */
export function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Deterministic random hex IDs (mulberry32), so statistical tests never flake. */
export function idSource(seed = 1): (hexDigits: number) => string {
  const uint32 = mulberry32(seed);
  const next = () => uint32().toString(16).padStart(8, '0');
  return (hexDigits) => {
    let s = '';
    while (s.length < hexDigits) s += next();
    return s.slice(0, hexDigits);
  };
}
