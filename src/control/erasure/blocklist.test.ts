import { describe, expect, it } from 'vitest';
import type { MetricBatch, TraceBatch } from '../../batch/types.ts';
import { makeSpan } from '../../batch/testing.ts';
import { ErasureBlocklist } from './blocklist.ts';
import type { Erasure } from './model.ts';

const erasure = (key: string, value: string, blockUntil = 10_000): Erasure => ({
  id: 'er_1', subject: { key, value }, status: 'done', rowsRemoved: {}, error: '', requestedAt: 0, requestedBy: 'test', startedAt: 0, finishedAt: 0, blockUntil,
});

describe('the erasure blocklist', () => {
  it('drops the data points of an erased subject from a large metric, keeps the others, and forgets the subject after blockUntil', () => {
    let now = 1_000;
    const list = new ErasureBlocklist((v) => [`hmac:${v}`], () => now);
    list.add(erasure('user.id', 'u-1'));
    const points = Array.from({ length: 300_000 }, (_, i) => ({
      attributes: new Map([['user.id', i % 3 === 0 ? 'u-1' : i % 3 === 1 ? 'hmac:u-1' : `u-${i}`]]), startTimeUnixNano: 0n, timeUnixNano: 1n, flags: 0, value: i, exemplars: [],
    }));
    const batch: MetricBatch = { signal: 'metrics', resources: [{ resource: { attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', scopes: [{
      scope: { name: '', version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '',
      records: [{ name: 'g', description: '', unit: '', metadata: new Map(), data: { kind: 'gauge', points } }],
    }] }] };
    expect(list.filter(batch)).toBe(200_000);
    expect(batch.resources[0]!.scopes[0]!.records[0]!.data.points.every((p) => p.attributes.get('user.id') !== 'u-1')).toBe(true);
    expect(batch.resources[0]!.scopes[0]!.records[0]!.data.points).toHaveLength(100_000);
    now = 20_000;
    expect(list.filter(batch)).toBe(0);
    expect(list.size).toBe(0);
  });

  it('drops a span carrying the subject in an event\'s or a link\'s attributes only', () => {
    const list = new ErasureBlocklist(() => [], () => 1_000);
    list.add(erasure('user.id', 'u-9'));
    const inEvent = makeSpan({ name: 'event' });
    inEvent.events.push({ timeUnixNano: 1n, name: 'login', attributes: new Map([['user.id', 'u-9']]), droppedAttributesCount: 0 });
    const inLink = makeSpan({ name: 'link' });
    inLink.links.push({ traceId: '', spanId: '', traceState: '', attributes: new Map([['user.id', 'u-9']]), droppedAttributesCount: 0, flags: 0 });
    const clean = makeSpan({ name: 'clean' });
    const batch: TraceBatch = { signal: 'traces', resources: [{ resource: { attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', scopes: [{
      scope: { name: '', version: '', attributes: new Map(), droppedAttributesCount: 0 }, schemaUrl: '', records: [inEvent, inLink, clean],
    }] }] };
    expect(list.filter(batch)).toBe(2);
    expect(batch.resources[0]!.scopes[0]!.records.map((s) => s.name)).toEqual(['clean']);
  });

  it('matches an email in any attribute, and ignores a failed or expired request', () => {
    const list = new ErasureBlocklist(() => [], () => 1_000);
    list.add(erasure('email', 'ann@example.com'));
    list.add({ ...erasure('user.id', 'u-2'), status: 'failed' });
    list.add(erasure('user.id', 'u-3', 500));
    expect(list.size).toBe(1);
  });
});
