/**
 * A tenant's reader sees its own database in the listings too: the `system` and
 * `information_schema` tables that list databases, tables and columns are read through a subquery
 * that keeps the rows of its database (and of `system` and `information_schema`), as ClickHouse
 * shows a user only the databases it is granted. Applied to the guard's canonical text, after it
 * let the query through.
 */

/** Listing tables (`db.table`, lower case) and the column naming each row's database. */
const LISTINGS: Record<string, string> = {
  'system.databases': 'name',
  'system.tables': 'database',
  'system.columns': 'database',
  'system.data_skipping_indices': 'database',
  'information_schema.tables': 'table_schema',
  'information_schema.columns': 'table_schema',
  'information_schema.schemata': 'schema_name',
  'information_schema.views': 'table_schema',
};

/** Same tokens as the lexer's, whitespace kept, so positions add up. */
const TOKEN = /\s+|'(?:[^'\\]|\\[\s\S]|'')*'|`(?:[^`\\]|\\[\s\S]|``)*`|"(?:[^"\\]|\\[\s\S]|"")*"|[A-Za-z_][A-Za-z0-9_$]*|\d[\w.]*(?:[eE][+-]?\d+)?|[\s\S]/g;

const unquote = (text: string) => (/^[`"]/.test(text) ? text.slice(1, -1) : text);

/**
 * `sql` with every listing table it reads (`system.tables`, `INFORMATION_SCHEMA.COLUMNS`, …)
 * replaced by `(SELECT * FROM <it> WHERE <database column> IN (<visible>)) AS <its name>` (its own
 * alias kept when it has one). A column qualified with the table's full name (`system.tables.name`)
 * is left as it is and fails, rather than reading past the filter.
 */
export function scopeListings(sql: string, database: string): string {
  const tokens = [...sql.matchAll(TOKEN)].map((m) => m[0]);
  // Plain identifiers (the configuration allows no other database names): nothing to escape.
  const visible = [database, 'system', 'information_schema', 'INFORMATION_SCHEMA'].map((d) => `'${d}'`).join(', ');
  const out: string[] = [];
  const next = (from: number) => {
    let i = from;
    while (i < tokens.length && /^\s/.test(tokens[i]!)) i++;
    return i;
  };
  for (let i = 0; i < tokens.length; i++) {
    const first = tokens[i]!;
    const dot = next(i + 1);
    const second = next(dot + 1);
    const after = next(second + 1);
    const column = /^[A-Za-z_`"]/.test(first) && tokens[dot] === '.' && tokens[second] !== undefined
      ? LISTINGS[`${unquote(first)}.${unquote(tokens[second]!)}`.toLowerCase()]
      : undefined;
    const previous = out.findLast((t) => !/^\s/.test(t));
    if (column === undefined || tokens[after] === '.' || previous === '.') {
      out.push(first);
      continue;
    }
    const db = unquote(first);
    const table = unquote(tokens[second]!);
    const col = db === 'INFORMATION_SCHEMA' ? column.toUpperCase() : column;
    const aliased = /^AS$/i.test(tokens[after] ?? '');
    out.push(`(SELECT * FROM \`${db}\`.\`${table}\` WHERE ${col} IN (${visible}))${aliased ? '' : ` AS \`${table}\``}`);
    i = second;
  }
  return out.join('');
}
