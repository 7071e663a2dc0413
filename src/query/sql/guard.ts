/**
 * The query guard: decides with ClickHouse's own parser what a statement is and what it touches,
 * and lets through only reading of the configured database and a few harmless `system` tables.
 *
 * 1. `formatQuerySingleLine` (the query text bound as a parameter, never spliced) parses the text
 *    as one statement and prints it back canonically: comments gone, a second statement a syntax
 *    error. That canonical text is what is classified and what runs, so nothing parses twice
 *    differently.
 * 2. `EXPLAIN AST` of it (query parameters bound, so `{t:Identifier}` shows the table it names),
 *    one row a node, walked by the rules below. `readonly` is no guard on the embedded engine:
 *    `file()` reads with `readonly = 2`, and `INTO OUTFILE` writes with `readonly = 1`.
 */
import type { ClickHouseClient } from '../../storage/clickhouse/client.ts';
import { nameOf, parseAst, walk, type AstNode } from './ast.ts';
import type { SqlLimits } from './config.ts';
import { SqlError, fromEngine } from './errors.ts';
import { formatClause, hasSequence, settingsClauses, tokenize, type Setting } from './lexer.ts';
import { DENIED_FUNCTIONS, DENIED_FUNCTION_PREFIXES, INFORMATION_SCHEMA_VIEWS, SYSTEM_TABLES, TABLE_FUNCTIONS } from './policy.ts';
import { scopeListings } from './scope.ts';
import { checkSetting } from './settings.ts';

/** A statement the guard let through. */
export interface Classified {
  /** The canonical text to run. */
  sql: string;
  /** The format its `FORMAT` clause names, if any. */
  format?: string;
  /** Its `FORMAT` clause is followed by `SETTINGS` (more settings are appended with a comma). */
  settingsAfterFormat: boolean;
}

export interface QueryGuard {
  /** Throws a {@link SqlError} for anything but reading; `params` are the query's `{name:Type}` values. */
  classify(text: string, params: Record<string, string>): Promise<Classified>;
}

const STATEMENTS = new Set(['SelectWithUnionQuery', 'DescribeQuery', 'ShowTables']);
const SHOW = /^SHOW (?:FULL )?(?:TABLES|DATABASES)(?: (?:FROM|IN) `?([A-Za-z_][A-Za-z0-9_]*)`?)?(?: (?:NOT )?I?LIKE '(?:[^'\\]|\\.)*')?(?: LIMIT \d+)?(?: FORMAT \w+)?(?: SETTINGS .*)?$/;
/** Statement-like nodes a SELECT may hold (a nested `EXPLAIN` or any other statement is refused). */
const NESTED = new Set(['SelectWithUnionQuery', 'SelectQuery', 'SelectIntersectExceptQuery', 'TablesInSelectQuery']);
const IN_FUNCTIONS = new Set(['in', 'notin', 'globalin', 'globalnotin', 'nullin', 'notnullin', 'globalnullin', 'globalnotnullin']);

/**
 * `scoped`: a tenant's reader, who sees its own database in the listings of databases, tables and
 * columns too ({@link scopeListings}), and may not `SHOW DATABASES` (which lists them all).
 */
export async function createQueryGuard(client: ClickHouseClient, database: string, limits: SqlLimits, scoped = false): Promise<QueryGuard> {
  const result = await client.query({ query: 'SELECT lower(name) AS name FROM system.table_functions', format: 'JSONEachRow' });
  const tableFunctions = new Set((await result.json<{ name: string }>()).map((r) => r.name));
  const denied = (name: string): string | undefined => {
    const n = name.toLowerCase();
    if (DENIED_FUNCTIONS.has(n) || DENIED_FUNCTION_PREFIXES.some((p) => n.startsWith(p))) return `function ${name}()`;
    if (tableFunctions.has(n) && !TABLE_FUNCTIONS.has(n)) return `table function ${name}()`;
    return undefined;
  };

  const checkTable = (name: string): void => {
    if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(name)) throw SqlError.of('ACCESS_DENIED', `Not enough privileges: table ${JSON.stringify(name)} is not readable here (use plain names)`);
    const [db, table] = name.includes('.') ? name.split('.') : [database, name];
    if (db === database) return;
    if (db === 'system' && SYSTEM_TABLES.has(table)) return;
    if (db.toLowerCase() === 'information_schema' && INFORMATION_SCHEMA_VIEWS.has(table)) return;
    throw SqlError.of('ACCESS_DENIED', `Not enough privileges: ${db}.${table} is not readable here; readers see database ${database} and the system tables that list databases, tables, columns and functions`);
  };

  const checkTree = (root: AstNode): number => {
    let sets = 0;
    for (const { node, parent } of walk(root)) {
      if (node.kind === 'Set') sets++;
      else if (node.kind === 'TableIdentifier') checkTable(nameOf(node));
      else if (node.kind === 'SelectWithUnionQuery' && node.children.some((c) => c.kind === 'Literal')) throw SqlError.of('ACCESS_DENIED', 'INTO OUTFILE is not allowed here');
      else if (node.kind === 'Function') {
        const name = nameOf(node);
        const why = denied(name);
        if (why) throw SqlError.of('ACCESS_DENIED', `Not enough privileges: ${why} is not allowed here`);
        if (parent?.kind === 'TableExpression' && !TABLE_FUNCTIONS.has(name.toLowerCase())) throw SqlError.of('ACCESS_DENIED', `Not enough privileges: table function ${name}() is not allowed here`);
        const rhs = node.children[0]?.children[1];
        if (IN_FUNCTIONS.has(name.toLowerCase()) && rhs?.kind === 'Identifier') checkTable(nameOf(rhs));
      } else if (node.kind === 'QueryParameter') throw SqlError.of('BAD_ARGUMENTS', 'query parameters must be bound');
      else if (parent && (node.kind === 'Explain' || /Query$/.test(node.kind)) && !NESTED.has(node.kind)) {
        throw SqlError.of('READONLY', `Cannot execute query in readonly mode (${node.kind})`);
      }
    }
    return sets;
  };

  return {
    async classify(text, params) {
      const sql = await engine(async () => {
        const rows = await client.query({ query: 'SELECT formatQuerySingleLine({q:String}) AS q', query_params: { q: text }, format: 'JSONEachRow' });
        return (await rows.json<{ q: string }>())[0].q;
      });
      const tokens = tokenize(sql);
      if (hasSequence(tokens, 'INTO', 'OUTFILE')) throw SqlError.of('ACCESS_DENIED', 'INTO OUTFILE is not allowed here');
      const tree = await engine(async () => {
        const result = await client.exec({ query: `EXPLAIN AST ${sql}`, query_params: params, clickhouse_settings: { default_format: 'JSONCompactEachRow' } });
        let out = '';
        for await (const chunk of result.stream) out += chunk.toString();
        return out.split('\n').filter(Boolean).map((line) => (JSON.parse(line) as string[])[0].replace(/\n/g, '\\n')).join('\n');
      });
      const root = parseAst(tree);
      if (!root) throw SqlError.of('ACCESS_DENIED', 'the query could not be classified');
      if (!STATEMENTS.has(root.kind)) throw SqlError.of('READONLY', `Cannot execute query in readonly mode: only SELECT, DESCRIBE and SHOW TABLES/DATABASES run here (got ${root.kind})`);
      if (root.kind === 'ShowTables') {
        const m = SHOW.exec(sql);
        if (!m) throw SqlError.of('READONLY', `Cannot execute query in readonly mode: only SHOW TABLES and SHOW DATABASES run here`);
        if (m[1] !== undefined && m[1] !== database && m[1] !== 'system') checkTable(`${m[1]}.tables`);
        if (scoped && /^SHOW (?:FULL )?DATABASES/.test(sql)) throw SqlError.of('ACCESS_DENIED', `Not enough privileges: SHOW DATABASES lists every tenant's database; SELECT name FROM system.databases lists those you can read`);
      }
      const sets = checkTree(root);
      const clauses = settingsClauses(tokens);
      if (clauses.length !== sets) throw SqlError.of('ACCESS_DENIED', 'the SETTINGS clauses could not be read; give settings as name = literal');
      for (const { name, value } of clauses.flat() as Setting[]) checkSetting(name, value, limits);
      const format = formatClause(tokens);
      return { sql: scoped ? scopeListings(sql, database) : sql, format: format?.format, settingsAfterFormat: format?.settingsAfter ?? false };
    },
  };
}

async function engine<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw fromEngine(err);
  }
}
