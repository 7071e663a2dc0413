import { z } from 'zod';

const positiveInt = z.coerce.number().int().positive();

/**
 * The export stage: the write-ahead log that requests are acknowledged on, and the inserts that
 * move its sealed segments into ClickHouse. Defaults measured with `npm run bench` (bench/README.md).
 */
export const exporterConfigSchema = z.strictObject({
  /**
   * Bound on the write-ahead log's bytes on disk (acknowledged, not yet in ClickHouse); when an
   * append would pass it, requests get 503 with Retry-After. Default 1 GiB.
   */
  maxWalBytes: positiveInt.default(1024 * 1024 * 1024),
  /**
   * A segment is sealed and inserted once it holds this many rows. The insert's memory grows with
   * it (embedded chDB, `otel_traces`: ~400 MiB resident at 10 000-row inserts, ~950 MiB at 50 000)
   * while its CPU per row does not (18.8 and 19.0 µs), so the default keeps inserts small. Default 20 000.
   */
  segmentMaxRows: positiveInt.default(20_000),
  /** or this many bytes, */
  segmentMaxBytes: positiveInt.default(64 * 1024 * 1024),
  /**
   * or this long after its first row was acknowledged: the longest a row waits before its insert
   * starts (the visibility lag when idle). Default 1000.
   */
  segmentMaxAgeMs: positiveInt.default(1000),
  /** An insert slower than this counts as failed and is retried (its segment stays on disk). */
  insertTimeoutMs: positiveInt.default(30_000),
  /** Delay before retrying a failed insert (doubles up to 30 s). */
  retryInitialMs: positiveInt.default(500),
});

export type ExporterConfig = z.infer<typeof exporterConfigSchema>;
