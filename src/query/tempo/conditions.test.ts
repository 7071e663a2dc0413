import { describe, expect, it } from 'vitest';

import { Params, spanConditionSql, spansets, traceHavingSql } from './conditions.ts';
import { parseTraceQL } from './traceql.ts';

function build(q: string) {
  const params = new Params();
  const tree = parseTraceQL(q);
  const sets = spansets(tree, params);
  return { sets, having: traceHavingSql(tree, sets), params: params.values };
}

describe('TraceQL → SQL', () => {
  it.each([
    ['{resource.service.name="a\'; DROP TABLE x"}', ['ServiceName = {p0:String}'], { p0: "a'; DROP TABLE x" }],
    ['{status=error}', ['StatusCode = {p0:String}'], { p0: 'Error' }],
    ['{kind=server}', ['SpanKind = {p0:String}'], { p0: 'Server' }],
    ['{duration>100ms}', ['Duration > {p0:UInt64}'], { p0: '100000000' }],
    ['{name=~"GET .*"}', ['match(SpanName, {p0:String})'], { p0: '^(?:GET .*)$' }],
    ['{span.http.status_code>=500}', ['(mapContains(SpanAttributes, {p0:String}) AND toFloat64OrNull(SpanAttributes[{p0:String}]) >= {p1:Float64})'], { p0: 'http.status_code', p1: 500 }],
    ['{resource.env!="prod"}', ['(mapContains(ResourceAttributes, {p0:String}) AND ResourceAttributes[{p0:String}] != {p1:String})'], { p0: 'env', p1: 'prod' }],
    ['{span.a=nil}', ['NOT mapContains(SpanAttributes, {p0:String})'], { p0: 'a' }],
    ['{resource.service.name!="a"}', ['ServiceName != {p0:String}'], { p0: 'a' }],
    ['{}', ['1'], {}],
  ])('%s', (q, sets, params) => {
    const built = build(q);
    expect(built.sets).toEqual(sets);
    expect(built.params).toEqual(params);
  });

  it('looks an unscoped attribute up in the span, then the resource', () => {
    const params = new Params();
    const sql = spanConditionSql({ kind: 'compare', field: { kind: 'attribute', scope: 'any', key: 'k' }, op: '!~', value: { kind: 'string', value: 'x' } }, params);
    expect(sql).toBe('((mapContains(SpanAttributes, {p0:String}) AND NOT match(SpanAttributes[{p0:String}], {p1:String})) OR '
      + '(mapContains(ResourceAttributes, {p2:String}) AND NOT match(ResourceAttributes[{p2:String}], {p3:String})))');
    expect(params.values).toEqual({ p0: 'k', p1: '^(?:x)$', p2: 'k', p3: '^(?:x)$' });
  });

  it('turns spanset operators into per-trace conditions over countIf', () => {
    const built = build('({name="a"} || {name="b"}) && {status=error}');
    expect(built.sets).toEqual(['SpanName = {p0:String}', 'SpanName = {p1:String}', 'StatusCode = {p2:String}']);
    expect(built.having).toBe('((countIf(SpanName = {p0:String}) > 0 OR countIf(SpanName = {p1:String}) > 0) AND countIf(StatusCode = {p2:String}) > 0)');
  });

  it('never writes a value from the query into the SQL text', () => {
    const hostile = `x' OR 1=1 --"\\\``;
    const built = build(`{span.k=${JSON.stringify(hostile)} && name=~${JSON.stringify(hostile)}}`);
    expect(built.sets.join(' ')).not.toContain('OR 1=1');
    expect(Object.values(built.params)).toContain(hostile);
  });
});
