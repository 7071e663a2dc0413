import { join } from 'node:path';
import type { Logger } from 'pino';
import { bounded } from '../bounded.ts';
import type { Batch } from '../batch/types.ts';
import type { Occurrence } from '../issues/types.ts';
import type { GatewayMetrics } from '../ops/metrics.ts';
import { nodeFiles, type LogFiles } from '../storage/wal/index.ts';
import type { BlockStore } from '../storage/clickhouse/blockStore.ts';
import {
  encodeErrorEventsNative, encodeLogsNative, encodeMetricsNative, encodeSpansNative, errorEventColumns, logColumns, metricColumns, spanColumns,
  type MetricTableRole, type NativeBlock,
} from './clickhouse/native/index.ts';
import type { ExporterConfig } from './config.ts';
import { WalBudget } from './wal/budget.ts';
import { Inserter } from './wal/inserter.ts';
import { TableLog } from './wal/tableLog.ts';

/** What consumes records once they are durable (connectors): never holds the request that brought them. */
export interface DurableConsumer {
  /** Takes a batch whose records are durable; returns at once. */
  consume(batch: Batch): void;
  /** Resolves once everything consumed so far is fully handled (stored, observed). */
  drain(): Promise<void>;
}

/** The tables the stage writes, by role. */
export type TableRole = 'traces' | 'logs' | 'errorEvents' | MetricTableRole;

export interface ExportStageOptions {
  /** The write-ahead log's folder, `<dataDir>/wal`. */
  dir: string;
  tables: Record<TableRole, string>;
  config: ExporterConfig;
  store: BlockStore;
  retryAfterMs: number;
  metrics: GatewayMetrics;
  logger: Logger;
  files?: LogFiles;
  now?: () => number;
}

/** Per table: its backlog in the write-ahead log. */
export interface BacklogStatus {
  rows: number;
  bytes: number;
  segments: number;
  /** Age of the oldest acknowledged row not yet inserted, ms (null when none). */
  oldestAgeMs: number | null;
}

const columnsOf: Record<TableRole, readonly string[]> = { traces: spanColumns, logs: logColumns, errorEvents: errorEventColumns, ...metricColumns };

/**
 * What happens after the last processor. A processed batch is encoded once into a Native block
 * and appended to its table's write-ahead log; {@link append} resolves (and the request is
 * acknowledged) once the block is fsynced, concurrent requests sharing one fsync. Sealed segments
 * are inserted into ClickHouse asynchronously, each as one large insert with a deduplication token
 * derived from the segment, and deleted once the insert commits — the same path in normal
 * operation, during an outage (the log grows up to `maxWalBytes`, then requests get 503) and
 * after a restart (the segments left are inserted first). Consumers (the issues connector) get
 * each batch once it is durable.
 */
export class ExportStage {
  private readonly consumers: DurableConsumer[] = [];

  private constructor(
    private readonly options: ExportStageOptions,
    readonly logs: Record<TableRole, TableLog>,
    private readonly inserters: Record<TableRole, Inserter>,
    private readonly budget: WalBudget,
  ) {}

  /** Opens every table's log, taking up the segments an earlier run left (inserted first once started). */
  static async open(options: ExportStageOptions): Promise<ExportStage> {
    const { config, metrics, logger } = options;
    const budget = new WalBudget(config.maxWalBytes);
    const files = options.files ?? nodeFiles;
    const now = options.now ?? Date.now;
    const roles = Object.keys(columnsOf) as TableRole[];
    const logs = {} as Record<TableRole, TableLog>;
    const inserters = {} as Record<TableRole, Inserter>;
    for (const role of roles) {
      const table = options.tables[role];
      const log = new TableLog({
        dir: join(options.dir, table),
        table,
        segmentMaxRows: config.segmentMaxRows,
        segmentMaxBytes: config.segmentMaxBytes,
        segmentMaxAgeMs: config.segmentMaxAgeMs,
        budget,
        files,
        retryAfterMs: options.retryAfterMs,
        now,
        onCommit: (frames) => {
          metrics.walSyncs.inc();
          metrics.walSyncedFrames.inc(frames);
        },
        onCut: (reason, bytes) => {
          metrics.walCuts.inc({ table, reason });
          metrics.walCutBytes.inc({ table, reason }, bytes);
          logger.warn({ table, reason, bytes }, 'cut a torn or corrupt write-ahead log tail at the last whole frame');
        },
      });
      await log.open();
      logs[role] = log;
      inserters[role] = new Inserter(log, {
        store: options.store,
        columns: columnsOf[role],
        insertTimeoutMs: config.insertTimeoutMs,
        retryInitialMs: config.retryInitialMs,
        logger,
        onInsert: (rows, seconds, outcome) => {
          metrics.insertSeconds.observe({ table, outcome }, seconds);
          if (rows) metrics.exportedRows.inc({ table }, rows);
        },
        onQuarantine: (rows) => metrics.quarantinedRows.inc({ table }, rows),
        onCut: (reason, bytes) => {
          metrics.walCuts.inc({ table, reason });
          metrics.walCutBytes.inc({ table, reason }, bytes);
        },
      });
    }
    const stage = new ExportStage(options, logs, inserters, budget);
    metrics.beforeCollect(() => stage.updateGauges());
    const left = stage.status();
    if (left.bytes > 0) logger.info({ tables: left.tables }, 'inserting what the write-ahead log holds from the last run');
    return stage;
  }

  /** Adds a consumer of durable batches (before {@link start}). */
  addConsumer(consumer: DurableConsumer): void {
    this.consumers.push(consumer);
  }

  /** Starts the inserters. */
  start(): void {
    for (const inserter of Object.values(this.inserters)) inserter.start();
  }

  /**
   * Encodes a processed batch and appends it to its table's log; resolves once it is durable, the
   * moment the request may be acknowledged. Consumers get the batch then.
   */
  async append(batch: Batch): Promise<void> {
    if (batch.signal === 'metrics') {
      // A request's points of several kinds go to their tables' logs together: acknowledged once all are durable.
      const blocks = Object.entries(encodeMetricsNative(batch)) as Array<[MetricTableRole, NativeBlock]>;
      await Promise.all(blocks.map(([role, block]) => this.appendBlock(role, block)));
      return;
    }
    const block = batch.signal === 'traces' ? encodeSpansNative(batch) : encodeLogsNative(batch);
    await this.appendBlock(batch.signal, block);
    for (const consumer of this.consumers) consumer.consume(batch);
  }

  /** Appends error occurrences (the issues connector's output) to the `error_events` log; resolves once durable. */
  appendErrorEvents(occurrences: readonly Occurrence[]): Promise<void> {
    return this.appendBlock('errorEvents', encodeErrorEventsNative(occurrences));
  }

  /**
   * Resolves once everything acknowledged before the call is in ClickHouse: consumers drained,
   * every log's segment sealed, and every segment up to it inserted. False if `timeoutMs` passed first.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
    const done = (async () => {
      await Promise.all(this.consumers.map((c) => c.drain()));
      const roles = Object.keys(this.logs) as TableRole[];
      const through = roles.map((role) => this.logs[role].lastSeq);
      await Promise.all(roles.map((role) => this.logs[role].seal()));
      await Promise.all(roles.map((role, i) => this.inserters[role].insertedThrough(through[i])));
      return true as const;
    })();
    try {
      return await Promise.race([done, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** The backlog per table and in all: what is acknowledged but not yet in ClickHouse. */
  status(): { rows: number; bytes: number; maxBytes: number; tables: Record<string, BacklogStatus> } {
    const now = (this.options.now ?? Date.now)();
    const tables: Record<string, BacklogStatus> = {};
    let rows = 0;
    for (const log of Object.values(this.logs)) {
      const b = log.backlog();
      tables[log.table] = { rows: b.rows, bytes: b.bytes, segments: b.segments, oldestAgeMs: b.oldestMs === undefined ? null : Math.max(0, now - b.oldestMs) };
      rows += b.rows;
    }
    return { rows, bytes: this.budget.bytes, maxBytes: this.budget.maxBytes, tables };
  }

  /**
   * Stops: appends are refused, the active segments sealed, and the inserters insert what they can
   * within `budgetMs`; what is left stays on disk and is inserted at the next start. Returns within
   * the budget even when the disk never answers the last fsync (that segment's rows were not
   * acknowledged, and the next start reads what reached the file).
   */
  async shutdown(budgetMs: number): Promise<void> {
    const end = Date.now() + budgetMs;
    await bounded(Promise.all(Object.values(this.logs).map((log) => log.close())), budgetMs);
    await Promise.all(Object.values(this.inserters).map((inserter) => inserter.stop(Math.max(0, end - Date.now()))));
  }

  private async appendBlock(role: TableRole, block: NativeBlock): Promise<void> {
    if (block.rows === 0) return;
    const log = this.logs[role];
    await log.append(block.bytes, block.rows);
    this.options.metrics.walAppendedRows.inc({ table: log.table }, block.rows);
  }

  private updateGauges(): void {
    const { metrics } = this.options;
    for (const [table, b] of Object.entries(this.status().tables)) {
      metrics.walBacklogRows.set({ table }, b.rows);
      metrics.walBacklogBytes.set({ table }, b.bytes);
      metrics.walBacklogSegments.set({ table }, b.segments);
      metrics.walOldestAge.set({ table }, (b.oldestAgeMs ?? 0) / 1000);
    }
  }
}
