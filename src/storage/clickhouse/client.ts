import { join } from 'node:path';
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import type { ClickHouseConfig } from './config.ts';

export type { ClickHouseClient };

/**
 * The one `@clickhouse/client` the gateway uses. With `clickhouse.url` it talks HTTP to a
 * ClickHouse server or cluster; without it, the real ClickHouse engine runs in-process through
 * chDB with its data under `<dataDir>/clickhouse`. Everything above this function is the same code
 * path for both.
 *
 * The client's own log lines (multi-line dumps on stderr by default, one per failed request) go to
 * `log` at debug level: each is an error the caller is handed and reports itself, in one line.
 */
export async function createClickHouseClient(config: { dataDir: string; clickhouse: ClickHouseConfig }, log?: ClientLog, database?: string): Promise<ClickHouseClient> {
  const { url, username, password } = config.clickhouse;
  // `database`: what unqualified names resolve to (a server's per request; the embedded session's is set with `USE`).
  if (url) return createClient({ url, username, password, database, request_timeout: 60_000, log: clientLog(log) });
  // Loaded lazily: a deployment against a ClickHouse server never maps the embedded engine.
  const { createChdbConnection } = await import('chdb/connection');
  return createClient({ connection: createChdbConnection({ path: join(config.dataDir, 'clickhouse') }) } as Parameters<typeof createClient>[0]);
}

/** Where the client's own log lines go. */
export interface ClientLog {
  debug(obj: object, msg: string): void;
}

function clientLog(log: ClientLog | undefined): NonNullable<Parameters<typeof createClient>[0]>['log'] {
  if (!log) return { level: ClickHouseLogLevel.OFF };
  const write = ({ module, message, err }: { module: string; message: string; err?: Error }) => log.debug({ module, err: err?.message }, `@clickhouse/client: ${message}`);
  return {
    level: ClickHouseLogLevel.WARN,
    LoggerClass: class {
      trace = write;
      debug = write;
      info = write;
      warn = write;
      error = write;
    },
  };
}
