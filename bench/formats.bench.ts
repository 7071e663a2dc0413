/**
 * Insert formats for `otel_traces`: `node --max-semi-space-size=64 --import tsx bench/formats.bench.ts`
 * (not part of `npm test`; ~8 minutes on 2 cores). Writes `bench/results/formats.json` and prints
 * a table. `ROUNDS` (default 5): insert children per format; `ENCODER_ROUNDS` (default 40).
 *
 * 1. Encoder CPU µs per span, in this process: `encodeSpansNative` against `encodeSpans`
 *    (JSONEachRow, + its UTF-8 bytes), on the bench's 1000-span requests decoded off the clock
 *    (10 ahead, fresh strings), the encoders in alternating stretches; median of the rounds. Also
 *    "warm": the same 8 batches encoded over and over (as encode.bench.ts's "encode" figure).
 * 2. Insert CPU µs per row, whole process (utime + stime of every thread from /proc/self/stat, so
 *    chDB's threads count): ~200k spans in 10 files of 20k rows, each inserted with
 *    `INSERT INTO otel_traces (cols) SELECT * FROM file(path, fmt[, structure])`, one child process
 *    per format and round (chDB binds one data dir per process), table created by `migrate`, after
 *    a warm-up insert, with merges stopped (the same work for every format, run at random moments). Native files come from `encodeSpansNative`, JSONEachRow files from
 *    `encodeSpans`; every other format is made by ClickHouse itself from the Native files, off the
 *    clock (so only the insert side is measured). Formats other than Native are read with the
 *    table's own column types as structure, as `INSERT … FORMAT X` parses them on a server.
 *    `JSONEachRow via client` is today's path: the text through `clickhouseRowStore`.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import type { TraceBatch } from '../src/batch/types.ts';
import { encodeSpansNative, spanColumns } from '../src/exporters/clickhouse/native/index.ts';
import { encodeSpans } from '../src/exporters/clickhouse/rows.ts';
import { defaultSchemaOptions, migrate } from '../src/storage/clickhouse/schema/index.ts';
import { clickhouseRowStore } from '../src/storage/clickhouse/store.ts';
import { decodeTracesProtobuf } from '../src/receiver/otlp/index.ts';
import { repoRoot, runWorker } from './lib/child.ts';
import { round } from './lib/load.ts';
import { machineInfo } from './lib/report.ts';
import { RequestPool } from './lib/requests.ts';

const SPANS_PER_REQUEST = 1000;
const FILES = 10;
const REQUESTS_PER_FILE = 20;
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const ENCODER_ROUNDS = Number(process.env.ENCODER_ROUNDS ?? 40);
const WARM_UP_ROUNDS = 10;
const columnList = spanColumns.map((c) => `\`${c}\``).join(', ');

interface Format {
  name: string;
  /** The format's name for file(), and the file name extension. */
  format: string;
  ext: string;
  /** Read with the table's types as structure (else the file's own header). */
  tableTypes: boolean;
  /** Inserted through `clickhouseRowStore` (text) instead of file(). */
  client?: boolean;
}

const formats: Format[] = [
  { name: 'Native (encodeSpansNative)', format: 'Native', ext: 'native', tableTypes: false },
  { name: 'Native, table types (LowCardinality)', format: 'Native', ext: 'lc.native', tableTypes: false },
  { name: 'RowBinary', format: 'RowBinary', ext: 'rowbinary', tableTypes: true },
  { name: 'JSONCompactEachRow', format: 'JSONCompactEachRow', ext: 'jsoncompact', tableTypes: true },
  { name: 'JSONEachRow (encodeSpans)', format: 'JSONEachRow', ext: 'jsonl', tableTypes: true },
  { name: 'JSONEachRow via client (today)', format: 'JSONEachRow', ext: 'jsonl', tableTypes: true, client: true },
  { name: 'Arrow', format: 'Arrow', ext: 'arrow', tableTypes: true },
  { name: 'Parquet', format: 'Parquet', ext: 'parquet', tableTypes: true },
];

function openEngine(dataDir: string): ClickHouseClient {
  return createClient({ connection: createChdbConnection({ path: join(dataDir, 'clickhouse') }) } as Parameters<typeof createClient>[0]);
}

/** `otel_traces`' types of the columns the blocks carry, as a file() structure. */
async function tableStructure(client: ClickHouseClient): Promise<string> {
  const result = await client.query({ query: `SELECT name, type FROM system.columns WHERE database = 'default' AND table = 'otel_traces'`, format: 'JSONEachRow' });
  const types = new Map(((await result.json()) as Array<{ name: string; type: string }>).map((c) => [c.name, c.type]));
  return spanColumns.map((c) => `\`${c}\` ${types.get(c)}`).join(', ');
}

/** CPU seconds of this whole process (all threads) from /proc (100 ticks per second). */
function processCpu(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

// --- child: make every other format from the Native files, off the clock --------------------------

async function convert(dir: string): Promise<void> {
  const client = openEngine(mkdtempSync(join(dir, 'convert-')));
  await migrate(client, defaultSchemaOptions);
  const structure = await tableStructure(client);
  for (let f = 0; f < FILES; f++) {
    const from = `file('${join(dir, `${f}.native`)}', 'Native')`;
    await client.command({ query: `INSERT INTO FUNCTION file('${join(dir, `${f}.lc.native`)}', 'Native', '${structure}') SELECT * FROM ${from}` });
    for (const x of formats.filter((x) => x.tableTypes && x.format !== 'JSONEachRow')) {
      await client.command({ query: `SELECT * FROM ${from} INTO OUTFILE '${join(dir, `${f}.${x.ext}`)}' FORMAT ${x.format}` });
    }
  }
  await client.close();
  console.log('{}');
}

// --- child: one format's inserts -----------------------------------------------------------------

async function insert(dir: string, name: string): Promise<void> {
  const x = formats.find((x) => x.name === name)!;
  const dataDir = mkdtempSync(join(dir, 'insert-'));
  const client = openEngine(dataDir);
  await migrate(client, defaultSchemaOptions);
  const structure = x.tableTypes ? `, '${await tableStructure(client)}'` : '';
  const store = clickhouseRowStore(client, 'default');
  const texts = x.client ? Array.from({ length: FILES }, (_, f) => readFileSync(join(dir, `${f}.${x.ext}`), 'utf8')) : [];
  const one = (f: number) =>
    x.client
      ? store.insert('otel_traces', texts[f], randomUUID())
      : client.command({ query: `INSERT INTO default.otel_traces (${columnList}) SELECT * FROM file('${join(dir, `${f}.${x.ext}`)}', '${x.format}'${structure})` });
  await one(0); // warm-up
  // Merges would run on chDB's threads during some windows and not others: the same work for every format, left out.
  await client.command({ query: 'SYSTEM STOP MERGES' });
  const cpu0 = processCpu();
  const t0 = performance.now();
  for (let f = 0; f < FILES; f++) await one(f);
  const elapsedMs = performance.now() - t0;
  const cpu = processCpu() - cpu0;
  const result = await client.query({ query: 'SELECT count() AS n FROM default.otel_traces', format: 'JSONEachRow' });
  const [{ n }] = (await result.json()) as Array<{ n: string }>;
  await client.close();
  rmSync(dataDir, { recursive: true, force: true });
  const rows = FILES * REQUESTS_PER_FILE * SPANS_PER_REQUEST;
  if (Number(n) !== rows + REQUESTS_PER_FILE * SPANS_PER_REQUEST) throw new Error(`${name}: ${n} rows stored`);
  console.log(JSON.stringify({ cpuUsPerRow: (cpu * 1e6) / rows, elapsedMs, rows }));
}

// --- parent --------------------------------------------------------------------------------------

/** CPU µs per span of each encoder, alternating stretches over 10 requests decoded ahead (off the clock). */
function encoderCpu(pool: RequestPool, rounds: number) {
  const encoders: Record<string, (b: TraceBatch) => number> = {
    native: (b) => encodeSpansNative(b).bytes.length,
    jsonEachRow: (b) => encodeSpans(b).body.length,
    jsonEachRowBytes: (b) => Buffer.from(encodeSpans(b).body).length,
  };
  const samples: Record<string, number[]> = { native: [], jsonEachRow: [], jsonEachRowBytes: [] };
  let sink = 0;
  for (let r = 0; r < rounds + WARM_UP_ROUNDS; r++) {
    for (const [name, encode] of r % 2 ? Object.entries(encoders).reverse() : Object.entries(encoders)) {
      const batches = Array.from({ length: 10 }, () => decodeTracesProtobuf(pool.next()).batch);
      const c0 = process.cpuUsage();
      for (const b of batches) sink += encode(b);
      const c = process.cpuUsage(c0);
      if (r >= WARM_UP_ROUNDS) samples[name].push((c.user + c.system) / (batches.length * SPANS_PER_REQUEST));
    }
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const batch = decodeTracesProtobuf(pool.next()).batch;
  // Warm: the same 8 batches encoded over and over (what encode.bench.ts calls "encode").
  const warm = Array.from({ length: 8 }, () => decodeTracesProtobuf(pool.next()).batch);
  const warmUs = (encode: (b: TraceBatch) => number) => {
    for (let i = 0; i < 100; i++) sink += encode(warm[i % 8]);
    const c0 = process.cpuUsage();
    for (let i = 0; i < 400; i++) sink += encode(warm[i % 8]);
    const c = process.cpuUsage(c0);
    return round((c.user + c.system) / (400 * SPANS_PER_REQUEST), 2);
  };
  return {
    warm: { nativeUsPerSpan: warmUs(encoders.native), jsonEachRowUsPerSpan: warmUs(encoders.jsonEachRow) },
    nativeUsPerSpan: round(median(samples.native), 2),
    jsonEachRowUsPerSpan: round(median(samples.jsonEachRow), 2),
    jsonEachRowWithBytesUsPerSpan: round(median(samples.jsonEachRowBytes), 2),
    bytesPerSpan: { native: Math.round(encodeSpansNative(batch).bytes.length / SPANS_PER_REQUEST), jsonEachRow: Math.round(Buffer.byteLength(encodeSpans(batch).body) / SPANS_PER_REQUEST) },
    sink: sink > 0,
  };
}

async function main(): Promise<void> {
  const pool = new RequestPool(SPANS_PER_REQUEST, 4);
  console.log('encoders …');
  const encoders = encoderCpu(pool, ENCODER_ROUNDS);
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-bench-formats-'));
  try {
    for (let f = 0; f < FILES; f++) {
      const native: Uint8Array[] = [];
      let json = '';
      for (let r = 0; r < REQUESTS_PER_FILE; r++) {
        const batch = decodeTracesProtobuf(pool.next()).batch;
        native.push(encodeSpansNative(batch).bytes);
        json += encodeSpans(batch).body;
      }
      writeFileSync(join(dir, `${f}.native`), Buffer.concat(native));
      writeFileSync(join(dir, `${f}.jsonl`), json);
    }
    console.log('converting …');
    await runWorker('bench/formats.bench.ts', ['convert', dir]);
    const runs = new Map<string, Array<{ cpuUsPerRow: number; elapsedMs: number }>>(formats.map((x) => [x.name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const x of formats) {
        runs.get(x.name)!.push(await runWorker('bench/formats.bench.ts', ['insert', dir, x.name]));
        console.log(`round ${r + 1}/${ROUNDS}: ${x.name} ${round(runs.get(x.name)!.at(-1)!.cpuUsPerRow, 2)} µs/row`);
      }
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const inserts = formats.map((x) => {
      const rs = runs.get(x.name)!;
      const bytes = Array.from({ length: FILES }, (_, f) => readFileSync(join(dir, `${f}.${x.ext}`)).length).reduce((a, b) => a + b, 0);
      return {
        format: x.name,
        cpuUsPerRow: round(median(rs.map((q) => q.cpuUsPerRow)), 2),
        rounds: rs.map((q) => round(q.cpuUsPerRow, 2)),
        rowsPerSec: Math.round((FILES * REQUESTS_PER_FILE * SPANS_PER_REQUEST * 1000) / median(rs.map((q) => q.elapsedMs))),
        bytesPerRow: Math.round(bytes / (FILES * REQUESTS_PER_FILE * SPANS_PER_REQUEST)),
      };
    });
    const results = {
      machine: machineInfo(),
      rows: FILES * REQUESTS_PER_FILE * SPANS_PER_REQUEST,
      files: FILES,
      rowsPerInsert: REQUESTS_PER_FILE * SPANS_PER_REQUEST,
      method: 'insert CPU: whole process (all threads), /proc/self/stat utime+stime, merges stopped, into otel_traces as migrate creates it (its trace-id lookup view and skip indexes included); median of rounds, rounds interleaved. Arrow, Parquet, RowBinary, JSONCompactEachRow and table-typed Native are produced by ClickHouse from the Native files off the clock: only the insert side is measured. The spans repeat 4 request templates apart from their IDs (bench/lib/requests.ts), so compressed formats (Parquet, Arrow with LZ4) are far smaller than on real data and cheaper to read.',
      encoder: {
        nativeUsPerSpan: encoders.nativeUsPerSpan,
        jsonEachRowUsPerSpan: encoders.jsonEachRowUsPerSpan,
        jsonEachRowWithBytesUsPerSpan: encoders.jsonEachRowWithBytesUsPerSpan,
        bytesPerSpan: encoders.bytesPerSpan,
        warmBatches: encoders.warm,
      },
      inserts,
    };
    mkdirSync(join(repoRoot, 'bench', 'results'), { recursive: true });
    writeFileSync(join(repoRoot, 'bench', 'results', 'formats.json'), JSON.stringify(results, null, 2) + '\n');
    console.log(`\nencoder CPU µs/span: Native ${encoders.nativeUsPerSpan}, JSONEachRow ${encoders.jsonEachRowUsPerSpan} (${encoders.jsonEachRowWithBytesUsPerSpan} with its UTF-8 bytes); warm batches ${JSON.stringify(encoders.warm)}; bytes/span ${JSON.stringify(encoders.bytesPerSpan)}`);
    console.log('\n  insert format                          CPU µs/row   rows/s    B/row   rounds');
    for (const i of inserts) console.log(`  ${i.format.padEnd(38)} ${String(i.cpuUsPerRow).padStart(9)} ${String(i.rowsPerSec).padStart(8)} ${String(i.bytesPerRow).padStart(8)}   ${i.rounds.join(' ')}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const [mode, dir, name] = process.argv.slice(2);
if (mode === 'convert') await convert(dir);
else if (mode === 'insert') await insert(dir, name);
else await main();
