import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();
const nonNegativeInt = z.coerce.number().int().nonnegative();

/** `name:password` (the password may hold `:`); a list or one comma-separated string, as `OTELHOUSE_SQL_USERS` gives it. */
export const sqlUsersSchema = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(',')).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_.@-]+:.+$/, 'must be name:password (name of letters, digits, _ . @ -)')))
  .transform((list) => list.map((entry) => ({ name: entry.slice(0, entry.indexOf(':')), password: entry.slice(entry.indexOf(':') + 1) })));

/**
 * Options of the read-only ClickHouse HTTP endpoint on the embedded store (`sql`): Grafana's
 * ClickHouse data source, `@clickhouse/client`, DBeaver and `curl` read the tables through it.
 */
export const sqlConfigSchema = z.strictObject({
  /**
   * TCP port; 0 turns the endpoint off. Default 8123 (ClickHouse's HTTP port) with the embedded
   * store, off when `clickhouse.url` is set (readers connect to that server): see {@link sqlPort}.
   */
  port: z.coerce.number().int().min(0).max(65535).optional(),
  /** Interface to bind. Default `127.0.0.1`; anything else needs `users`. */
  host: z.string().min(1).default('127.0.0.1'),
  /**
   * Reader credentials, `name:password` (comma-separated in `OTELHOUSE_SQL_USERS`). None: the user
   * `default` with no password, as a fresh ClickHouse, and the endpoint binds loopback only.
   */
  users: sqlUsersSchema.default([]),
  /** Seconds a query may run (`max_execution_time`). Default 30. */
  maxExecutionTimeSeconds: positiveInt.default(30),
  /** Rows a query may read (`max_rows_to_read`); 0 = unlimited. Default 1 000 000 000. */
  maxRowsToRead: nonNegativeInt.default(1_000_000_000),
  /** Bytes a query may read, uncompressed (`max_bytes_to_read`); 0 = unlimited. Default 100 GiB. */
  maxBytesToRead: nonNegativeInt.default(100 * 2 ** 30),
  /** Rows a result may hold (`max_result_rows`, an error past it). Default 5 000 000. */
  maxResultRows: positiveInt.default(5_000_000),
  /** Bytes a result may hold before it is encoded (`max_result_bytes`). Default 256 MiB: the embedded engine buffers a result whole. */
  maxResultBytes: positiveInt.default(256 * 2 ** 20),
  /** Memory a query may use (`max_memory_usage`), bytes. Default 2 GiB. */
  maxMemoryUsage: positiveInt.default(2 * 2 ** 30),
  /** Threads a query may use (`max_threads`). Default 2, so ingest keeps the other cores. */
  maxThreads: positiveInt.default(2),
  /** Queries run at once; more wait in the queue. Default 2. */
  maxConcurrentQueries: positiveInt.default(2),
  /** Queries waiting for a slot; past it a query gets 503 `TOO_MANY_SIMULTANEOUS_QUERIES`. Default 32. */
  maxQueuedQueries: nonNegativeInt.default(32),
  /** Longest query text, bytes (ClickHouse's `max_query_size`). Default 262 144. */
  maxQueryBytes: positiveInt.default(262_144),
});

export type SqlConfig = z.infer<typeof sqlConfigSchema>;

/** The port to listen on, 0 for none: `sql.port` if given, else 8123 with the embedded store and 0 with a ClickHouse server. */
export function sqlPort(sql: SqlConfig, clickhouseUrl: string | undefined): number {
  return sql.port ?? (clickhouseUrl ? 0 : 8123);
}

/** The limits every query runs under (the `max*` options). */
export type SqlLimits = Omit<SqlConfig, 'port' | 'host' | 'users'>;
