import { afterAll, beforeAll, expect, it } from 'vitest';
import { openTestEngine, type TestEngine } from '../../storage/clickhouse/testing.ts';
import { nativeAtRevision } from './native.ts';

let engine: TestEngine;
beforeAll(() => {
  engine = openTestEngine();
});
afterAll(() => engine?.close());

// Types of the telemetry tables and of Grafana's OTel queries, over several blocks.
const query =
  "SELECT toLowCardinality(toString(number % 3)) AS lc, CAST(if(number % 2, NULL, 'x'), 'LowCardinality(Nullable(String))') AS lcn, " +
  "map(toLowCardinality(toString(number)), 'v') AS attrs, [tuple('e', number, map('k', 'v'))]::Array(Tuple(name String, n UInt64, a Map(String, String))) AS events, " +
  "if(number % 2, NULL, number) AS maybe, toDecimal64(number, 3) AS dec, toFixedString('ab', 2) AS fs, generateUUIDv4() AS id, " +
  "now64(9) AS ts, CAST('a', 'Enum8(\\'a\\' = 1, \\'b,c\\' = 2)') AS e, [[1, 2], [number]] AS nested, 'tail' AS last " +
  'FROM numbers(10) SETTINGS max_block_size = 3 FORMAT Native';

it('re-frames every block: 8 bytes of block info and one serialization byte a column, data untouched', async () => {
  const body = Buffer.concat(await (await engine.client.exec({ query })).stream.toArray());
  const framed = nativeAtRevision(body, 54460);
  const blocks = 4;
  expect(framed.length).toBe(body.length + blocks * (8 + 12));
  expect(framed.subarray(0, 8)).toEqual(Buffer.from([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]));
  expect(framed.subarray(-4).toString()).toBe('tail');
});

it('leaves revision 0 (a client that sent no protocol version) as the engine wrote it', () => {
  const body = Buffer.from([1, 0, 1, 0x31, 5, 0x55, 0x49, 0x6e, 0x74, 0x38]);
  expect(nativeAtRevision(body, 0)).toBe(body);
});

it('refuses a column type it cannot walk rather than send a broken stream', async () => {
  const body = Buffer.concat(await (await engine.client.exec({ query: "SELECT CAST('{}', 'JSON') AS j FORMAT Native" })).stream.toArray());
  expect(() => nativeAtRevision(body, 54460)).toThrow(/not supported/);
});
