import type { Attributes } from '@opentelemetry/api';

import { dropReport, exportRequest, recordText } from './otlpJson.ts';
import { SIGNALS, utf8Length, type Batch, type RecordQueue, type Signal } from './queue.ts';

/** What the transport got back: the HTTP status (0: no answer), and `Retry-After` in seconds if given. */
export interface SendResult {
  status: number;
  retryAfterSeconds?: number;
}

/**
 * Sends one OTLP/JSON request of `signal` stamped with `batchId`. Never throws: a network failure
 * is status 0. `keepalive`: the page is going away — a request that outlives it, no preflight.
 */
export type Transport = (signal: Signal, body: string, batchId: string, keepalive?: boolean) => Promise<SendResult>;

export interface DeliveryOptions {
  /** Records per request at most. */
  maxBatchRecords: number;
  /** OTLP/JSON bytes of records per request at most (before compression). */
  maxBatchBytes: number;
  /** How long records gather before a request, unless a batch is full. */
  batchDelayMs: number;
  /** Backoff bounds after a failure: doubling from the first, with jitter, up to the last. */
  minBackoffMs: number;
  maxBackoffMs: number;
  random?: () => number;
}

/** The state `health()` reports. */
export interface DeliveryHealth {
  lastSuccessMs: number | undefined;
  lastStatus: number | undefined;
  /** When the next try of a failed batch is due, per signal. */
  retryAtMs: Partial<Record<Signal, number>>;
}

/**
 * Sends the queue's durable records: one chain per signal, each sending one batch at a time, so
 * retries never overlap. 2xx → the batch leaves the queue. 429 and 503 → the same batch again, no
 * sooner than `Retry-After` (else the backoff). No answer, other 5xx, 401/403 (a config that may be
 * fixed) → the same batch after an exponential backoff with full jitter. Other 4xx → the gateway
 * will never take it: dropped and counted. Records are never dropped for being retried.
 */
export class Delivery {
  private readonly running = new Map<Signal, Promise<void>>();
  private readonly wake = new Map<Signal, () => void>();
  private readonly backoff: Record<Signal, number>;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private stopped = false;
  readonly health: DeliveryHealth = { lastSuccessMs: undefined, lastStatus: undefined, retryAtMs: {} };
  private readonly random: () => number;

  constructor(
    private readonly queue: RecordQueue,
    private readonly transport: Transport,
    private readonly resource: () => Attributes,
    private readonly options: DeliveryOptions,
    private readonly newId: () => string,
  ) {
    this.backoff = { logs: options.minBackoffMs, traces: options.minBackoffMs };
    this.random = options.random ?? Math.random;
    queue.onDurable = () => this.schedule();
  }

  /** Applies batch settings served by `/v1/config`: records per request (at most 512) and how long records gather. */
  setBatching(maxBatchRecords: number, batchDelayMs: number): void {
    this.options.maxBatchRecords = Math.max(1, Math.min(512, Math.floor(maxBatchRecords)));
    this.options.batchDelayMs = Math.max(0, batchDelayMs);
  }

  /** The batching in force: records per request at most, and how long records gather. */
  get batching(): { maxRecords: number; delayMs: number } {
    return { maxRecords: this.options.maxBatchRecords, delayMs: this.options.batchDelayMs };
  }

  /** Starts sending within `batchDelayMs` (at once when a batch is full or `now`). */
  schedule(now = false): void {
    if (this.stopped) return;
    const full = SIGNALS.some((s) => this.queue.waiting(s) >= this.options.maxBatchRecords);
    if (now || full) {
      if (this.timer) clearTimeout(this.timer);
      this.timer = undefined;
      for (const signal of SIGNALS) this.start(signal);
      return;
    }
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      for (const signal of SIGNALS) this.start(signal);
    }, this.options.batchDelayMs);
  }

  /**
   * Resolves true once every record made before the call has been acknowledged, false when
   * `timeoutMs` passed first. A chain waiting out a backoff is woken to try once more.
   */
  async flush(timeoutMs: number): Promise<boolean> {
    const upTo = this.queue.lastSeq;
    const deadline = Date.now() + timeoutMs;
    await this.queue.persist();
    for (;;) {
      const left = SIGNALS.filter((s) => this.queue.holds(s, upTo));
      if (left.length === 0) return true;
      if (Date.now() >= deadline || this.stopped) return false;
      for (const signal of left) {
        this.wake.get(signal)?.();
        this.start(signal);
      }
      await Promise.race([...left.map((s) => this.running.get(s)), sleep(Math.min(200, deadline - Date.now()))]);
    }
  }

  /**
   * The page is going away: what is queued leaves now, in keepalive requests of at most
   * `budgetBytes` together (browsers refuse keepalive bodies over 64 KiB in flight) and at most
   * `maxRequests`: the batches in flight first, under their ids, then new ones. What does not fit
   * stays queued for the next page. An answer that still arrives settles its batch. `newOnly`
   * leaves the batches in flight out (a second call as the same page goes away). Returns what it sent.
   */
  unload(budgetBytes: number, maxRequests: number, newOnly = false): { bytes: number; requests: number } {
    let left = budgetBytes;
    const chosen: Array<{ signal: Signal; batch: Batch; body: string }> = [];
    const fits = (signal: Signal, batch: Batch): boolean => {
      const body = this.body(signal, batch);
      const bytes = utf8Length(body);
      if (bytes > left || chosen.length >= maxRequests) return false;
      left -= bytes;
      chosen.push({ signal, batch, body });
      return true;
    };
    for (const signal of SIGNALS) {
      // A batch in flight too big for what is left stays in flight for the next page; the rest still leaves.
      // (`newOnly`: a second unload of the same going-away, after the first sent those.)
      if (!newOnly) for (const batch of this.queue.inFlight(signal)) fits(signal, batch);
      // Request overhead (the resource, the envelope) is small next to the records.
      while (left > 4096 && chosen.length < maxRequests) {
        const batch = this.queue.anotherNow(signal, this.options.maxBatchRecords, left - 2048, this.newId);
        if (!batch || !fits(signal, batch)) break;
      }
    }
    // The batches and their ids are saved synchronously before they leave: the page may be gone
    // before its store commits them, and whoever sends them next must use the same ids.
    this.queue.saveInFlightNow();
    for (const { signal, batch, body } of chosen) {
      void this.transport(signal, body, batch.id, true).then((result) => {
        if (result.status >= 200 && result.status < 300) return this.queue.settle(signal, batch.id, 'acknowledged');
      });
    }
    return { bytes: budgetBytes - left, requests: chosen.length };
  }

  /** The network is back: chains waiting out a backoff try again now (a `Retry-After` is still honoured). */
  resume(): void {
    for (const wake of [...this.wake.values()]) wake();
    this.schedule(true);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const wake of this.wake.values()) wake();
  }

  private start(signal: Signal): void {
    if (this.running.has(signal) || this.stopped) return;
    const chain = this.run(signal).finally(() => this.running.delete(signal));
    this.running.set(signal, chain);
  }

  private async run(signal: Signal): Promise<void> {
    while (!this.stopped) {
      const batch = await this.queue.next(signal, this.options.maxBatchRecords, this.options.maxBatchBytes, this.newId);
      if (!batch) return;
      const result = await this.transport(signal, this.body(signal, batch), batch.id);
      this.health.lastStatus = result.status;
      if (result.status >= 200 && result.status < 300) {
        this.health.lastSuccessMs = Date.now();
        this.backoff[signal] = this.options.minBackoffMs;
        delete this.health.retryAtMs[signal];
        await this.queue.settle(signal, batch.id, 'acknowledged');
        continue;
      }
      if (result.status >= 400 && result.status < 500 && ![401, 403, 408, 429].includes(result.status)) {
        await this.queue.settle(signal, batch.id, 'rejected');
        continue;
      }
      await this.waitBeforeRetry(signal, result);
    }
  }

  private body(signal: Signal, batch: Batch): string {
    const records = batch.report ? [...batch.records, recordText(dropReport(batch.report.atMs, batch.report.dropped))] : batch.records;
    return exportRequest(signal, this.resource(), records);
  }

  private async waitBeforeRetry(signal: Signal, result: SendResult): Promise<void> {
    const jittered = Math.round(this.backoff[signal] * (0.5 + this.random() / 2));
    this.backoff[signal] = Math.min(this.options.maxBackoffMs, this.backoff[signal] * 2);
    const honoured = result.retryAfterSeconds !== undefined && (result.status === 429 || result.status === 503) ? result.retryAfterSeconds * 1000 : 0;
    const delay = Math.min(this.options.maxBackoffMs, Math.max(jittered, honoured));
    this.health.retryAtMs[signal] = Date.now() + delay;
    // A flush may wake a backoff early, but never a Retry-After the gateway asked for.
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, delay);
      if (honoured === 0) {
        this.wake.set(signal, () => {
          clearTimeout(timer);
          resolve();
        });
      }
    });
    this.wake.delete(signal);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
