/**
 * Tokens of a query as ClickHouse's formatter prints it (`formatQuerySingleLine`: no comments, one
 * statement), enough to read its `SETTINGS` and `FORMAT` clauses and to find `INTO OUTFILE` outside
 * string literals and quoted names.
 */

export interface Token {
  kind: 'word' | 'string' | 'quoted' | 'number' | 'punct';
  text: string;
}

const TOKEN = /\s+|'(?:[^'\\]|\\[\s\S]|'')*'|`(?:[^`\\]|\\[\s\S]|``)*`|"(?:[^"\\]|\\[\s\S]|"")*"|[A-Za-z_][A-Za-z0-9_$]*|\d[\w.]*(?:[eE][+-]?\d+)?|[\s\S]/g;

export function tokenize(sql: string): Token[] {
  const tokens: Token[] = [];
  for (const [text] of sql.matchAll(TOKEN)) {
    if (/^\s/.test(text)) continue;
    const c = text[0];
    const kind = c === "'" ? 'string' : c === '`' || c === '"' ? 'quoted' : /[A-Za-z_]/.test(c) ? 'word' : /\d/.test(c) ? 'number' : 'punct';
    tokens.push({ kind, text });
  }
  return tokens;
}

export interface Setting {
  name: string;
  /** The literal as written: `1`, `'iso'`, `-1`. */
  value: string;
}

/**
 * Every `SETTINGS a = 1, b = 'x'` clause, in order. The word alone (`system.settings`, a column) is
 * skipped; the caller checks the count against the AST's `Set` nodes, so a clause this misreads
 * fails closed.
 */
export function settingsClauses(tokens: Token[]): Setting[][] {
  const clauses: Setting[][] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (!isWord(tokens[i], 'SETTINGS') || tokens[i - 1]?.text === '.') continue;
    const clause: Setting[] = [];
    let j = i + 1;
    for (;;) {
      const [name, eq] = [tokens[j], tokens[j + 1]];
      if (name?.kind !== 'word' || eq?.text !== '=') break;
      let k = j + 2;
      let value = '';
      if (tokens[k]?.text === '-') value = tokens[k++].text;
      const literal = tokens[k];
      if (!literal || (literal.kind !== 'number' && literal.kind !== 'string' && literal.kind !== 'word')) break;
      clause.push({ name: name.text, value: value + literal.text });
      j = k + 1;
      if (tokens[j]?.text !== ',') break;
      j++;
    }
    if (clause.length > 0) clauses.push(clause);
  }
  return clauses;
}

/**
 * The output format a trailing `FORMAT x` clause names (only `SETTINGS` may follow it), and whether
 * settings follow it. Not the `format(…)` function, nor a column called `format`.
 */
export function formatClause(tokens: Token[]): { format: string; settingsAfter: boolean } | undefined {
  for (let i = tokens.length - 2; i >= 0; i--) {
    const next = tokens[i + 1];
    const after = tokens[i + 2];
    if (isWord(tokens[i], 'FORMAT') && (next.kind === 'word' || next.kind === 'quoted') && (after === undefined || isWord(after, 'SETTINGS'))) {
      return { format: unquote(next.text), settingsAfter: after !== undefined };
    }
  }
  return undefined;
}

export function hasSequence(tokens: Token[], ...words: string[]): boolean {
  return tokens.some((_, i) => words.every((w, k) => isWord(tokens[i + k], w)));
}

export function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === 'word' && token.text.toUpperCase() === word;
}

function unquote(text: string): string {
  return /^[`"]/.test(text) ? text.slice(1, -1) : text;
}
