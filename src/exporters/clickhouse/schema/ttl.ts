import type { ClickHouseClient } from '@clickhouse/client';
import { tableNames, type SchemaOptions } from './options.ts';
import { rows } from './server.ts';
import { quoteIdent, ttlClause } from './sql.ts';

/** The time expression each table's TTL is measured on (reference §1). */
function ttlColumns(opts: SchemaOptions): Array<[table: string, column: string]> {
  const names = tableNames(opts);
  return [
    [names.traces, 'toDateTime(Timestamp)'],
    [names.traceIdTs, 'toDateTime(Start)'],
    [names.logs, 'toDateTime(Timestamp)'],
  ];
}

/** The TTL expression of a `CREATE TABLE` statement as ClickHouse prints it, or '' when none. */
export function tableTtl(createQuery: string): string {
  const match = /\bTTL\s+(.+?)\s*(?:\bSETTINGS\b|$)/s.exec(createQuery);
  return match ? match[1].replace(/\s+/g, ' ').trim() : '';
}

/**
 * Makes each telemetry table's TTL match `opts.ttlSeconds`, so retention can change after the
 * tables exist (migrations record what they created; retention is configuration, not shape).
 * Returns the tables it altered.
 */
export async function reconcileTtl(client: ClickHouseClient, opts: SchemaOptions): Promise<string[]> {
  const columns = ttlColumns(opts);
  const current = new Map(
    (await rows<{ name: string; create_table_query: string }>(
      client,
      'SELECT name, create_table_query FROM system.tables WHERE database = {database:String} AND name IN {names:Array(String)}',
      { database: opts.database, names: columns.map(([t]) => t) },
    )).map((r) => [r.name, tableTtl(r.create_table_query)]),
  );
  const onCluster = opts.cluster === undefined ? '' : ` ON CLUSTER ${quoteIdent(opts.cluster)}`;
  const altered: string[] = [];
  for (const [table, column] of columns) {
    const have = current.get(table);
    const want = ttlClause(opts.ttlSeconds, column).replace(/^TTL /, '');
    if (have === undefined || have === want) continue;
    const target = `${quoteIdent(opts.database)}.${quoteIdent(table)}${onCluster}`;
    await client.command({ query: want ? `ALTER TABLE ${target} MODIFY TTL ${want}` : `ALTER TABLE ${target} REMOVE TTL` });
    altered.push(table);
  }
  return altered;
}
