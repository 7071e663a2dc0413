import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestEngine, type TestEngine } from '../../../storage/clickhouse/testing.ts';
import { assemble, columnHeader } from './block.ts';
import { LcColumn } from './columns.ts';

let engine: TestEngine;
beforeAll(() => {
  engine = openTestEngine();
});
afterAll(() => engine.close());

/** What ClickHouse itself writes for `select` with FORMAT Native. */
async function clickhouseNative(select: string): Promise<Buffer> {
  const path = join(tmpdir(), `otelhouse-lc-${randomUUID()}.native`);
  await engine.client.command({ query: `${select} INTO OUTFILE '${path}' FORMAT Native` });
  const bytes = readFileSync(path);
  rmSync(path);
  return bytes;
}

describe('a LowCardinality(String) column', () => {
  it.each([
    ['UInt8 indexes (a few distinct values, the empty one included)', 10, (n: number) => ['b', 'a', ''][n % 3]],
    ['UInt16 indexes (more than 256 distinct values)', 300, (n: number) => String(n)],
  ])('is byte for byte what ClickHouse writes, with %s', async (_name, rows, value) => {
    const column = new LcColumn(rows);
    for (let n = 0; n < rows; n++) column.add(value(n));
    const ours = assemble([[columnHeader('x', 'LowCardinality(String)'), ...column.parts()]], rows);
    const expr = rows === 10 ? "arrayElement(['b', 'a', ''], (number % 3) + 1)" : 'toString(number)';
    const theirs = await clickhouseNative(`SELECT toLowCardinality(${expr}) AS x FROM numbers(${rows})`);
    expect(Buffer.from(ours.bytes).equals(theirs)).toBe(true);
  });

  it('takes UInt32 indexes past 65 536 distinct values, and ClickHouse reads them back exactly', async () => {
    // ClickHouse writes so many rows in more than one block, so the check is by reading back.
    const rows = 70_000;
    const column = new LcColumn(rows);
    for (let n = 0; n < rows; n++) column.add(String(n * 7));
    const block = assemble([[columnHeader('x', 'LowCardinality(String)'), ...column.parts()]], rows);
    const path = join(tmpdir(), `otelhouse-lc-${randomUUID()}.native`);
    writeFileSync(path, block.bytes);
    await engine.client.command({ query: 'CREATE TABLE lc (x LowCardinality(String)) ENGINE = MergeTree ORDER BY tuple()' });
    await engine.client.command({ query: `INSERT INTO lc SELECT * FROM file('${path}', 'Native')` });
    rmSync(path);
    expect(await engine.select('SELECT count() AS n, uniqExact(x) AS u, sum(toUInt64(x)) AS total, min(toUInt64(x)) AS low FROM lc')).toEqual([
      { n: 70000, u: 70000, total: (7 * rows * (rows - 1)) / 2, low: 0 },
    ]);
  });
});
