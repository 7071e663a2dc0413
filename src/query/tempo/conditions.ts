/**
 * TraceQL conditions → ClickHouse SQL over the `otel_traces` columns. Every value from a query is a
 * bound parameter (`{p0:String}`, sent as `query_params`); only column names and operators, chosen
 * from fixed tables here, are written into the SQL text.
 */
import type { Field, SpanCondition, TraceCondition, Value } from './traceql.ts';

/** Bound parameters collected while building one query. */
export class Params {
  readonly values: Record<string, unknown> = {};
  private next = 0;
  /** Binds `value` and returns its placeholder, e.g. `{p3:Float64}`. */
  bind(value: unknown, type: string): string {
    const name = `p${this.next++}`;
    this.values[name] = value;
    return `{${name}:${type}}`;
  }
}

const STATUS_CODES = { error: 'Error', ok: 'Ok', unset: 'Unset' } as const;
const SPAN_KINDS = { unspecified: 'Unspecified', internal: 'Internal', server: 'Server', client: 'Client', producer: 'Producer', consumer: 'Consumer' } as const;
const INTRINSIC_COLUMNS = { name: 'SpanName', status: 'StatusCode', kind: 'SpanKind', duration: 'Duration', statusMessage: 'StatusMessage', service: 'ServiceName' } as const;
const MAPS = { span: 'SpanAttributes', resource: 'ResourceAttributes' } as const;

/** The SQL for a condition on one span of `otel_traces`. */
export function spanConditionSql(c: SpanCondition, params: Params): string {
  switch (c.kind) {
    case 'all': return '1';
    case 'and': return `(${spanConditionSql(c.left, params)} AND ${spanConditionSql(c.right, params)})`;
    case 'or': return `(${spanConditionSql(c.left, params)} OR ${spanConditionSql(c.right, params)})`;
    case 'compare': return compareSql(c.field, c.op, c.value, params);
  }
}

function compareSql(field: Field, op: string, value: Value, params: Params): string {
  if (field.kind === 'attribute') {
    if (field.scope === 'any') {
      return `(${compareSql({ ...field, scope: 'span' }, op, value, params)} OR ${compareSql({ ...field, scope: 'resource' }, op, value, params)})`;
    }
    // service.name lives in its own column (the sort key); the resource map holds it too.
    if (field.scope === 'resource' && field.key === 'service.name') return compareSql({ kind: 'intrinsic', name: 'service' }, op, value, params);
    const map = MAPS[field.scope];
    const key = params.bind(field.key, 'String');
    if (value.kind === 'nil') return op === '=' ? `NOT mapContains(${map}, ${key})` : `mapContains(${map}, ${key})`;
    // A span without the attribute matches no comparison, `!=` and `!~` included (as in Tempo).
    return `(mapContains(${map}, ${key}) AND ${valueCompare(`${map}[${key}]`, op, value, params)})`;
  }
  const column = INTRINSIC_COLUMNS[field.name];
  if (value.kind === 'status') return `${column} ${op} ${params.bind(STATUS_CODES[value.value], 'String')}`;
  if (value.kind === 'spanKind') return `${column} ${op} ${params.bind(SPAN_KINDS[value.value], 'String')}`;
  if (value.kind === 'duration') return `${column} ${op} ${params.bind(value.ns.toString(), 'UInt64')}`;
  return valueCompare(column, op, value, params);
}

/** A comparison of a String expression (attributes were stored as the collector's AsString). */
function valueCompare(expr: string, op: string, value: Value, params: Params): string {
  switch (value.kind) {
    case 'string':
      if (op === '=~') return `match(${expr}, ${params.bind(anchored(value.value), 'String')})`;
      if (op === '!~') return `NOT match(${expr}, ${params.bind(anchored(value.value), 'String')})`;
      return `${expr} ${op} ${params.bind(value.value, 'String')}`;
    case 'number':
      return `toFloat64OrNull(${expr}) ${op} ${params.bind(value.value, 'Float64')}`;
    case 'duration':
      return `toFloat64OrNull(${expr}) ${op} ${params.bind(Number(value.ns), 'Float64')}`;
    case 'bool':
      return `${expr} ${op} ${params.bind(String(value.value), 'String')}`;
    default:
      return `${expr} ${op} ${params.bind(value.kind === 'status' || value.kind === 'spanKind' ? value.value : '', 'String')}`;
  }
}

/** TraceQL regexes match the whole value (Tempo anchors them); ClickHouse's `match` searches. */
const anchored = (re: string): string => `^(?:${re})$`;

/** The spansets of a trace condition, in order, each with its SQL. */
export function spansets(c: TraceCondition, params: Params, out: string[] = []): string[] {
  if (c.kind === 'spanset') out.push(spanConditionSql(c.condition, params));
  else {
    spansets(c.left, params, out);
    spansets(c.right, params, out);
  }
  return out;
}

/**
 * The per-trace condition (for `HAVING` over a `GROUP BY TraceId`): each spanset becomes "the trace
 * has a matching span", `countIf(…) > 0`, combined with the query's `&&`/`||`. `sets` are the
 * SQL of {@link spansets}, consumed in the same order.
 */
export function traceHavingSql(c: TraceCondition, sets: string[], index = { i: 0 }): string {
  if (c.kind === 'spanset') return `countIf(${sets[index.i++]}) > 0`;
  const left = traceHavingSql(c.left, sets, index);
  const right = traceHavingSql(c.right, sets, index);
  return `(${left} ${c.kind === 'and' ? 'AND' : 'OR'} ${right})`;
}
