import type { ClickHouseClient } from '@clickhouse/client';

import { expectedTables, type ExpectedColumn, type ExpectedTable } from './expected.ts';
import { DEDUPLICATION_WINDOW } from './migrations.ts';
import { validateSchemaOptions, type SchemaOptions } from './options.ts';
import { renderTemplate } from './render.ts';
import { rows } from './server.ts';

/** One way a table differs from what the code expects. */
export interface DriftProblem {
  table: string;
  /** Absent for table-level problems (missing table, keys). */
  column?: string;
  /** E.g. `missing column`, `type is UInt16, expected UInt8`, `sorting key is X, expected Y`. */
  problem: string;
}

interface TableRow { name: string; engine: string; sorting_key: string; partition_key: string; create_table_query: string }
interface ColumnRow { table: string; name: string; type: string; default_kind: string; default_expression: string }

/**
 * Compares `system.tables` and `system.columns` with the expected shape: columns (name, type,
 * computed or stored), sorting and partition keys, the insert deduplication window, and views
 * (present, and holding the expression a replacement put in). Extra
 * columns are allowed, and so are the collector's older keys (tables we adopted without
 * rewriting). Returns no problems when the schema fits.
 */
export async function checkDrift(client: ClickHouseClient, opts: SchemaOptions): Promise<DriftProblem[]> {
  validateSchemaOptions(opts);
  const expected = expectedTables(opts);
  const params = { database: opts.database, tables: expected.map((t) => t.table) };
  const tables = await rows<TableRow>(client, renderTemplate('drift_tables', {}), params);
  const columns = await rows<ColumnRow>(client, renderTemplate('drift_columns', {}), params);
  return expected.flatMap((want) => {
    const actual = tables.find((t) => t.name === want.table);
    if (!actual) return [{ table: want.table, problem: want.view ? 'missing materialized view' : 'missing table' }];
    if (want.view) {
      if (actual.engine !== 'MaterializedView') return [{ table: want.table, problem: `engine is ${actual.engine}, expected MaterializedView` }];
      if (want.selects && !squash(actual.create_table_query).includes(want.selects)) return [{ table: want.table, problem: `query lacks ${want.selects}: an older definition` }];
      return [];
    }
    const byName = new Map(columns.filter((c) => c.table === want.table).map((c) => [c.name, c]));
    return [
      ...keyProblems(want, actual),
      ...dedupProblems(want.table, actual, opts),
      ...want.columns.flatMap((col) => columnProblems(want.table, col, byName.get(col.name))),
    ];
  });
}

function keyProblems(want: ExpectedTable, actual: TableRow): DriftProblem[] {
  const problems: DriftProblem[] = [];
  if (!want.sortingKeys.includes(actual.sorting_key)) {
    problems.push({ table: want.table, problem: `sorting key is ${actual.sorting_key}, expected ${want.sortingKeys[0]}` });
  }
  if (!want.partitionKeys.includes(actual.partition_key)) {
    problems.push({ table: want.table, problem: `partition key is ${actual.partition_key}, expected ${want.partitionKeys[0]}` });
  }
  return problems;
}

/** Without the window a segment inserted again after a crash would store its rows twice. */
function dedupProblems(table: string, actual: TableRow, opts: SchemaOptions): DriftProblem[] {
  const setting = opts.replicated ? 'replicated_deduplication_window' : 'non_replicated_deduplication_window';
  const value = new RegExp(`(?<!\\w)${setting} = (\\d+)`).exec(actual.create_table_query)?.[1];
  // Unset means 0 for non-replicated tables; replicated ones default to a non-zero window.
  const kept = value === undefined ? opts.replicated === true : value !== '0';
  if (kept) return [];
  return [{ table, problem: `${setting} is ${value ?? 'unset'}, expected ${DEDUPLICATION_WINDOW}` }];
}

const squash = (sql: string): string => sql.replace(/\s+/g, ' ').trim();

function columnProblems(table: string, want: ExpectedColumn, actual: ColumnRow | undefined): DriftProblem[] {
  if (!actual) return [{ table, column: want.name, problem: 'missing column' }];
  const problems: DriftProblem[] = [];
  if (actual.type !== want.type && !want.alsoAccepted?.includes(actual.type)) {
    problems.push({ table, column: want.name, problem: `type is ${actual.type}, expected ${want.type}` });
  }
  if (want.computed) {
    const { kind, expression } = want.computed;
    if (actual.default_kind !== kind || squash(actual.default_expression) !== squash(expression)) {
      const got = actual.default_kind ? `${actual.default_kind} ${actual.default_expression}` : 'a stored column';
      problems.push({ table, column: want.name, problem: `is ${got}, expected ${kind} ${expression}` });
    }
  } else if (actual.default_kind === 'MATERIALIZED' || actual.default_kind === 'ALIAS') {
    // Inserts write this column; ClickHouse refuses values for computed columns.
    problems.push({ table, column: want.name, problem: `is ${actual.default_kind} ${actual.default_expression}, expected a stored column` });
  }
  return problems;
}
