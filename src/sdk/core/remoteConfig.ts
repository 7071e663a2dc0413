/**
 * The client's side of `GET /v1/config` (issue 14, point 3): the effective configuration the
 * gateway serves for this client (collection policies merged, its debug session applied), polled
 * with `If-None-Match` at the interval it serves (never more often than every 5 s), paused while a
 * page is hidden and fetched at once when it is shown again or the network returns. An answer that
 * cannot be read, an error or no answer keep the last configuration.
 */
import type { Level } from './client.ts';
import type { SamplingConfig } from './sampling.ts';

/** The part of the served configuration the SDK applies. */
export interface ClientConfig {
  /** `false`: the kill switch; nothing is recorded or sent and the queue is emptied. */
  telemetryEnabled: boolean;
  /** Records below it are not made (a debug session lowers it). */
  minLogLevel: Level;
  sdk: { maxBatchSize: number; flushIntervalMs: number; pollIntervalMs: number };
  /**
   * The `sdk` settings the matching policies set: those replace the app's own, the others stay the
   * app's. Undefined from a gateway that does not say (then all of them, once a policy matches).
   */
  sdkFromPolicies?: string[];
  /** Percentages kept (100: all) and the throttle per event name (0: none). */
  sampling: SamplingConfig;
  debugSession: null | {
    id: string;
    level: string;
    startsAt: string;
    endsAt: string;
    /** The session needs the user's yes first: what applies until then (and after no). */
    consentRequired?: { minLogLevel: Level; sampling: SamplingConfig };
  };
  /** IDs of the policies that matched this client: with none, the app's own batch settings hold. */
  policies: string[];
  /** The redaction rules as served (null: none; undefined: a gateway that serves none). */
  redaction?: unknown;
}

/** Where the last served config is kept across restarts (a file in Node, IndexedDB in browsers). */
export interface ConfigKeeper {
  load(): Promise<string | undefined>;
  save(text: string): Promise<void>;
}

/** Fetches `/v1/config?<query>`, revalidating `etag` when given. Never throws: no answer is status 0. */
export type ConfigFetch = (query: string, etag: string | undefined) => Promise<{ status: number; etag?: string; body?: unknown }>;

/** Never polled more often than this, whatever is served. */
export const MIN_POLL_MS = 5_000;
/** Until the gateway serves an interval, and after a failed poll. */
const DEFAULT_POLL_MS = 60_000;
const LEVELS: readonly Level[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/** An object member, or an empty object when it is not one. */
const objectOf = (v: unknown) => (typeof v === 'object' && v !== null ? v : {}) as Record<string, unknown>;
/** A positive finite number, or undefined. */
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? v : undefined);

/** The served `sampling`: what cannot be a percentage keeps everything (a client never samples on a misread). */
function readSampling(served: unknown): SamplingConfig {
  const s = objectOf(served);
  const percentage = (v: unknown) => (typeof v === 'number' && v >= 0 && v <= 100 ? v : 100);
  return { tracesPercentage: percentage(s.tracesPercentage), logsPercentage: percentage(s.logsPercentage), logsPerMinute: count(s.logsPerMinute) ?? 0 };
}

/** A session's `consentRequired`: the baseline until the user says yes; an unreadable level, the strictest. */
function consentOf(served: unknown): { consentRequired?: { minLogLevel: Level; sampling: SamplingConfig } } {
  if (served === undefined || served === null) return {};
  const s = objectOf(served);
  return { consentRequired: { minLogLevel: LEVELS.includes(s.minLogLevel as Level) ? (s.minLogLevel as Level) : 'fatal', sampling: readSampling(s.sampling) } };
}

/** The served JSON as a {@link ClientConfig}, or undefined when it is not one. */
export function readConfig(body: unknown): ClientConfig | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as Record<string, unknown>;
  const sdk = objectOf(b.sdk);
  const session = b.debugSession as Record<string, unknown> | null | undefined;
  if (typeof b.telemetryEnabled !== 'boolean' || !LEVELS.includes(b.minLogLevel as Level)) return undefined;
  return {
    telemetryEnabled: b.telemetryEnabled,
    minLogLevel: b.minLogLevel as Level,
    sdk: { maxBatchSize: count(sdk.maxBatchSize) ?? 512, flushIntervalMs: count(sdk.flushIntervalMs) ?? 5_000, pollIntervalMs: count(sdk.pollIntervalMs) ?? DEFAULT_POLL_MS },
    ...(Array.isArray(b.sdkFromPolicies) ? { sdkFromPolicies: b.sdkFromPolicies.filter((k): k is string => typeof k === 'string') } : {}),
    sampling: readSampling(b.sampling),
    debugSession: session && typeof session.id === 'string' ? { id: session.id, level: String(session.level), startsAt: String(session.startsAt), endsAt: String(session.endsAt), ...consentOf(session.consentRequired) } : null,
    policies: Array.isArray(b.policies) ? b.policies.filter((p): p is string => typeof p === 'string') : [],
    ...('redaction' in b ? { redaction: b.redaction } : {}),
  };
}

export class RemoteConfig {
  config: ClientConfig | undefined;
  etag: string | undefined;
  /** When the last poll was answered (200 or 304), ms. */
  answeredMs: number | undefined;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private polling: Promise<void> | undefined;
  private paused = false;
  private stopped = true;

  constructor(
    private readonly fetchConfig: ConfigFetch,
    private readonly query: () => string,
    private readonly onChange: (config: ClientConfig) => void,
    private readonly keeper?: ConfigKeeper,
  ) {}

  /**
   * Applies the config kept from the last run, so a kill switch or a level holds from the first
   * record, before the gateway answers (or while it cannot be reached); the first poll revalidates it.
   */
  async restore(): Promise<void> {
    try {
      const kept = JSON.parse((await this.keeper?.load()) ?? 'null') as { etag?: unknown; body?: unknown } | null;
      const config = readConfig(kept?.body);
      if (!config || this.config) return;
      this.config = config;
      this.etag = typeof kept?.etag === 'string' ? kept.etag : undefined;
      this.onChange(config);
    } catch {
      // nothing kept, or not readable: the defaults hold until the first answer
    }
  }

  /** Makes `config` the current one and applies it (again, when it is already). */
  apply(config: ClientConfig): void {
    this.config = config;
    this.onChange(config);
  }

  /** Polls now, then at the served interval. */
  start(): Promise<void> {
    this.stopped = false;
    return this.poll();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** The page was hidden: no polls until it is shown again. */
  pause(): void {
    this.paused = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Shown again, or back online: polls at once. */
  resume(): void {
    this.paused = false;
    if (!this.stopped) void this.poll();
  }

  /** One poll (joined when one is under way); the next is scheduled when it is answered. */
  poll(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.polling ??= this.fetchOnce().finally(() => {
      this.polling = undefined;
      this.schedule();
    });
    return this.polling;
  }

  private async fetchOnce(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const answer = await this.fetchConfig(this.query(), this.etag);
    if (answer.status === 304) {
      this.answeredMs = Date.now();
      return;
    }
    const config = answer.status === 200 ? readConfig(answer.body) : undefined;
    if (!config) return;
    this.answeredMs = Date.now();
    this.etag = answer.etag;
    this.apply(config);
    this.keeper?.save(JSON.stringify({ etag: answer.etag, body: answer.body })).catch(() => {});
  }

  private schedule(): void {
    if (this.stopped || this.paused || this.timer) return;
    const every = Math.max(MIN_POLL_MS, this.config?.sdk.pollIntervalMs ?? DEFAULT_POLL_MS);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.poll();
    }, every);
    // Node: polling alone never keeps a process alive.
    (this.timer as { unref?: () => void }).unref?.();
  }
}

/**
 * A {@link ConfigFetch} over `fetch`: the token as a Bearer header (Node: an ingest token) or in
 * the query string (browsers: a client token, so no preflight for it). A browser's poll carries the
 * page's origin as its `Referer`, never its path, whatever the page's referrer policy: a same-origin
 * GET has no `Origin` header, and the gateway checks a client token against the `Referer`'s origin
 * then (a page with `Referrer-Policy: no-referrer` would otherwise send none and be refused).
 */
export function httpConfigFetch(endpoint: string, token: string | undefined, tokenIn: 'header' | 'query'): ConfigFetch {
  const base = endpoint.replace(/\/+$/, '');
  return async (query, etag) => {
    try {
      const url = `${base}/v1/config?${query}${token && tokenIn === 'query' ? `&token=${encodeURIComponent(token)}` : ''}`;
      const headers: Record<string, string> = {};
      if (etag) headers['if-none-match'] = etag;
      if (token && tokenIn === 'header') headers.authorization = `Bearer ${token}`;
      const res = await fetch(url, { headers, credentials: 'omit', signal: AbortSignal.timeout?.(30_000), ...(tokenIn === 'query' ? { referrerPolicy: 'origin' as const } : {}) });
      if (res.status !== 200) {
        await res.arrayBuffer();
        return { status: res.status };
      }
      return { status: 200, etag: res.headers.get('etag') ?? undefined, body: await res.json() };
    } catch {
      return { status: 0 };
    }
  };
}
