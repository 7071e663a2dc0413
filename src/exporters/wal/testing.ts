import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import type { BlockStore } from '../../storage/clickhouse/blockStore.ts';
import { frameHeader, nodeFiles } from '../../storage/wal/index.ts';
import { WalBudget } from './budget.ts';
import { Inserter, type InserterOptions } from './inserter.ts';
import { nativeRows, segmentName } from './segments.ts';
import { TableLog, type TableLogOptions } from './tableLog.ts';

/** Test helpers for a table's write-ahead log and its inserter: real files in temporary folders. */

const made: string[] = [];

/** A new temporary folder, removed by {@link removeTempDirs}. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-wal-'));
  made.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  made.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
}

/** A stand-in for a Native block: its header's two varints (columns, rows), then filler. */
export const block = (rows: number, filler = 10) => Buffer.concat([Buffer.from([3, rows]), Buffer.alloc(filler, 0xab)]);

/** Bytes a {@link block} takes in the log: its 8-byte frame header and itself. */
export const frameBytes = (filler = 10) => 8 + 2 + filler;

/** Writes a segment file as an earlier run leaves it (`tail` appended after the frames, e.g. a torn one); returns its name. */
export function writeSegment(dir: string, seq: number, blocks: Buffer[], tail = Buffer.alloc(0)): string {
  const name = segmentName(seq);
  writeFileSync(join(dir, name), Buffer.concat([...blocks.flatMap((b) => [frameHeader(b), b]), tail]));
  return name;
}

export function makeLog(overrides: Partial<TableLogOptions> = {}) {
  const cuts: string[] = [];
  const options: TableLogOptions = {
    dir: overrides.dir ?? join(tempDir(), 'otel_traces'),
    table: 'otel_traces',
    segmentMaxRows: 1000,
    segmentMaxBytes: 1 << 20,
    segmentMaxAgeMs: 60_000,
    budget: new WalBudget(1 << 20),
    files: nodeFiles,
    retryAfterMs: 5000,
    now: Date.now,
    onCommit: () => {},
    onCut: (reason, bytes) => cuts.push(`${reason} ${bytes}`),
    ...overrides,
  };
  return { log: new TableLog(options), options, cuts };
}

/** One insert the store was asked for; the test settles it. */
export interface InsertCall {
  token: string;
  columns: readonly string[];
  rows: number;
  /** `Date.now()` when it was asked for (fake under fake timers). */
  at: number;
  resolve(): void;
  reject(err: Error): void;
}

/** A store whose every insert waits until the test resolves or rejects it. */
export function heldStore() {
  const calls: InsertCall[] = [];
  const store: BlockStore = {
    insert(_table, columns, blocks, token) {
      return new Promise<void>((resolve, reject) => {
        const rows = blocks.reduce((n, b) => n + nativeRows(b), 0);
        calls.push({ token, columns, rows, at: Date.now(), resolve, reject });
      });
    },
  };
  return { store, calls };
}

/** An error as the ClickHouse client reports it, with its type (`CANNOT_PARSE_TEXT`, …). */
export const clickhouseError = (type: string) => Object.assign(new Error(`${type}: rejected`), { type });

export function makeInserter(log: TableLog, store: BlockStore, overrides: Partial<InserterOptions> = {}) {
  const events: string[] = [];
  const seconds: number[] = [];
  const inserter = new Inserter(log, {
    store,
    columns: ['a', 'b', 'c', 'd'],
    insertTimeoutMs: 5000,
    retryInitialMs: 100,
    logger: pino({ level: 'silent' }),
    onInsert: (rows, s, outcome) => {
      events.push(`insert ${rows} ${outcome}`);
      seconds.push(s);
    },
    onQuarantine: (rows) => events.push(`quarantine ${rows}`),
    onCut: (reason, bytes) => events.push(`cut ${reason} ${bytes}`),
    ...overrides,
  });
  return { inserter, events, seconds };
}

/** Lets every pending promise callback and I/O callback run (not timers). */
export const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Waits until `check` stops throwing, polling between I/O callbacks; fails after `timeoutMs` of
 * real time. Unlike `vi.waitFor`, it never moves fake timers.
 */
export async function until(check: () => void, timeoutMs = 2000): Promise<void> {
  const end = performance.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (err) {
      if (performance.now() > end) throw err;
    }
    await settle();
  }
}
