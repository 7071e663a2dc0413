/**
 * The TraceQL subset otelhouse answers: what Grafana's Tempo search builder emits (one spanset of
 * `&&`-joined comparisons), plus `||`, parentheses and spanset operators `{A} && {B}`, `{A} || {B}`.
 * Anything else is refused with a {@link TraceQLError} naming the construct, never guessed at.
 */
import { tokenize, TraceQLError, type Token } from './tokens.ts';

export { TraceQLError };

/** What a comparison reads: an intrinsic column, or an attribute of the span, the resource, or either (`.k`). */
export type Field =
  | { kind: 'intrinsic'; name: 'name' | 'status' | 'kind' | 'duration' | 'statusMessage' | 'service' }
  | { kind: 'attribute'; scope: 'span' | 'resource' | 'any'; key: string };

export type Value =
  | { kind: 'string'; value: string }
  | { kind: 'number'; value: number }
  | { kind: 'duration'; ns: bigint }
  | { kind: 'bool'; value: boolean }
  | { kind: 'status'; value: 'error' | 'ok' | 'unset' }
  | { kind: 'spanKind'; value: 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer' }
  | { kind: 'nil' };

export type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | '=~' | '!~';

/** A condition on one span. `all` is the empty spanset `{}`. */
export type SpanCondition =
  | { kind: 'compare'; field: Field; op: Operator; value: Value }
  | { kind: 'and' | 'or'; left: SpanCondition; right: SpanCondition }
  | { kind: 'all' };

/** A condition on a trace: it has spans matching a spanset, or a combination of such. */
export type TraceCondition =
  | { kind: 'spanset'; condition: SpanCondition }
  | { kind: 'and' | 'or'; left: TraceCondition; right: TraceCondition };

const INTRINSICS: Record<string, Extract<Field, { kind: 'intrinsic' }>['name']> = {
  name: 'name', 'span:name': 'name',
  status: 'status', 'span:status': 'status',
  kind: 'kind', 'span:kind': 'kind',
  duration: 'duration', 'span:duration': 'duration',
  statusMessage: 'statusMessage', 'span:statusMessage': 'statusMessage',
};

/** Intrinsics and scopes of full TraceQL that this subset does not answer. */
const UNSUPPORTED_FIELDS = /^(trace:|event[.:]|link[.:]|instrumentation[.:]|span:(id|parentID)|rootName$|rootServiceName$|traceDuration$|nestedSet|parent\.)/;

const STATUS = new Set(['error', 'ok', 'unset']);
const KINDS = new Set(['unspecified', 'internal', 'server', 'client', 'producer', 'consumer']);

/** Parses a TraceQL query of the supported subset; throws {@link TraceQLError} for anything else. */
export function parseTraceQL(query: string): TraceCondition {
  const parser = new Parser(tokenize(query));
  const tree = parser.traceExpression();
  parser.expectEnd();
  return tree;
}

class Parser {
  private at = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.at]!;
  }
  private next(): Token {
    return this.tokens[this.at++]!;
  }
  private take(text: string): boolean {
    if (this.peek().kind === 'punct' && this.peek().text === text) {
      this.at++;
      return true;
    }
    return false;
  }
  private expect(text: string, what: string): void {
    if (!this.take(text)) throw this.unexpected(what);
  }
  private unexpected(what: string): TraceQLError {
    const token = this.peek();
    if (token.kind === 'end') return new TraceQLError(`unexpected end of query: expected ${what}`);
    if (token.kind === 'punct' && UNSUPPORTED_PUNCT[token.text]) return new TraceQLError(`${UNSUPPORTED_PUNCT[token.text]} is not supported`);
    return new TraceQLError(`unexpected ${JSON.stringify(token.text)} at offset ${token.offset}: expected ${what}`);
  }

  expectEnd(): void {
    if (this.peek().kind !== 'end') throw this.unexpected('end of query');
  }

  /** trace := traceAnd ('||' traceAnd)* */
  traceExpression(): TraceCondition {
    let left = this.traceAnd();
    while (this.take('||')) left = { kind: 'or', left, right: this.traceAnd() };
    return left;
  }
  private traceAnd(): TraceCondition {
    let left = this.tracePrimary();
    while (this.take('&&')) left = { kind: 'and', left, right: this.tracePrimary() };
    return left;
  }
  private tracePrimary(): TraceCondition {
    if (this.take('(')) {
      const inner = this.traceExpression();
      this.expect(')', '")"');
      return inner;
    }
    if (this.take('{')) {
      const condition: SpanCondition = this.take('}') ? { kind: 'all' } : this.spanExpression();
      if (condition.kind !== 'all') this.expect('}', '"}" or "&&" / "||"');
      return { kind: 'spanset', condition };
    }
    throw this.unexpected('a spanset "{ … }"');
  }

  /** span := spanAnd ('||' spanAnd)* */
  private spanExpression(): SpanCondition {
    let left = this.spanAnd();
    while (this.take('||')) left = { kind: 'or', left, right: this.spanAnd() };
    return left;
  }
  private spanAnd(): SpanCondition {
    let left = this.spanPrimary();
    while (this.take('&&')) left = { kind: 'and', left, right: this.spanPrimary() };
    return left;
  }
  private spanPrimary(): SpanCondition {
    if (this.take('(')) {
      const inner = this.spanExpression();
      this.expect(')', '")"');
      return inner;
    }
    const field = this.field();
    const token = this.peek();
    if (token.kind !== 'punct' || !OPERATORS.has(token.text)) {
      if (token.kind === 'punct' && ARITHMETIC.has(token.text)) throw new TraceQLError(`arithmetic ("${token.text}") is not supported`);
      throw this.unexpected('a comparison operator (= != > >= < <= =~ !~)');
    }
    this.at++;
    const op = token.text as Operator;
    const value = this.value(field);
    return checkComparison({ kind: 'compare', field, op, value });
  }

  private field(): Field {
    const token = this.next();
    if (token.kind !== 'ident') {
      this.at--;
      throw this.unexpected('an attribute or intrinsic (name, status, kind, duration, span.*, resource.*)');
    }
    const text = token.text;
    if (text === 'resource.service.name') return { kind: 'intrinsic', name: 'service' };
    if (INTRINSICS[text]) return { kind: 'intrinsic', name: INTRINSICS[text] };
    if (UNSUPPORTED_FIELDS.test(text)) throw new TraceQLError(`"${text}" is not supported (supported: name, status, kind, duration, statusMessage, span.*, resource.*, .*)`);
    const quoted = token.quotedKey;
    for (const [prefix, scope] of [['span.', 'span'], ['resource.', 'resource'], ['.', 'any']] as const) {
      if (text.startsWith(prefix)) {
        const key = quoted ?? text.slice(prefix.length);
        if (!key) break;
        return { kind: 'attribute', scope, key };
      }
    }
    throw new TraceQLError(`"${text}" is not a supported field (use name, status, kind, duration, span.<key>, resource.<key> or .<key>)`);
  }

  private value(field: Field): Value {
    const token = this.next();
    switch (token.kind) {
      case 'string': return { kind: 'string', value: token.text };
      case 'number': return { kind: 'number', value: Number(token.text) };
      case 'duration': return { kind: 'duration', ns: token.ns! };
      case 'ident':
        if (token.text === 'true' || token.text === 'false') return { kind: 'bool', value: token.text === 'true' };
        if (token.text === 'nil') return { kind: 'nil' };
        if (field.kind === 'intrinsic' && field.name === 'status' && STATUS.has(token.text)) return { kind: 'status', value: token.text as 'error' };
        if (field.kind === 'intrinsic' && field.name === 'kind' && KINDS.has(token.text)) return { kind: 'spanKind', value: token.text as 'server' };
        throw new TraceQLError(`unexpected ${JSON.stringify(token.text)} at offset ${token.offset}: expected a value`);
      default:
        this.at--;
        throw this.unexpected('a value');
    }
  }
}

const OPERATORS = new Set(['=', '!=', '>', '>=', '<', '<=', '=~', '!~']);
const ARITHMETIC = new Set(['+', '-', '*', '/', '%', '^']);
const UNSUPPORTED_PUNCT: Record<string, string> = {
  '|': 'the pipeline operator "|" (aggregates such as count(), select(), by())',
  '>>': 'the structural operator ">>" (descendant)',
  '<<': 'the structural operator "<<" (ancestor)',
  '~': 'the structural operator "~" (sibling)',
  '!>>': 'the structural operator "!>>"',
  '!<<': 'the structural operator "!<<"',
  '!~': 'the operator "!~" between spansets',
  '>': 'the structural operator ">" (child)',
  '<': 'the structural operator "<" (parent)',
  '!': 'negation "!"',
  '&>>': 'union structural operators', '&>': 'union structural operators', '&<<': 'union structural operators', '&<': 'union structural operators', '&~': 'union structural operators',
};

/** Refuses comparisons that have no meaning (a regex on a duration, `status > error`). */
function checkComparison(c: Extract<SpanCondition, { kind: 'compare' }>): SpanCondition {
  const { field, op, value } = c;
  const fieldName = field.kind === 'intrinsic' ? field.name : `${field.scope === 'any' ? '' : field.scope}.${field.key}`;
  const ordered = op === '>' || op === '>=' || op === '<' || op === '<=';
  const regex = op === '=~' || op === '!~';
  if (regex && value.kind !== 'string') throw new TraceQLError(`${op} needs a string (a regular expression), not a ${value.kind}`);
  if (value.kind === 'string' && regex) {
    try {
      new RegExp(value.value);
    } catch {
      throw new TraceQLError(`invalid regular expression ${JSON.stringify(value.value)}`);
    }
  }
  if (field.kind === 'intrinsic') {
    if (field.name === 'duration' && value.kind !== 'duration') throw new TraceQLError('duration compares with a duration such as 100ms, 1.5s, 2m');
    if (field.name === 'status' && (value.kind !== 'status' || ordered || regex)) throw new TraceQLError('status compares with = or != and one of error, ok, unset');
    if (field.name === 'kind' && (value.kind !== 'spanKind' || ordered || regex)) throw new TraceQLError('kind compares with = or != and one of server, client, producer, consumer, internal, unspecified');
    if ((field.name === 'name' || field.name === 'service' || field.name === 'statusMessage') && value.kind !== 'string') {
      throw new TraceQLError(`${fieldName} compares with a string`);
    }
  }
  if (value.kind === 'nil' && op !== '=' && op !== '!=') throw new TraceQLError('nil compares with = or != only');
  if (value.kind === 'bool' && op !== '=' && op !== '!=') throw new TraceQLError('true/false compare with = or != only');
  if (value.kind === 'string' && ordered && field.kind === 'attribute') throw new TraceQLError(`${op} compares numbers; ${fieldName} ${op} "${value.value}" compares a string`);
  return c;
}
