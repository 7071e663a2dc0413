import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from './client.ts';

/**
 * The one-method transport the write-ahead log's inserters write through: insert one segment's
 * Native blocks into a table, idempotently per token. Resilience (timeouts, retries, quarantine)
 * wraps it in the inserter.
 */
export interface BlockStore {
  /**
   * Inserts `blocks` (Native, each carrying `columns` in this order) into `table`. Inserting the
   * same token twice stores the rows once (ClickHouse insert deduplication), which is what makes a
   * segment's insert safe to repeat after a crash.
   */
  insert(table: string, columns: readonly string[], blocks: readonly Uint8Array[], token: string): Promise<void>;
}

const columnList = (columns: readonly string[]) => columns.map((c) => `\`${c}\``).join(', ');

/** A string literal for ClickHouse SQL. */
const literal = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * A {@link BlockStore} for the embedded engine: the blocks are written to a file under `tmpDir`
 * (the page cache; no fsync — the segment itself is the durable copy) and read by ClickHouse with
 * `INSERT … SELECT * FROM file(…, 'Native')`, since chDB's insert path takes only text bodies.
 * Measured on chDB 26.7: 5.4 µs of CPU per `otel_traces` row against 17.9–34.5 for JSONEachRow.
 */
export function embeddedBlockStore(client: ClickHouseClient, database: string, tmpDir: string): BlockStore {
  return {
    async insert(table, columns, blocks, token) {
      const path = resolve(tmpDir, `${token}-${randomBytes(4).toString('hex')}.native`);
      await writeFile(path, blocks);
      try {
        await client.command({
          // Identifiers come from the validated config; the token and path are ours.
          query:
            `INSERT INTO \`${database}\`.\`${table}\` (${columnList(columns)}) ` +
            `SETTINGS insert_deduplication_token = ${literal(token)} SELECT * FROM file(${literal(path)}, 'Native')`,
        });
      } finally {
        await rm(path, { force: true });
      }
    },
  };
}

/** A {@link BlockStore} for a ClickHouse server: the blocks are streamed as the body of `INSERT … FORMAT Native`. */
export function serverBlockStore(client: ClickHouseClient, database: string): BlockStore {
  return {
    async insert(table, columns, blocks, token) {
      const result = await client.exec({
        query: `INSERT INTO \`${database}\`.\`${table}\` (${columnList(columns)}) SETTINGS insert_deduplication_token = ${literal(token)} FORMAT Native`,
        values: Readable.from(blocks.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength))),
      });
      // Drain the (empty) response so the connection is released.
      result.stream.resume();
      await new Promise<void>((done, fail) => {
        result.stream.on('end', done).on('error', fail);
        if (result.stream.readableEnded) done();
      });
    },
  };
}
