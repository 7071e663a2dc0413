/** Helpers of this folder's tests: the batch builders (shared with rows.test.ts), hostile values, and Native inserts read from a file. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { defaultSchemaOptions, migrate } from '../../../storage/clickhouse/schema/index.ts';
import { clickhouseRowStore } from '../../../storage/clickhouse/store.ts';
import { openTestEngine, type TestEngine } from '../../../storage/clickhouse/testing.ts';
import type { Occurrence } from '../../../issues/types.ts';
import { attrs } from '../testing.ts';
import { columnHeader } from './block.ts';
import { encodeErrorEventsNative, errorEventColumns } from './errorEvents.ts';

export { attrs, checkout, group, id, logs, makeLog, makeSpan, maxNanos, traces } from '../testing.ts';
export { errorEventsBlockBeforeOccurrences } from './testingBlocks.ts';

/** Strings that break naive binary or text writers, as the decoder hands them over. */
export const hostile: Array<[string, string]> = [
  ['empty', ''],
  ['NUL bytes', 'a\u0000b\u0000'],
  ['every control character', Array.from({ length: 32 }, (_, c) => String.fromCharCode(c)).join('')],
  ['a lone high surrogate', 'a\ud800b'],
  ['a lone low surrogate', 'a\udc00b'],
  ['surrogates in the wrong order', '\udc00\ud800'],
  ['a high surrogate at the end', 'end\udbff'],
  ['U+FFFD', '\ufffd'],
  // What the decoder makes of invalid UTF-8 on the wire (61 ff fe 62 c3 28): U+FFFD per bad sequence.
  ['invalid UTF-8 as decoded', Buffer.from([0x61, 0xff, 0xfe, 0x62, 0xc3, 0x28]).toString('utf8')],
  ['4-byte emoji and ZWJ sequences', '😀 👩‍👩‍👧 🏳️‍🌈'],
  ['non-ASCII text', 'héllo wörld ñ 中文 العربية'],
  ['quotes, backslashes and JSON look-alikes', 'say "hi" \\ {"a":[1]} \\u0041'],
  ['a string of 127 bytes', 'x'.repeat(127)],
  ['a string of 128 bytes', 'x'.repeat(128)],
  ['43 three-byte characters', '€'.repeat(43)],
  ['1 MiB', 'é😀x'.repeat(2 ** 20 / 7) + 'x'.repeat(2 ** 20 % 7)],
];

/** Every AnyValue type, with the values AsString handles specially. */
export const typedValues = attrs(
  ['string', 'x'],
  ['true', true],
  ['false', false],
  ['int', -9_007_199_254_740_993n],
  ['int64 max', 9_223_372_036_854_775_807n],
  ['double', 637.704],
  ['huge double', 1e21],
  ['NaN', NaN],
  ['bytes', new Uint8Array([0xfb, 0xff, 0x01, 0x00])],
  ['empty value', null],
  ['array', ['a', 1n, 2.5, true, null, new Uint8Array([1]), '<"\ud800">']],
  ['kvlist', attrs(['z', 1n], ['a', attrs(['k', ['v']])], ['"', '\u2028'])],
);


/** Native inserts into an engine, each through a file of its own, as the write-ahead log's inserter does. */
export function nativeInserter(engine: TestEngine) {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-native-'));
  return {
    /** Writes `blocks` one after another into a new file and inserts it into `table`. Returns the file's path. */
    async insert(table: string, columns: readonly string[], blocks: Uint8Array[], token?: string): Promise<string> {
      const path = join(dir, `${randomUUID()}.native`);
      writeFileSync(path, Buffer.concat(blocks));
      await this.insertFile(table, columns, path, token);
      return path;
    },
    async insertFile(table: string, columns: readonly string[], path: string, token?: string): Promise<void> {
      const settings = token === undefined ? '' : ` SETTINGS insert_deduplication_token = '${token}'`;
      const list = columns.map((c) => `\`${c}\``).join(', ');
      await engine.client.command({ query: `INSERT INTO ${table} (${list}) SELECT * FROM file('${path}', 'Native')${settings}` });
    },
    close: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** Rows of table `a` missing from `b` and of `b` missing from `a`, and each table's count: all columns compared. */
export async function compareTables(engine: TestEngine, a: string, b: string) {
  const count = async (query: string) => Number((await engine.select<{ n: string }>(`SELECT count() AS n FROM (${query})`))[0].n);
  return {
    onlyInFirst: await count(`SELECT * FROM ${a} EXCEPT SELECT * FROM ${b}`),
    onlyInSecond: await count(`SELECT * FROM ${b} EXCEPT SELECT * FROM ${a}`),
    rows: [await count(`SELECT * FROM ${a}`), await count(`SELECT * FROM ${b}`)],
  };
}

/**
 * A test file's engine (chDB binds one data directory per process) with the gateway's tables twice:
 * in database `native`, filled through {@link nativeInserter}, and in `json`, filled as JSONEachRow.
 * Call `setup` in `beforeAll` and `teardown` in `afterAll`.
 */
export function encoderTables() {
  const engine = openTestEngine();
  const native = nativeInserter(engine);
  return {
    engine,
    native,
    json: clickhouseRowStore(engine.client, 'json'),
    async setup() {
      await migrate(engine.client, { ...defaultSchemaOptions, database: 'native' });
      await migrate(engine.client, { ...defaultSchemaOptions, database: 'json' });
    },
    async teardown() {
      native.close();
      await engine.close();
    },
  };
}
