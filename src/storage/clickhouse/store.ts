import { Readable } from 'node:stream';
import type { ClickHouseClient } from './client.ts';

/** The one-method transport the exporter writes through: insert pre-encoded rows, idempotently per token. */
export interface RowStore {
  /**
   * Inserts `JSONEachRow` rows into `table`. Inserting the same token twice stores the rows once
   * (ClickHouse insert deduplication), which makes a repeated insert safe.
   */
  insert(table: string, body: string, token: string): Promise<void>;
}

/** A {@link RowStore} over `@clickhouse/client` (embedded chDB or a server: same calls). */
export function clickhouseRowStore(client: ClickHouseClient, database: string): RowStore {
  return {
    async insert(table, body, token) {
      const result = await client.exec({
        // Identifiers are validated by the config schema; the token is a UUID we generated.
        query: `INSERT INTO \`${database}\`.\`${table}\` SETTINGS insert_deduplication_token = '${token}' FORMAT JSONEachRow`,
        // The string itself, not Buffer.from(body): chDB's connection turns every chunk back into
        // a string (a UTF-8 decode of the whole insert) and the HTTP connection writes strings to
        // the socket as UTF-8, so a Buffer only added an encode (and a decode) of every byte.
        values: Readable.from([body]),
      });
      // Drain the (empty) response so the connection is released.
      result.stream.resume();
      await new Promise<void>((resolve, reject) => {
        result.stream.on('end', resolve).on('error', reject);
        if (result.stream.readableEnded) resolve();
      });
    },
  };
}
