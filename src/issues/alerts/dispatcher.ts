import type { AlertsConfig, WebhookConfig, WebhookFormat } from './config.ts';
import { buildJsonBody, buildSlackBody, type PayloadOptions } from './payload.ts';
import { WebhookQueue, type DeliveryOutcome, type QueuedAlert, type WebhookStats } from './queue.ts';
import type { Alert, AlertKind } from './types.ts';

export type { DeliveryOutcome, WebhookStats } from './queue.ts';

/** One outcome at one webhook, for metrics (`inc(webhook, outcome)`) or rate-limited logging. */
export interface DeliveryEvent {
  /** The webhook's name (see `name` in its config). */
  webhook: string;
  outcome: DeliveryOutcome;
  kind: AlertKind;
  fingerprint: string;
  /** 1-based attempt this outcome follows; 0 for an alert dropped before its first attempt. */
  attempt: number;
  /** Why an attempt failed or an alert was dropped: `HTTP 503`, `ECONNREFUSED`, `timed out after 5000 ms`, `queue full`… */
  reason?: string;
}

/** Hooks and test seams. */
export interface AlertDispatcherOptions {
  /** Called on every outcome; must be cheap. Errors it throws are ignored. */
  onDelivery?: (event: DeliveryEvent) => void;
  /** Defaults to the Node 20 global `fetch`. */
  fetch?: typeof fetch;
  /** Source of backoff jitter in [0, 1); `Math.random` by default. */
  random?: () => number;
}

interface Target {
  name: string;
  webhook: WebhookConfig;
  queue: WebhookQueue;
  stats: WebhookStats;
}

/**
 * Sends issue alerts to the configured webhooks. {@link notify} only enqueues: it never waits on
 * the network and never throws, so a slow or dead webhook cannot slow ingest. Each webhook has
 * its own bounded queue, one delivery in flight and its own retries.
 */
export class AlertDispatcher {
  private readonly targets: Target[];
  private readonly payloadOptions: PayloadOptions;
  private closing: Promise<void> | undefined;

  constructor(config: AlertsConfig, private readonly options: AlertDispatcherOptions = {}) {
    this.payloadOptions = { publicUrl: config.publicUrl };
    const names = uniqueNames(config.webhooks);
    this.targets = config.webhooks.map((webhook, i) => {
      const stats: WebhookStats = { sent: 0, failed: 0, retried: 0, dropped: 0, queued: 0 };
      const name = names[i]!;
      const queue = new WebhookQueue(webhook, {
        maxQueued: config.maxQueued,
        retryInitialMs: config.retryInitialMs,
        retryMaxMs: config.retryMaxMs,
        random: options.random ?? Math.random,
        fetch: options.fetch,
        report: (outcome, alert, attempt, reason) => {
          stats[outcome]++;
          this.emit({ webhook: name, outcome, kind: alert.kind, fingerprint: alert.fingerprint, attempt, reason });
        },
      });
      return { name, webhook, queue, stats };
    });
  }

  /** Enqueues `alert` for every webhook subscribed to its kind. Synchronous; never throws. */
  notify(alert: Alert): void {
    try {
      const bodies = new Map<WebhookFormat, QueuedAlert>();
      for (const target of this.targets) {
        if (!target.webhook.events.includes(alert.kind)) continue;
        let queued = bodies.get(target.webhook.format);
        if (!queued) bodies.set(target.webhook.format, (queued = this.prepare(alert, target.webhook.format)));
        target.queue.push(queued);
      }
    } catch {
      // A malformed alert must not reach the caller (the ingest path); nothing was sent for it.
    }
  }

  /** Counters per webhook name. */
  stats(): Record<string, WebhookStats> {
    return Object.fromEntries(this.targets.map((t) => [t.name, { ...t.stats, queued: t.queue.size }]));
  }

  /**
   * Stops taking alerts, delivers what is queued (retries included) for up to `deadlineMs`, then
   * aborts what is left, counted as dropped. Idempotent; always resolves by the deadline.
   */
  shutdown(deadlineMs = 5000): Promise<void> {
    this.closing ??= this.drain(deadlineMs);
    return this.closing;
  }

  private async drain(deadlineMs: number): Promise<void> {
    for (const target of this.targets) target.queue.close();
    // Not unref'd: the caller is waiting for this bound, and retry timers alone would not keep the process up.
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([Promise.all(this.targets.map((t) => t.queue.idle())), deadline]);
    clearTimeout(timer);
    for (const target of this.targets) target.queue.stop();
  }

  /** Builds the body once per format (a snapshot: later changes to `alert` are not sent). */
  private prepare(alert: Alert, format: WebhookFormat): QueuedAlert {
    const base = { kind: alert.kind, fingerprint: alert.issue.fingerprint };
    if (format === 'slack') {
      const body = JSON.stringify(buildSlackBody(alert, this.payloadOptions));
      return { ...base, render: () => body };
    }
    const body = buildJsonBody(alert, this.payloadOptions);
    return { ...base, render: () => JSON.stringify({ ...body, sentAt: new Date().toISOString() }) };
  }

  private emit(event: DeliveryEvent): void {
    try {
      this.options.onDelivery?.(event);
    } catch {
      // A hook's failure must not stop deliveries.
    }
  }
}

/** `name`, or the URL's host (never its path, which often holds a token); repeats get `-2`, `-3`… */
function uniqueNames(webhooks: WebhookConfig[]): string[] {
  const seen = new Map<string, number>();
  return webhooks.map((w) => {
    const name = w.name ?? new URL(w.url).host;
    const n = (seen.get(name) ?? 0) + 1;
    seen.set(name, n);
    return n === 1 ? name : `${name}-${n}`;
  });
}
