import type { AnyValue, Attributes, Span, SpanEvent, SpanLink, TraceBatch } from '../../batch/types.ts';

/**
 * A lossless JSON form of a trace batch for the hold log: bigints as decimal strings, attribute
 * maps as entry lists, typed values tagged (`i` int, `d` double, `b` bytes, `a` array, `m` map).
 */

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export function encodeBatch(batch: TraceBatch): Json {
  return batch.resources.map((r) => ({
    a: attrs(r.resource.attributes), da: r.resource.droppedAttributesCount, u: r.schemaUrl,
    s: r.scopes.map((s) => ({
      n: s.scope.name, v: s.scope.version, a: attrs(s.scope.attributes), da: s.scope.droppedAttributesCount, u: s.schemaUrl,
      r: s.records.map(span),
    })),
  }));
}

export function decodeBatch(json: unknown): TraceBatch {
  return {
    signal: 'traces',
    resources: (json as any[]).map((r) => ({
      resource: { attributes: toAttrs(r.a), droppedAttributesCount: r.da },
      schemaUrl: r.u,
      scopes: (r.s as any[]).map((s) => ({
        scope: { name: s.n, version: s.v, attributes: toAttrs(s.a), droppedAttributesCount: s.da },
        schemaUrl: s.u,
        records: (s.r as any[]).map(toSpan),
      })),
    })),
  };
}

function span(s: Span): Json {
  return [
    s.traceId, s.spanId, s.traceState, s.parentSpanId, s.flags, s.name, s.kind, String(s.startTimeUnixNano), String(s.endTimeUnixNano),
    attrs(s.attributes), s.droppedAttributesCount, s.events.map(event), s.droppedEventsCount, s.links.map(link), s.droppedLinksCount,
    s.status.code, s.status.message,
  ];
}

function toSpan(j: any[]): Span {
  return {
    traceId: j[0], spanId: j[1], traceState: j[2], parentSpanId: j[3], flags: j[4], name: j[5], kind: j[6],
    startTimeUnixNano: BigInt(j[7]), endTimeUnixNano: BigInt(j[8]), attributes: toAttrs(j[9]), droppedAttributesCount: j[10],
    events: (j[11] as any[]).map(toEvent), droppedEventsCount: j[12], links: (j[13] as any[]).map(toLink), droppedLinksCount: j[14],
    status: { code: j[15], message: j[16] },
  };
}

const event = (e: SpanEvent): Json => [String(e.timeUnixNano), e.name, attrs(e.attributes), e.droppedAttributesCount];
const toEvent = (j: any[]): SpanEvent => ({ timeUnixNano: BigInt(j[0]), name: j[1], attributes: toAttrs(j[2]), droppedAttributesCount: j[3] });
const link = (l: SpanLink): Json => [l.traceId, l.spanId, l.traceState, attrs(l.attributes), l.droppedAttributesCount, l.flags];
const toLink = (j: any[]): SpanLink => ({ traceId: j[0], spanId: j[1], traceState: j[2], attributes: toAttrs(j[3]), droppedAttributesCount: j[4], flags: j[5] });

function attrs(a: Attributes): Json {
  const out: Json[] = [];
  for (const [k, v] of a) out.push(k, value(v));
  return out;
}

function toAttrs(j: Json[]): Attributes {
  const out: Attributes = new Map();
  for (let i = 0; i < j.length; i += 2) out.set(j[i] as string, toValue(j[i + 1]));
  return out;
}

function value(v: AnyValue): Json {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return v;
    case 'bigint':
      return { i: v.toString() };
    case 'number':
      return { d: Number.isFinite(v) ? v : String(v) };
    default:
      if (v === null) return null;
      if (v instanceof Uint8Array) return { b: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
      if (Array.isArray(v)) return { a: v.map(value) };
      return { m: attrs(v) };
  }
}

function toValue(j: Json): AnyValue {
  if (j === null || typeof j === 'string' || typeof j === 'boolean') return j;
  const o = j as Record<string, Json>;
  if ('i' in o) return BigInt(o.i as string);
  if ('d' in o) return Number(o.d);
  if ('b' in o) return new Uint8Array(Buffer.from(o.b as string, 'base64'));
  if ('a' in o) return (o.a as Json[]).map(toValue);
  return toAttrs(o.m as Json[]);
}
