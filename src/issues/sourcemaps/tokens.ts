/**
 * A forgiving JavaScript/TypeScript tokenizer for finding function scopes in original sources
 * (`sourcesContent` of a source map). It only needs brackets, identifiers and a few operators to
 * be right; strings, templates, comments and regex literals are skipped so their contents cannot
 * unbalance the brackets. Strings and regexes never run past the end of their line, which bounds
 * the damage of a misread (JSX text with an apostrophe, a division taken for a regex).
 */

/** One token: `id` (identifiers and keywords), `p` (punctuation and operators) or `x` (literals). */
export interface Token {
  kind: 'id' | 'p' | 'x';
  /** The text for `id` and `p`; `''` for literals. Template `${` is `'${'`, its closing brace `'}'`. */
  value: string;
  /** Offset of the first character in the source. */
  start: number;
}

const ID_START = /[A-Za-z_$#\u0080-\uffff]/;
const ID = /[\w$#\u0080-\uffff]+/y;
const NUMBER = /(?:\d[\w.]*|\.\d\w*)/y;
const PUNCT = /=>|\.\.\.|[=!]==?|[<>]=|&&=?|\|\|=?|\?\?=?|\?\.(?!\d)|\*\*=?|<<=?|>>>?=?|\+\+|--|[+\-*%&|^]=|[^\s]/y;
/** After these keywords a `/` starts a regex literal, not a division. */
const REGEX_AFTER_KEYWORD = new Set(['return', 'typeof', 'instanceof', 'in', 'of', 'new', 'delete', 'void', 'throw', 'case', 'do', 'else', 'yield', 'await']);

/** Splits `source` into tokens. Never throws; unterminated constructs end at the end of the source. */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  // One entry per open `{` or `${`: true when it opened a template substitution.
  const braces: boolean[] = [];
  let i = 0;
  const n = source.length;

  const template = (from: number): number => {
    let j = from;
    while (j < n) {
      const c = source[j]!;
      if (c === '\\') j += 2;
      else if (c === '`') return j + 1;
      else if (c === '$' && source[j + 1] === '{') {
        tokens.push({ kind: 'p', value: '${', start: j });
        braces.push(true);
        return j + 2;
      } else j++;
    }
    return n;
  };

  while (i < n) {
    const c = source[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === '/' && source[i + 1] === '/') {
      i = lineEnd(source, i);
    } else if (c === '/' && source[i + 1] === '*') {
      const end = source.indexOf('*/', i + 2);
      i = end < 0 ? n : end + 2;
    } else if (c === '"' || c === "'") {
      tokens.push({ kind: 'x', value: '', start: i });
      i = quoted(source, i, c);
    } else if (c === '`') {
      tokens.push({ kind: 'x', value: '', start: i });
      i = template(i + 1);
    } else if (c === '/' && regexAllowed(tokens.at(-1))) {
      const end = regex(source, i);
      if (end < 0) {
        tokens.push({ kind: 'p', value: '/', start: i });
        i++;
      } else {
        tokens.push({ kind: 'x', value: '', start: i });
        i = end;
      }
    } else if (ID_START.test(c)) {
      ID.lastIndex = i;
      const value = ID.exec(source)![0];
      tokens.push({ kind: 'id', value, start: i });
      i += value.length;
    } else if (c >= '0' && c <= '9') {
      NUMBER.lastIndex = i;
      tokens.push({ kind: 'x', value: '', start: i });
      i += NUMBER.exec(source)![0].length;
    } else {
      PUNCT.lastIndex = i;
      const value = PUNCT.exec(source)![0];
      if (value === '{') braces.push(false);
      if (value === '}' && braces.pop() === true) {
        tokens.push({ kind: 'p', value: '}', start: i });
        i = template(i + 1);
        continue;
      }
      tokens.push({ kind: 'p', value, start: i });
      i += value.length;
    }
  }
  return tokens;
}

function lineEnd(source: string, from: number): number {
  const end = source.indexOf('\n', from);
  return end < 0 ? source.length : end;
}

/** End of a quoted string; an unescaped newline ends it too. */
function quoted(source: string, from: number, quote: string): number {
  let j = from + 1;
  while (j < source.length) {
    const c = source[j]!;
    if (c === '\\') j += 2;
    else if (c === quote) return j + 1;
    else if (c === '\n') return j;
    else j++;
  }
  return source.length;
}

function regexAllowed(prev: Token | undefined): boolean {
  if (prev === undefined) return true;
  if (prev.kind === 'x') return false;
  if (prev.kind === 'id') return REGEX_AFTER_KEYWORD.has(prev.value);
  return prev.value !== ')' && prev.value !== ']' && prev.value !== '}';
}

/** End of a regex literal starting at `from`, or -1 when the line holds no closing slash. */
function regex(source: string, from: number): number {
  let j = from + 1;
  let inClass = false;
  while (j < source.length) {
    const c = source[j]!;
    if (c === '\n') return -1;
    if (c === '\\') j += 2;
    else if (c === '[' || c === ']') {
      inClass = c === '[';
      j++;
    } else if (c === '/' && !inClass) {
      j++;
      while (j < source.length && /\w/.test(source[j]!)) j++;
      return j;
    } else j++;
  }
  return -1;
}
