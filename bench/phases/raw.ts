import type { CpuProfile } from '../lib/system.ts';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runWorker } from '../lib/child.ts';

export interface RawInsertResult {
  signal?: 'metrics';
  format: 'native' | 'json';
  chunkRows: number;
  inflight: number;
  chunkMiB: number;
  bytesPerRow: number;
  inserts: number;
  rows: number;
  elapsedMs: number;
  rowsPerSec: number;
  insertMs: { p50: number; max: number };
  cpuCores: number;
  mainThreadCores: number;
  cpuUsPerRow: number;
  /** The same CPU split by who used it (ClickHouse's counters against the process's). */
  profile: CpuProfile;
  peakRssMiB: number;
  storedRows: number;
  expectedStoredRows: number;
}

/** Phase 2: the raw insert ceiling, in its own process with its own embedded ClickHouse. */
export async function runRawInsert(opts: { format: 'native' | 'json'; chunkRows: number; inflight: number; durationMs: number; spansPerRequest: number; signal?: 'metrics' }): Promise<RawInsertResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'otelhouse-bench-raw-'));
  try {
    return await runWorker<RawInsertResult>('bench/workers/raw-insert.ts', [JSON.stringify({ ...opts, dataDir, distinctChunks: 3 })]);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
