import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '../../src/storage/clickhouse/client.ts';

/**
 * Real zstd bodies, written by ClickHouse's own zstd encoder (the `file()` table function with
 * compression), so the tests need no zstd tool on the machine: `select` is a SELECT of one String
 * column whose values are concatenated (RawBLOB), e.g. `SELECT unhex({hex:String})`.
 */
export async function zstdBySql(client: ClickHouseClient, select: string, params: Record<string, unknown> = {}): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-zstd-'));
  try {
    const path = join(dir, 'body.zst');
    await client.command({
      query: `INSERT INTO FUNCTION file({path:String}, 'RawBLOB', 'data String', 'zstd') ${select}`,
      query_params: { ...params, path },
    });
    return readFileSync(path);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `bytes` compressed into one zstd frame by ClickHouse. */
export function zstdCompress(client: ClickHouseClient, bytes: Uint8Array | string): Promise<Buffer> {
  return zstdBySql(client, 'SELECT unhex({hex:String})', { hex: Buffer.from(bytes).toString('hex') });
}
