import { Readable } from 'node:stream';
import type { ClickHouseClient } from './client.ts';

/** The one-method transport the exporter writes through: insert pre-encoded rows, idempotently per token. */
export interface RowStore {
  /**
   * Inserts `JSONEachRow` rows into `table`. Inserting the same token twice stores the rows once
   * (ClickHouse insert deduplication), which is what makes spool replay safe.
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
        values: Readable.from([Buffer.from(body)]),
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
