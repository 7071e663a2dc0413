import type { WebhookConfig } from './config.ts';
import { postJson } from './transport.ts';
import type { AlertKind } from './types.ts';

/** What happened to one alert at one webhook: delivered, given up, attempt failed and retry scheduled, or dropped unsent. */
export type DeliveryOutcome = 'sent' | 'failed' | 'retried' | 'dropped';

/** Counters of one webhook, in alerts (`retried` in attempts). */
export type WebhookStats = Record<DeliveryOutcome, number> & {
  /** Alerts waiting now, the one being delivered included. */
  queued: number;
};

/** An alert ready for one webhook: its body is rendered per attempt (the JSON body carries `sentAt`). */
export interface QueuedAlert {
  kind: AlertKind;
  fingerprint: string;
  render: () => string;
}

/** Reported on every outcome; `attempt` is 0 for an alert dropped before its first attempt. */
export type Report = (outcome: DeliveryOutcome, alert: QueuedAlert, attempt: number, reason?: string) => void;

/** Shared by all webhook queues of a dispatcher. */
export interface QueueOptions {
  maxQueued: number;
  retryInitialMs: number;
  retryMaxMs: number;
  random: () => number;
  fetch?: typeof fetch;
  report: Report;
}

/**
 * One webhook's bounded queue. One delivery in flight at a time, so a dead webhook costs one
 * connection, not one per alert; failed attempts are retried with exponential backoff while the
 * rest waits (alerts stay in order).
 */
export class WebhookQueue {
  private readonly pending: QueuedAlert[] = [];
  private current: QueuedAlert | undefined;
  private attempt = 0;
  private retryTimer: NodeJS.Timeout | undefined;
  private inFlight: AbortController | undefined;
  private stopped = false;
  private closed = false;
  private idleWaiters: Array<() => void> = [];

  constructor(
    private readonly webhook: WebhookConfig,
    private readonly options: QueueOptions,
  ) {}

  /** Alerts waiting, the current one included. */
  get size(): number {
    return this.pending.length + (this.current ? 1 : 0);
  }

  /** Enqueues without waiting; over `maxQueued` the oldest waiting alert is dropped. */
  push(alert: QueuedAlert): void {
    if (this.closed) return this.options.report('dropped', alert, 0, 'shut down');
    if (this.pending.length >= this.options.maxQueued) this.options.report('dropped', this.pending.shift()!, 0, 'queue full');
    this.pending.push(alert);
    this.pump();
  }

  /** Refuses (drops) new alerts from now on; what is queued is still delivered. */
  close(): void {
    this.closed = true;
  }

  /** Resolves once nothing is waiting or being delivered. */
  idle(): Promise<void> {
    if (this.size === 0 || this.stopped) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops for good: aborts the attempt in flight, cancels retries, drops (and counts) what is left. */
  stop(): void {
    if (this.stopped) return;
    this.stopped = this.closed = true;
    clearTimeout(this.retryTimer);
    this.inFlight?.abort();
    if (this.current) this.options.report('dropped', this.current, this.attempt, 'shut down');
    for (const alert of this.pending.splice(0)) this.options.report('dropped', alert, 0, 'shut down');
    this.current = undefined;
    this.settleIdle();
  }

  private pump(): void {
    if (this.current || this.stopped) return;
    this.current = this.pending.shift();
    this.attempt = 0;
    if (this.current) void this.deliver(this.current);
    else this.settleIdle();
  }

  private async deliver(alert: QueuedAlert): Promise<void> {
    this.attempt++;
    const controller = new AbortController();
    this.inFlight = controller;
    let result;
    try {
      result = await postJson(this.webhook.url, alert.render(), {
        headers: this.webhook.headers,
        timeoutMs: this.webhook.timeoutMs,
        signal: controller.signal,
        fetch: this.options.fetch,
      });
    } catch (err) {
      result = { kind: 'failure' as const, reason: `could not render the alert: ${String(err)}` };
    }
    this.inFlight = undefined;
    if (this.stopped) return; // already counted as dropped by stop()

    if (result.kind === 'retryable' && this.attempt < this.webhook.maxAttempts) {
      this.options.report('retried', alert, this.attempt, result.reason);
      const delay = Math.min(this.options.retryMaxMs, Math.max(this.backoffMs(), result.afterMs ?? 0));
      this.retryTimer = setTimeout(() => void this.deliver(alert), delay);
      this.retryTimer.unref();
      return;
    }
    if (result.kind === 'success') this.options.report('sent', alert, this.attempt);
    else this.options.report('failed', alert, this.attempt, result.reason);
    this.current = undefined;
    this.pump();
  }

  /** retryInitialMs · 2^(attempt−1), capped at retryMaxMs, ±20 % jitter so many gateways do not retry in step. */
  private backoffMs(): number {
    const { retryInitialMs, retryMaxMs, random } = this.options;
    const base = Math.min(retryMaxMs, retryInitialMs * 2 ** (this.attempt - 1));
    return Math.round(base * (0.8 + 0.4 * random()));
  }

  private settleIdle(): void {
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}
