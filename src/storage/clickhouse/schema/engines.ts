import type { SchemaOptions } from './options.ts';
import { quoteIdent } from './sql.ts';

/** How many recent insert blocks a table remembers for `insert_deduplication_token`. */
export const DEDUPLICATION_WINDOW = 10_000;

/** SQL fragments shared by every template, derived from validated options. */
export function commonVars(opts: SchemaOptions): { database: string; onCluster: string; dedupWindow: string } {
  const setting = opts.replicated ? 'replicated_deduplication_window' : 'non_replicated_deduplication_window';
  return {
    database: opts.database,
    onCluster: opts.cluster === undefined ? '' : ` ON CLUSTER ${quoteIdent(opts.cluster)}`,
    dedupWindow: `${setting} = ${DEDUPLICATION_WINDOW}`,
  };
}

/**
 * The table engine for these options.
 * @param args the engine's own parameters (`Version` for ReplacingMergeTree), default none
 */
export function engine(opts: SchemaOptions, kind: '' | 'Aggregating' | 'Replacing' | 'Summing', args = ''): string {
  // Without the path and replica parameters a Replicated engine takes the server's
  // default_replica_path / default_replica_name; its own parameters follow unchanged.
  return opts.replicated ? `Replicated${kind}MergeTree(${args})` : `${kind}MergeTree(${args})`;
}


