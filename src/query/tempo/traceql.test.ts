import { describe, expect, it } from 'vitest';

import { parseTraceQL, TraceQLError, type SpanCondition } from './traceql.ts';

const spanset = (q: string): SpanCondition => {
  const tree = parseTraceQL(q);
  if (tree.kind !== 'spanset') throw new Error('not one spanset');
  return tree.condition;
};
const cmp = (field: object, op: string, value: object) => ({ kind: 'compare', field, op, value });
const str = (value: string) => ({ kind: 'string', value });

describe('TraceQL: what Grafana\'s search builder emits', () => {
  it.each([
    ['{}', { kind: 'all' }],
    ['{resource.service.name="checkout"}', cmp({ kind: 'intrinsic', name: 'service' }, '=', str('checkout'))],
    ['{name="GET /api"}', cmp({ kind: 'intrinsic', name: 'name' }, '=', str('GET /api'))],
    ['{span:name!="x"}', cmp({ kind: 'intrinsic', name: 'name' }, '!=', str('x'))],
    ['{status=error}', cmp({ kind: 'intrinsic', name: 'status' }, '=', { kind: 'status', value: 'error' })],
    ['{status!=unset}', cmp({ kind: 'intrinsic', name: 'status' }, '!=', { kind: 'status', value: 'unset' })],
    ['{kind=server}', cmp({ kind: 'intrinsic', name: 'kind' }, '=', { kind: 'spanKind', value: 'server' })],
    ['{duration>100ms}', cmp({ kind: 'intrinsic', name: 'duration' }, '>', { kind: 'duration', ns: 100_000_000n })],
    ['{duration<=1.5s}', cmp({ kind: 'intrinsic', name: 'duration' }, '<=', { kind: 'duration', ns: 1_500_000_000n })],
    ['{duration>=1m30s}', cmp({ kind: 'intrinsic', name: 'duration' }, '>=', { kind: 'duration', ns: 90_000_000_000n })],
    ['{duration<250us}', cmp({ kind: 'intrinsic', name: 'duration' }, '<', { kind: 'duration', ns: 250_000n })],
    ['{span.http.status_code>=500}', cmp({ kind: 'attribute', scope: 'span', key: 'http.status_code' }, '>=', { kind: 'number', value: 500 })],
    ['{span.ratio<-0.5}', cmp({ kind: 'attribute', scope: 'span', key: 'ratio' }, '<', { kind: 'number', value: -0.5 })],
    ['{resource.k8s.pod.name=~"api-.*"}', cmp({ kind: 'attribute', scope: 'resource', key: 'k8s.pod.name' }, '=~', str('api-.*'))],
    ['{.http.method!~"GET|HEAD"}', cmp({ kind: 'attribute', scope: 'any', key: 'http.method' }, '!~', str('GET|HEAD'))],
    ['{span.cache.hit=true}', cmp({ kind: 'attribute', scope: 'span', key: 'cache.hit' }, '=', { kind: 'bool', value: true })],
    ['{span.user.id!=nil}', cmp({ kind: 'attribute', scope: 'span', key: 'user.id' }, '!=', { kind: 'nil' })],
    ['{span."my key"="a \\"b\\""}', cmp({ kind: 'attribute', scope: 'span', key: 'my key' }, '=', str('a "b"'))],
    ['{statusMessage=`card declined`}', cmp({ kind: 'intrinsic', name: 'statusMessage' }, '=', str('card declined'))],
  ])('parses %s', (q, expected) => {
    expect(spanset(q)).toEqual(expected);
  });

  it('joins the builder\'s filters with && (left to right) and binds && tighter than ||', () => {
    const tree = spanset('{resource.service.name="a" && status=error || kind=client && duration>1s}');
    expect(tree).toMatchObject({ kind: 'or', left: { kind: 'and' }, right: { kind: 'and' } });
    expect(spanset('{(name="a" || name="b") && status=ok}')).toMatchObject({ kind: 'and', left: { kind: 'or' } });
  });

  it('combines spansets with && and ||, and parentheses around them', () => {
    expect(parseTraceQL('{name="a"} && {name="b"}')).toMatchObject({ kind: 'and', left: { kind: 'spanset' }, right: { kind: 'spanset' } });
    expect(parseTraceQL('({name="a"} || {name="b"}) && {}')).toMatchObject({ kind: 'and', left: { kind: 'or' }, right: { kind: 'spanset', condition: { kind: 'all' } } });
  });
});

describe('TraceQL outside the subset', () => {
  it.each([
    ['{status=error} | count() > 2', 'pipeline operator "|"'],
    ['{} | select(span.http.url)', 'pipeline operator "|"'],
    ['{name="a"} >> {name="b"}', 'structural operator ">>"'],
    ['{name="a"} > {name="b"}', 'structural operator ">"'],
    ['{name="a"} ~ {name="b"}', 'structural operator "~"'],
    ['{name="a"} << {name="b"}', 'structural operator "<<"'],
    ['{name="a"} !>> {name="b"}', 'structural operator "!>>"'],
    ['{trace:duration>1s}', '"trace:duration" is not supported'],
    ['{traceDuration>1s}', '"traceDuration" is not supported'],
    ['{rootServiceName="a"}', '"rootServiceName" is not supported'],
    ['{event.exception.type="E"}', '"event.exception.type" is not supported'],
    ['{link.traceID="x"}', '"link.traceID" is not supported'],
    ['{span.a + 1 > 2}', 'arithmetic ("+")'],
    ['{!(name="a")}', 'negation "!"'],
    ['{foo="a"}', '"foo" is not a supported field'],
    ['{status>error}', 'status compares with = or !='],
    ['{kind=~"serv.*"}', 'kind compares with'],
    ['{duration>100}', 'duration compares with a duration'],
    ['{span.a=~1}', '=~ needs a string'],
    ['{span.a=~"("}', 'invalid regular expression'],
    ['{span.a>"x"}', '> compares numbers'],
    ['{name="a"', 'unexpected end of query'],
    ['name="a"', 'expected a spanset'],
    ['{name="a}', 'unterminated string'],
    ['{name="a"} {name="b"}', 'expected end of query'],
    ['{name="a" ? 1}', 'unexpected character "?"'],
  ])('refuses %s', (q, message) => {
    expect(() => parseTraceQL(q)).toThrow(TraceQLError);
    expect(() => parseTraceQL(q)).toThrow(message);
  });
});
