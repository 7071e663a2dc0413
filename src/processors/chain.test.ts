import { describe, expect, it } from 'vitest';
import { countRecords } from '../batch/records.ts';
import type { LogBatch, LogRecord, Span, TraceBatch } from '../batch/types.ts';
import { ConfigError } from '../errors.ts';
import { ProcessorChain, type ChainObserver } from './chain.ts';
import type { Processor } from './processor.ts';
import { buildProcessors } from './registry.ts';

function makeLog(overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1n, observedTimeUnixNano: 1n, severityNumber: 9, severityText: 'INFO', body: 'hello', attributes: new Map(),
    droppedAttributesCount: 0, flags: 0, traceId: '', spanId: '', eventName: '', ...overrides,
  };
}

function makeSpan(overrides: Partial<Span> = {}): Span {
  return {
    traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceState: '', parentSpanId: '', flags: 0, name: 'op', kind: 1,
    startTimeUnixNano: 1n, endTimeUnixNano: 2n, attributes: new Map(), droppedAttributesCount: 0, events: [], droppedEventsCount: 0,
    links: [], droppedLinksCount: 0, status: { code: 0, message: '' }, ...overrides,
  };
}

const scope = { name: 's', version: '', attributes: new Map(), droppedAttributesCount: 0 };
const resource = () => ({ attributes: new Map(), droppedAttributesCount: 0 });

function logBatch(...groups: LogRecord[][]): LogBatch {
  return { signal: 'logs', resources: groups.map((records) => ({ resource: resource(), schemaUrl: '', scopes: [{ scope, schemaUrl: '', records }] })) };
}

function recorder() {
  const counts: Record<string, number> = {};
  const observer: ChainObserver = {
    records: (p, s, i, o) => {
      counts[`${p}/${s}/in`] = (counts[`${p}/${s}/in`] ?? 0) + i;
      counts[`${p}/${s}/out`] = (counts[`${p}/${s}/out`] ?? 0) + o;
    },
    dropped: (p, s, reason, n) => (counts[`${p}/${s}/dropped/${reason}`] = (counts[`${p}/${s}/dropped/${reason}`] ?? 0) + n),
    counted: (p, s, event, n) => (counts[`${p}/${s}/counted/${event}`] = (counts[`${p}/${s}/counted/${event}`] ?? 0) + n),
  };
  return { counts, observer };
}

describe('the processor chain', () => {
  it('runs processors in order and counts records in, out and dropped by reason', async () => {
    const { counts, observer } = recorder();
    const chain = new ProcessorChain(buildProcessors([{ type: 'filter', name: 'min-warn', minSeverityNumber: 13 }]), observer);
    const out = await chain.process(logBatch([makeLog({ severityNumber: 5 }), makeLog({ severityNumber: 17 })], [makeLog({ severityNumber: 9 })]));
    expect(countRecords(out)).toBe(1);
    expect(out.resources).toHaveLength(1); // the emptied resource group is pruned
    expect(counts).toEqual({ 'min-warn/logs/in': 3, 'min-warn/logs/out': 1, 'min-warn/logs/dropped/severity': 2 });
  });

  it('passes events a processor counts on to the observer', async () => {
    const { counts, observer } = recorder();
    const counting: Processor = { name: 'counter', process: (batch, report) => (report.count('seen', 2), report.count('none', 0), batch) };
    await new ProcessorChain([counting], observer).process(logBatch([makeLog()]));
    expect(counts['counter/logs/counted/seen']).toBe(2);
    expect(counts['counter/logs/counted/none']).toBeUndefined();
  });

  it('counts records that vanish without a reported reason as unreported', async () => {
    const { counts, observer } = recorder();
    const sloppy: Processor = { name: 'sloppy', process: (batch) => ((batch.resources as unknown[]).length = 0, batch) };
    await new ProcessorChain([sloppy], observer).process(logBatch([makeLog(), makeLog()]));
    expect(counts['sloppy/logs/dropped/unreported']).toBe(2);
  });

  it('keeps logs of unspecified severity and drops spans by name pattern', async () => {
    const { observer } = recorder();
    const chain = new ProcessorChain(buildProcessors([{ type: 'filter', minSeverityNumber: 13, dropSpanNames: ['^health', 'ping$'] }]), observer);
    expect(countRecords(await chain.process(logBatch([makeLog({ severityNumber: 0 })])))).toBe(1);
    const traces: TraceBatch = {
      signal: 'traces',
      resources: [{ resource: resource(), schemaUrl: '', scopes: [{ scope, schemaUrl: '', records: [makeSpan({ name: 'healthcheck' }), makeSpan({ name: 'GET /' }), makeSpan({ name: 'db.ping' })] }] }],
    };
    const out = (await chain.process(traces)) as TraceBatch;
    expect(out.resources[0].scopes[0].records.map((s) => s.name)).toEqual(['GET /']);
  });

  it('fails fast on unknown processor types and bad options, naming the entry and the value', () => {
    expect(() => buildProcessors([{ type: 'nope' }])).toThrow(ConfigError);
    expect(() => buildProcessors([{ type: 'nope' }])).toThrow(/processors\[0\]\.type = "nope": unknown processor/);
    expect(() => buildProcessors([{ type: 'filter', minSeverityNumber: 99 }])).toThrow(/processors\[0\]\.minSeverityNumber = 99/);
    expect(() => buildProcessors([{ type: 'filter', dropSpanNames: ['(unclosed'] }])).toThrow(/processors\[0\]\.dropSpanNames\.0 = "\(unclosed": must be a valid regular expression/);
  });
});
