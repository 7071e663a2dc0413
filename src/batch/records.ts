import type { Batch, LogBatch, LogRecord, Metric, MetricBatch, ResourceGroup, Span, TraceBatch } from './types.ts';

/** Number of records in a batch: spans, log records, or metric data points (what OTLP counts). */
export function countRecords(batch: Batch): number {
  let n = 0;
  if (batch.signal === 'metrics') {
    for (const r of batch.resources) for (const s of r.scopes) for (const m of s.records) n += m.data.points.length;
    return n;
  }
  for (const r of batch.resources as ResourceGroup<unknown>[]) for (const s of r.scopes) n += s.records.length;
  return n;
}

/** A group's records as counted by {@link countRecords}. */
function groupRecords(batch: Batch, records: readonly unknown[]): number {
  if (batch.signal !== 'metrics') return records.length;
  let n = 0;
  for (const m of records as Metric[]) n += m.data.points.length;
  return n;
}

/** Records per `service.name` (`(none)` for resources without one), for the debug line per accepted batch. */
export function recordsPerService(batch: Batch): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of batch.resources as ResourceGroup<unknown>[]) {
    const name = r.resource.attributes.get('service.name');
    const service = typeof name === 'string' ? name : '(none)';
    for (const s of r.scopes) counts[service] = (counts[service] ?? 0) + groupRecords(batch, s.records);
  }
  return counts;
}

/**
 * Keeps the records for which `keep` returns true, pruning scope and resource groups left empty.
 * Mutates the batch in place (processors own the batch they are handed) and returns how many
 * records were removed (for metrics: their data points).
 */
export function retainRecords(batch: TraceBatch, keep: (span: Span, group: ResourceGroup<Span>) => boolean): number;
export function retainRecords(batch: LogBatch, keep: (log: LogRecord, group: ResourceGroup<LogRecord>) => boolean): number;
export function retainRecords(batch: MetricBatch, keep: (metric: Metric, group: ResourceGroup<Metric>) => boolean): number;
export function retainRecords(batch: Batch, keep: (record: never, group: never) => boolean): number {
  let removed = 0;
  const groups = batch.resources as ResourceGroup<unknown>[];
  const test = keep as (record: unknown, group: ResourceGroup<unknown>) => boolean;
  // A metric removed counts its data points, as OTLP counts metrics.
  const metrics = batch.signal === 'metrics';
  let keptGroups = 0;
  for (const group of groups) {
    let keptScopes = 0;
    for (const scope of group.scopes) {
      // Compacted in place: no new array per scope (a filter copy per batch is measurable).
      const records = scope.records;
      let kept = 0;
      for (let i = 0; i < records.length; i++) {
        const record = records[i];
        if (!test(record, group)) {
          removed += metrics ? (record as Metric).data.points.length : 1;
          continue;
        }
        if (kept !== i) records[kept] = record;
        kept++;
      }
      records.length = kept;
      if (kept > 0) group.scopes[keptScopes++] = scope;
    }
    group.scopes.length = keptScopes;
    if (keptScopes > 0) groups[keptGroups++] = group;
  }
  groups.length = keptGroups;
  return removed;
}
