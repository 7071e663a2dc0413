import { join } from 'node:path';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from './config.ts';

export type { ClickHouseClient };

/**
 * The one `@clickhouse/client` the gateway uses. With `clickhouse.url` it talks HTTP to a
 * ClickHouse server or cluster; without it, the real ClickHouse engine runs in-process through
 * chDB with its data under `<dataDir>/clickhouse`. Everything above this function is the same code
 * path for both.
 */
export async function createClickHouseClient(config: { dataDir: string; clickhouse: ClickHouseConfig }): Promise<ClickHouseClient> {
  const { url, username, password } = config.clickhouse;
  if (url) return createClient({ url, username, password, request_timeout: 60_000 });
  // Loaded lazily: a deployment against a ClickHouse server never maps the embedded engine.
  const { createChdbConnection } = await import('chdb/connection');
  return createClient({ connection: createChdbConnection({ path: join(config.dataDir, 'clickhouse') }) } as Parameters<typeof createClient>[0]);
}
