import type { Batch } from '../../batch/types.ts';
import { findErrorSites, type ErrorSite } from '../../issues/extract.ts';
import type { Occurrence } from '../../issues/types.ts';
import { occurrenceOf, type OccurrenceOptions } from './occurrences.ts';

/** Where the connector's work goes, and what it reports. */
export interface IssuesConnectorOptions extends OccurrenceOptions {
  /** Stores occurrences in `error_events` through the write-ahead log; resolves once they are durable. */
  store(occurrences: Occurrence[]): Promise<void>;
  /**
   * Consumers of durable occurrences: the issue tracker, auto-triggers. Each is called without
   * waiting (a slow tracker never delays storing occurrences), with at most `maxPending`
   * occurrences in its hands; past that it misses them (`onMissed`). A rejection is counted the same way.
   */
  observers: ReadonlyArray<{ name: string; observe(occurrences: readonly Occurrence[]): Promise<void> }>;
  /** Error sites waiting for their occurrence, and occurrences in each observer's hands, at most. Default 50 000. */
  maxPending?: number;
  /** Durable occurrences an observer did not get or failed on (its state changes are missed; the occurrences are stored). */
  onMissed(observer: string, count: number, err?: unknown): void;
  /** Occurrences found, by source (`span_event`, `log`). */
  onFound(source: Occurrence['source'], count: number): void;
  /** Error sites that did not become stored occurrences, by reason (`backlog`, `store`, `shutdown`). */
  onDropped(reason: string, count: number, err?: unknown): void;
}

/**
 * The errors → issues connector (the Collector's `exceptionsconnector` in spirit): it consumes
 * batches once they are durable in the write-ahead log, finds their error sites (span `exception`
 * events, exception logs, ERROR+ logs), turns each into an occurrence (stack parsed, minified frames
 * symbolicated, grouped into a fingerprint), stores the occurrences in `error_events` through the
 * log, and once those are durable hands them to the issue tracker and the auto-triggers.
 *
 * It never holds an OTLP request: {@link consume} only scans the batch and queues what it found.
 * The queue is bounded; past its bound, error sites are dropped and counted (their records are
 * stored all the same; only their occurrences are missing). A crash loses the sites still queued
 * (their records are durable; the occurrences are not), as an in-memory connector does in the Collector.
 */
export class IssuesConnector {
  private queue: ErrorSite[][] = [];
  private pending = 0;
  private working: Promise<void> | undefined;
  private stopped = false;
  private readonly maxPending: number;
  /** Occurrences in each observer's hands, and the calls under way (for {@link drain}). */
  private readonly observing = new Map<string, number>();
  private readonly calls = new Set<Promise<void>>();

  constructor(private readonly options: IssuesConnectorOptions) {
    this.maxPending = options.maxPending ?? 50_000;
  }

  /** Takes a batch that is durable; returns at once. */
  consume(batch: Batch): void {
    const sites = findErrorSites(batch);
    if (sites.length === 0) return;
    if (this.stopped) return this.options.onDropped('shutdown', sites.length);
    if (this.pending + sites.length > this.maxPending) return this.options.onDropped('backlog', sites.length);
    this.pending += sites.length;
    this.queue.push(sites);
    this.working ??= this.work();
  }

  /** Resolves once everything consumed so far is stored and observed. */
  async drain(): Promise<void> {
    while (this.working || this.calls.size) await Promise.all([this.working, ...this.calls]);
  }

  /** Stops taking batches and finishes the queue, up to `budgetMs`. */
  async shutdown(budgetMs: number): Promise<void> {
    this.stopped = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([this.drain(), new Promise((resolve) => (timer = setTimeout(resolve, budgetMs)))]);
    clearTimeout(timer);
    const left = this.queue.reduce((n, sites) => n + sites.length, 0);
    this.queue = [];
    if (left) this.options.onDropped('shutdown', left);
  }

  private async work(): Promise<void> {
    try {
      for (let sites = this.queue.shift(); sites; sites = this.queue.shift()) {
        try {
          await this.handle(sites);
        } catch (err) {
          this.options.onDropped('failed', sites.length, err);
        } finally {
          this.pending -= sites.length;
        }
      }
    } finally {
      this.working = undefined;
    }
  }

  private async handle(sites: ErrorSite[]): Promise<void> {
    const occurrences: Occurrence[] = [];
    for (const site of sites) occurrences.push(await occurrenceOf(site, this.options));
    try {
      await this.options.store(occurrences);
    } catch (err) {
      this.options.onDropped('store', occurrences.length, err);
      return;
    }
    const fromLogs = occurrences.filter((o) => o.source === 'log').length;
    if (fromLogs) this.options.onFound('log', fromLogs);
    if (occurrences.length > fromLogs) this.options.onFound('span_event', occurrences.length - fromLogs);
    for (const observer of this.options.observers) this.observe(observer, occurrences);
  }

  private observe(observer: IssuesConnectorOptions['observers'][number], occurrences: Occurrence[]): void {
    const held = this.observing.get(observer.name) ?? 0;
    if (held + occurrences.length > this.maxPending) return this.options.onMissed(observer.name, occurrences.length);
    this.observing.set(observer.name, held + occurrences.length);
    const call = observer
      .observe(occurrences)
      .catch((err: unknown) => this.options.onMissed(observer.name, occurrences.length, err))
      .finally(() => {
        this.observing.set(observer.name, (this.observing.get(observer.name) ?? 0) - occurrences.length);
        this.calls.delete(call);
      });
    this.calls.add(call);
  }
}
