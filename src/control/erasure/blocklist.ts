import { countRecords } from '../../batch/records.ts';
import type { AnyValue, Attributes, Batch, LogRecord, Metric, ResourceGroup, Span } from '../../batch/types.ts';
import type { Erasure } from './model.ts';

interface Blocked {
  /** Attribute key, or `email`: any attribute. */
  key: string;
  values: Set<string>;
  until: number;
}

const text = (v: AnyValue | undefined): string | undefined => (typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' ? String(v) : undefined);

/**
 * The subjects erased lately: records of theirs that arrive after the request (a client's retry,
 * an offline SDK queue) are dropped at ingest until the request's `blockUntil`, before any
 * processor sees them. A record carries a subject in its resource (the whole group goes) or its own
 * attributes (a metric: any of its points).
 */
export class ErasureBlocklist {
  private blocked: Blocked[] = [];

  constructor(
    private readonly hashes: (value: string) => string[],
    private readonly now: () => number = Date.now,
  ) {}

  add(erasure: Erasure): void {
    if (erasure.blockUntil <= this.now() || erasure.status === 'failed') return;
    this.blocked.push({ key: erasure.subject.key, values: new Set([erasure.subject.value, ...this.hashes(erasure.subject.value)]), until: erasure.blockUntil });
  }

  get size(): number {
    return this.blocked.length;
  }

  /** Drops the records of blocked subjects from `batch` in place; returns how many (as the receiver counts records). */
  filter(batch: Batch): number {
    if (this.blocked.length === 0) return 0;
    const nowMs = this.now();
    this.blocked = this.blocked.filter((b) => b.until > nowMs);
    if (this.blocked.length === 0) return 0;
    const before = countRecords(batch);
    const groups = batch.resources as ResourceGroup<Span | LogRecord | Metric>[];
    let kept = 0;
    for (const group of groups) {
      if (this.carries(group.resource.attributes)) continue;
      for (const scope of group.scopes) {
        if (batch.signal === 'metrics') {
          for (const metric of scope.records as Metric[]) {
            // Compacted in place (a spread of a large metric's points would overflow the call stack).
            const points = metric.data.points as Array<{ attributes: Attributes }>;
            let kept = 0;
            for (const p of points) if (!this.carries(p.attributes)) points[kept++] = p;
            points.length = kept;
          }
          scope.records = (scope.records as Metric[]).filter((m) => m.data.points.length > 0);
        } else {
          scope.records = (scope.records as Array<Span | LogRecord>).filter((r) => !this.carries(r.attributes) && !('body' in r && this.bodyCarries(r.body)) && !('events' in r && this.spanPartsCarry(r)));
        }
      }
      group.scopes = group.scopes.filter((s) => s.records.length > 0);
      if (group.scopes.length > 0) groups[kept++] = group;
    }
    groups.length = kept;
    return before - countRecords(batch);
  }

  private carries(attributes: Attributes): boolean {
    if (attributes.size === 0) return false;
    for (const b of this.blocked) {
      if (b.key === 'email') {
        for (const v of attributes.values()) {
          const t = text(v);
          if (t !== undefined && b.values.has(t)) return true;
        }
      } else {
        const t = text(attributes.get(b.key));
        if (t !== undefined && b.values.has(t)) return true;
      }
    }
    return false;
  }

  /** A span's events or links carrying a subject in their attributes. */
  private spanPartsCarry(span: Span): boolean {
    for (const e of span.events) if (this.carries(e.attributes)) return true;
    for (const l of span.links) if (this.carries(l.attributes)) return true;
    return false;
  }

  /** A log body naming an erased email. */
  private bodyCarries(body: AnyValue): boolean {
    if (typeof body !== 'string') return false;
    const lower = body.toLowerCase();
    for (const b of this.blocked) if (b.key === 'email') for (const v of b.values) if (lower.includes(v.toLowerCase())) return true;
    return false;
  }
}
