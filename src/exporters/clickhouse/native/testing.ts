/** Helpers of this folder's tests: batch builders, hostile values, and Native inserts read from a file. */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { AnyValue, Attributes, LogBatch, LogRecord, ResourceGroup, Span, TraceBatch } from '../../../batch/types.ts';
import type { TestEngine } from '../../../storage/clickhouse/testing.ts';

export const attrs = (...entries: Array<[string, AnyValue]>): Attributes => new Map(entries);
export const id = (n: number, width: number) => n.toString(16).padStart(width, '0');

export function makeSpan(n: number, overrides: Partial<Span> = {}): Span {
  return {
    traceId: id(0xabc000 + n, 32),
    spanId: id(0x5a000 + n, 16),
    parentSpanId: '',
    traceState: '',
    flags: 1,
    name: `span ${n}`,
    kind: 2,
    startTimeUnixNano: 1_700_000_000_000_000_000n + BigInt(n),
    endTimeUnixNano: 1_700_000_000_001_500_000n + BigInt(n),
    attributes: attrs(['http.request.method', 'GET']),
    droppedAttributesCount: 0,
    events: [],
    droppedEventsCount: 0,
    links: [],
    droppedLinksCount: 0,
    status: { code: 0, message: '' },
    ...overrides,
  };
}

export function makeLog(n: number, overrides: Partial<LogRecord> = {}): LogRecord {
  return {
    timeUnixNano: 1_700_000_000_000_000_000n + BigInt(n),
    observedTimeUnixNano: 1_700_000_000_000_000_999n,
    severityNumber: 9,
    severityText: 'INFO',
    body: `log ${n}`,
    attributes: attrs(['order.id', '42']),
    droppedAttributesCount: 0,
    flags: 1,
    traceId: id(0xdef000 + n, 32),
    spanId: id(0x10a000 + n, 16),
    eventName: '',
    ...overrides,
  };
}

export function group<R>(records: R[], resource: Attributes, scopeName = 'io.test', scopeVersion = '1.0.0', scopeAttributes = attrs()): ResourceGroup<R> {
  return {
    resource: { attributes: resource, droppedAttributesCount: 0 },
    schemaUrl: 'https://opentelemetry.io/schemas/1.26.0',
    scopes: [{ scope: { name: scopeName, version: scopeVersion, attributes: scopeAttributes, droppedAttributesCount: 0 }, schemaUrl: '', records }],
  };
}

export const traces = (...resources: ResourceGroup<Span>[]): TraceBatch => ({ signal: 'traces', resources });
export const logs = (...resources: ResourceGroup<LogRecord>[]): LogBatch => ({ signal: 'logs', resources });
export const checkout = attrs(['service.name', 'checkout']);

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

export const maxNanos = (1n << 63n) - 1n;

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
