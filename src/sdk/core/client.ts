import { context, isSpanContextValid, trace as traceApi, type Attributes, type Span, type Tracer } from '@opentelemetry/api';
import type { AnyValue } from '@opentelemetry/api-logs';

import { BreadcrumbRing, type Breadcrumb } from './breadcrumbs.ts';
import { Delivery, type DeliveryHealth, type Transport } from './delivery.ts';
import { encodeLogRecord, validAttributes, type EncodedObject, type LogFields } from './otlpJson.ts';
import { RecordQueue, type DropReason, type RecordStore } from './queue.ts';
import { RemoteConfig, type ConfigFetch, type ConfigKeeper } from './remoteConfig.ts';
import { keeps, randomHex14, sessionRandomness, thresholdOf, Throttle, traceRandomness } from './sampling.ts';
import type { Scrubber } from './scrub.ts';
import { ErrorStorm } from './storm.ts';
import { SessionClock, type SessionShare } from './session.ts';
import type { TracerFactory } from './tracing.ts';

export type Level = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
const SEVERITY: Record<Level, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

/** What an app passes to `init`. */
export interface InitOptions {
  /** The gateway's base URL, e.g. `https://telemetry.example.com`. */
  endpoint: string;
  /** Node: an ingest token (sent as a Bearer header). Browsers: a client token (sent as `?token=`). */
  token?: string;
  /** `service.name`. */
  service: string;
  /** `service.version`. */
  version?: string;
  /** `deployment.environment.name`. */
  environment?: string;
  /** More resource attributes. */
  resource?: Attributes;
  /** Bytes of undelivered records kept (default 5 MiB); past it the oldest, lowest-severity go first. */
  maxQueueBytes?: number;
  /** Age at which undelivered records are dropped (default 7 days). */
  maxQueueAgeMs?: number;
  /**
   * How often the SDK reports its own health (an `otelhouse.sdk.health` event: queue, drops,
   * sampling, delivery) to the gateway, for the bundled dashboard; default 5 minutes, 0 = never.
   */
  healthReportIntervalMs?: number;
  /** How long records gather before a request (default 1 s). */
  batchDelayMs?: number;
  /**
   * Apply what `GET /v1/config` serves (default true): the kill switch, the minimum log level (a
   * debug session lowers it), and, when a policy matches this client, its batch settings.
   */
  remoteConfig?: boolean;
  /**
   * Redacts every record before it is queued, with the rules `/v1/config` serves: `redaction()`
   * from `otelhouse/sdk/redaction` (the Node SDK and the script-tag build use it unless this is
   * `false`; browser bundles import it, about 13 KiB gzip'ed).
   */
  redaction?: Scrubber | false;
  /**
   * Asked when a debug session for this client needs the user's consent: resolve true to let it
   * collect. Until then its extra records stay in memory only (at most 1,000); on false, or
   * without this hook, they are dropped and only what is collected anyway is.
   */
  onConsent?: (request: ConsentRequest) => boolean | Promise<boolean>;
  /**
   * Browsers: origins (`https://api.example.com`) or patterns of URLs whose fetch/XHR requests
   * carry the W3C `traceparent` of their client span; the page's own origin always does. Others
   * never get it (a header on a cross-origin request can break its CORS preflight).
   */
  tracePropagationTargets?: Array<string | RegExp>;
  /** Browsers: request and response headers recorded on network spans (lowercase names); none by default. */
  recordHeaders?: string[];
  /** Browsers: automatic breadcrumbs, network spans and web vitals (default true each; with breadcrumbs off, `console` and `history` are not wrapped). */
  instrument?: { breadcrumbs?: boolean; network?: boolean; webVitals?: boolean };
}

/** What a debug session asks the user's consent for. */
export interface ConsentRequest {
  sessionId: string;
  /** `standard`, `debug` or `trace`. */
  level: string;
  /** ISO 8601: when the session ends. */
  endsAt: string;
}

/** What each platform (Node, browser, worker) gives the client. */
export interface Platform {
  store: RecordStore;
  transport: Transport;
  installationId: string;
  /** `telemetry.sdk.language`: `nodejs` or `webjs`. */
  language: string;
  /** Resource attributes the platform knows (`process.*`, `os.*`, `browser.*`). */
  resource: Attributes;
  /** Whether the app opted out earlier (a persisted choice), and how to persist a new one. */
  optedOut: boolean;
  setOptedOut(value: boolean): Promise<void>;
  maxBatchBytes: number;
  /** How soon a record is written ahead (errors at once); at most 1 s. Default 200 ms. */
  persistDelayMs?: number;
  /**
   * Called once, before the first span the app starts through the SDK: where the platform sets up
   * what carries the active span across awaits. Until then nothing needs carrying, and an app that
   * only logs does not pay for it (Node's async context tracking costs every async operation).
   */
  beforeFirstSpan?: () => void;
  /** Resolves in a new task: start-up yields with it between its steps (a page's main thread is not held long). */
  nextTask?: () => Promise<void>;
  /** Where pages of one origin share their session (none: the session lives in memory). */
  sessionShare?: SessionShare;
  /** Sampling by the session's randomness (browsers: a session is kept whole) rather than each trace's (Node). */
  sessionSampling?: boolean;
  /** How this platform fetches `/v1/config` (none: no remote configuration), and keeps the last answer. */
  configFetch?: ConfigFetch;
  configKeeper?: ConfigKeeper;
}

export interface Health {
  queuedRecords: number;
  queuedBytes: number;
  /** Records made but not yet written ahead (at most `persistDelayMs` old). */
  unsavedRecords: number;
  dropped: Record<DropReason, number>;
  optedOut: boolean;
  /** Delivery's state, and the batching in force (the app's own, or what a policy set). */
  delivery: DeliveryHealth & { batch: { maxRecords: number; delayMs: number } };
  /** What `/v1/config` last served, and when it was last answered (no `etag` yet: not fetched). */
  config: { etag?: string; answeredMs?: number; telemetryEnabled: boolean; minLogLevel: Level; debugSessionId?: string; consent?: 'asking' | 'granted' | 'declined' };
  /** Findings redacted on this client since it started, per rule (none without redaction). */
  redacted: Record<string, number>;
  /** The served sampling, and the logs and root spans it left out since the start (errors are never left out). */
  sampling: { logsPercentage: number; tracesPercentage: number; logsPerMinute: number; sampledOut: number };
}

export const SDK_VERSION = '0.1.0';
/** Records per request, and how long records gather before one, unless the app or a policy says otherwise. */
const DEFAULT_BATCH_RECORDS = 512;
const DEFAULT_BATCH_DELAY_MS = 1000;
/** The instrumentation scope of the SDK's log records. */
const SCOPE = { name: 'otelhouse', version: SDK_VERSION };

/**
 * The SDK's one client: real OpenTelemetry log records and spans (the OTel JS SDK's providers),
 * each encoded to OTLP/JSON as it is made and put in the write-ahead queue, from which delivery
 * sends batches stamped with ids to `/v1/logs` and `/v1/traces` (the drops it had to make travel
 * with the next logs batch as an `otelhouse.sdk.dropped` record).
 */
export class Client {
  readonly tracer: Tracer;
  private readonly session: SessionClock;
  private optedOut: boolean;
  private closed = false;
  private spanStarted = false;
  /** The last unload: when, and the keepalive bytes and requests it spent. */
  private lastUnload = { ms: 0, bytes: 0, requests: 0 };
  /** Served by `/v1/config`: the lowest severity recorded, and the kill switch. Until then, everything. */
  private minSeverity = 0;
  private disabled = false;
  private readonly remote: RemoteConfig | undefined;
  private healthTimer: ReturnType<typeof setInterval> | undefined;
  private readonly scrubber: Scrubber | undefined;
  /** The served sampling: rejection thresholds (undefined: keep all), the throttle, what was left out. */
  private sampling = { logsPercentage: 100, tracesPercentage: 100, logsPerMinute: 0 };
  private logsTh: string | undefined;
  private tracesTh: string | undefined;
  private sampledOut = 0;
  private readonly throttle = new Throttle();
  private readonly storm: ErrorStorm;
  /** What happened before an error: attached to each error record. */
  readonly breadcrumbs = new BreadcrumbRing();
  /** The user's answers per debug session that needs consent ('asking' until the hook answers). */
  private readonly consents = new Map<string, boolean | 'asking'>();
  /** While asking: records at or above this severity (and below the baseline) wait in {@link held}. */
  private holdFrom: number | undefined;
  private held: Array<{ level: Level; message: string; attributes?: Record<string, AnyValue>; timeMs: number }> = [];

  constructor(
    private readonly options: InitOptions,
    private readonly platform: Platform,
    private readonly queue: RecordQueue,
    private readonly delivery: Delivery,
    tracing?: TracerFactory,
  ) {
    this.optedOut = platform.optedOut;
    this.scrubber = options.redaction || undefined;
    this.storm = new ErrorStorm(() => queue.countDrop('throttled'));
    this.session = new SessionClock(platform.sessionShare);
    const enqueue = (span: EncodedObject) => this.enqueue(span);
    const session = this.session;
    if (options.remoteConfig !== false && platform.configFetch) {
      this.remote = new RemoteConfig(platform.configFetch, () => this.configQuery(), (config) => {
        this.scrubber?.configure(config.redaction);
        // A session that needs consent: its level and sampling apply only after the user's yes.
        const session = config.debugSession;
        const gate = session?.consentRequired;
        let answer = session ? this.consents.get(session.id) : undefined;
        if (session && gate && answer === undefined) answer = this.askConsent(session);
        const effective = gate && answer !== true ? gate : config;
        this.sampling = effective.sampling;
        this.logsTh = thresholdOf(effective.sampling.logsPercentage);
        this.tracesTh = thresholdOf(effective.sampling.tracesPercentage);
        this.minSeverity = SEVERITY[effective.minLogLevel];
        this.holdFrom = gate && answer === 'asking' ? SEVERITY[config.minLogLevel] : undefined;
        if (answer === true) this.releaseHeld();
        else if (this.holdFrom === undefined) this.held = [];
        if (!config.telemetryEnabled && !this.disabled) void this.queue.clear();
        this.disabled = !config.telemetryEnabled;
        // What the matching policies set replaces the app's own batching; the rest, and all of it once no policy sets it, is the app's.
        const set = config.sdkFromPolicies ?? (config.policies.length > 0 ? ['maxBatchSize', 'flushIntervalMs'] : []);
        this.delivery.setBatching(
          set.includes('maxBatchSize') ? config.sdk.maxBatchSize : DEFAULT_BATCH_RECORDS,
          set.includes('flushIntervalMs') ? config.sdk.flushIntervalMs : (options.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS),
        );
      }, platform.configKeeper);
    }
    // Without tracing (the core build) spans are the API's no-op spans: `trace` still runs its function.
    this.tracer = tracing ? tracing((set) => session.stamp(set), enqueue, SDK_VERSION, (traceId) => this.sampleRoot(traceId)) : traceApi.getTracer('otelhouse');
  }

  /**
   * Makes a log record and queues it: the attributes the OpenTelemetry log SDK would keep, the
   * session's, the active span's context; made now unless `timeMs` says when it happened.
   */
  private emit(severityNumber: number, level: Level, attributes: Record<string, AnyValue> | undefined, what: { body?: string; eventName?: string; timeMs?: number }): void {
    const now = Date.now();
    const kept = validAttributes(attributes);
    this.session.stamp((key, value) => {
      kept[key] = value;
    });
    const spanContext = traceApi.getSpanContext(context.active());
    const log: LogFields = {
      timeMs: what.timeMs ?? now,
      observedMs: now,
      severityNumber,
      severityText: level.toUpperCase(),
      body: what.body,
      eventName: what.eventName,
      attributes: kept,
      spanContext: spanContext && isSpanContextValid(spanContext) ? spanContext : undefined,
      scope: SCOPE,
    };
    if (this.optedOut || this.closed || this.disabled) return;
    // Redacted before it is encoded: the record's text is made once, from what may be kept.
    this.scrubber?.scrubLog(log);
    this.queue.add(encodeLogRecord(log));
  }

  /** The resource every request carries (redacted, with redaction on). */
  resource(): Attributes {
    const o = this.options;
    const resource: Attributes = {
      'service.name': o.service,
      ...(o.version ? { 'service.version': o.version } : {}),
      ...(o.environment ? { 'deployment.environment.name': o.environment } : {}),
      'telemetry.sdk.name': 'otelhouse',
      'telemetry.sdk.language': this.platform.language,
      'telemetry.sdk.version': SDK_VERSION,
      'app.installation.id': this.platform.installationId,
      ...this.platform.resource,
      ...o.resource,
    };
    return this.scrubber ? this.scrubber.resource(resource) : resource;
  }

  /** Records a log record; `timeMs` (default now) is when it happened, for a call made before the client was ready. */
  log(level: Level, message: string, attributes?: Record<string, AnyValue>, timeMs?: number): void {
    const severity = SEVERITY[level];
    if (this.optedOut || this.closed || this.disabled) return;
    if (severity < this.minSeverity) {
      // Asking for a session's consent: what it would collect waits in memory, never on disk.
      if (this.holdFrom !== undefined && severity >= this.holdFrom) {
        if (this.held.length >= 1000) this.held.shift();
        this.held.push({ level, message, attributes, timeMs: timeMs ?? Date.now() });
      }
      return;
    }
    const kept = this.sample(severity, attributes, message);
    if (kept !== null) this.emit(severity, level, kept, { body: message, timeMs });
  }

  /**
   * A log record's attributes once sampled (with its threshold and randomness), or null when it is
   * left out: errors are always kept; others are sampled, then throttled per name.
   */
  private sample(severity: number, attributes: Record<string, AnyValue> | undefined, name: string): Record<string, AnyValue> | undefined | null {
    if (severity >= 17) return attributes;
    const th = this.logsTh;
    if (th !== undefined) {
      const rv = this.randomness();
      if (!keeps(rv, th)) {
        this.sampledOut++;
        return null;
      }
      attributes = { ...attributes, 'sampling.threshold': th, 'sampling.randomness': rv };
    }
    if (this.sampling.logsPerMinute > 0 && !this.throttle.admit(name, this.sampling.logsPerMinute)) {
      this.queue.countDrop('throttled');
      return null;
    }
    return attributes;
  }

  /** Asks the app's hook (once per session); the answer re-applies the config. Never throws. */
  private askConsent(session: { id: string; level: string; endsAt: string }): 'asking' {
    this.consents.set(session.id, 'asking');
    const hook = this.options.onConsent;
    void (async () => (hook ? (await hook({ sessionId: session.id, level: session.level, endsAt: session.endsAt })) === true : false))()
      .catch(() => false)
      .then((yes) => {
        this.consents.set(session.id, yes);
        if (this.remote?.config) this.remote.apply(this.remote.config);
      });
    return 'asking';
  }

  /** The user said yes: what waited in memory is recorded, with the time it was made. */
  private releaseHeld(): void {
    const held = this.held;
    this.held = [];
    for (const h of held) {
      this.emit(SEVERITY[h.level], h.level, h.attributes, { body: h.message, timeMs: h.timeMs });
    }
  }

  /** A log's randomness: its session's (browsers), else its trace's, else its own. */
  private randomness(): string {
    if (this.platform.sessionSampling) return sessionRandomness(this.session.current().id);
    const span = traceApi.getSpanContext(context.active());
    return span && traceApi.isSpanContextValid(span) ? traceRandomness(span.traceId) : randomHex14();
  }

  /** A root span's sampling decision (see `tracing.ts`). */
  private sampleRoot(traceId: string): { keep: boolean; th: string; rv?: string } | undefined {
    const th = this.tracesTh;
    if (th === undefined) return undefined;
    const rv = this.platform.sessionSampling ? sessionRandomness(this.session.current().id) : undefined;
    const keep = keeps(rv ?? traceRandomness(traceId), th);
    if (!keep) this.sampledOut++;
    return { keep, th, ...(rv ? { rv } : {}) };
  }

  /**
   * Records `error` as an ERROR log record with `exception.*` attributes, which the gateway groups
   * into an issue (its stack symbolicated with the release's uploaded source maps). `fingerprint`
   * replaces the gateway's grouping: records with the same fingerprint are one issue. In a storm
   * (see `storm.ts`) repeats are folded into one record with `otelhouse.occurrences`.
   */
  captureException(error: unknown, options: { fingerprint?: string[]; attributes?: Record<string, AnyValue> } = {}): void {
    if (this.optedOut || this.closed || this.disabled) return;
    const e = error instanceof Error ? error : undefined;
    // An Error's own getters may throw too: read, never rethrown.
    const read = (get: () => unknown) => {
      try {
        return get();
      } catch {
        return undefined;
      }
    };
    const message = e ? safeText(read(() => e.message) ?? '') : typeof error === 'string' ? error : safeText(error);
    const type = e ? safeText(read(() => e.name) ?? 'Error') : 'Error';
    const stackValue = e ? read(() => e.stack) : undefined;
    const stack = typeof stackValue === 'string' ? stackValue : undefined;
    const attributes: Record<string, AnyValue> = {
      ...options.attributes,
      'exception.type': type,
      'exception.message': message,
      ...(stack ? { 'exception.stacktrace': stack } : {}),
      ...(options.fingerprint?.length ? { 'otelhouse.fingerprint': options.fingerprint } : {}),
    };
    const crumbs = this.breadcrumbs.json();
    if (crumbs) attributes['otelhouse.breadcrumbs'] = crumbs;
    // One error: the same fingerprint, or the same type, message and throwing frame.
    const key = options.fingerprint?.length ? `f\0${options.fingerprint.join('\0')}` : `${type}\0${message}\0${stack?.split('\n', 3).slice(1).join('\n') ?? ''}`;
    this.storm.capture(key, (occurrences) =>
      this.log('error', message || type, occurrences > 1 ? { ...attributes, 'otelhouse.occurrences': occurrences } : attributes),
    );
  }

  /** Adds a breadcrumb of the app's own (shown with the next errors). */
  addBreadcrumb(crumb: Breadcrumb): void {
    if (!this.optedOut && !this.closed) this.breadcrumbs.add(crumb);
  }

  /**
   * Records a named event (a log record with `eventName`, e.g. `browser.web_vital`), sampled,
   * throttled and levelled like any log record (INFO unless `level` says otherwise).
   */
  event(name: string, attributes: Record<string, AnyValue>, level: Level = 'info', timeMs?: number): void {
    const severity = SEVERITY[level];
    if (this.optedOut || this.closed || this.disabled || severity < this.minSeverity) return;
    const kept = this.sample(severity, attributes, name);
    if (kept !== null) this.emit(severity, level, kept, { eventName: name, timeMs });
  }

  /** Runs `fn` in a span named `name` (ended when `fn` returns or its promise settles; an exception marks it an error). */
  trace<T>(name: string, fn: (span: Span) => T): T {
    if (!this.spanStarted) {
      this.spanStarted = true;
      this.platform.beforeFirstSpan?.();
    }
    return this.tracer.startActiveSpan(name, (span) => {
      const fail = (err: unknown) => {
        span.recordException(err as Error);
        span.setStatus({ code: 2, message: (err as Error)?.message });
        span.end();
        throw err;
      };
      try {
        const result = fn(span);
        if (result instanceof Promise) {
          return result.then((value) => {
            span.end();
            return value;
          }, fail) as T;
        }
        span.end();
        return result;
      } catch (err) {
        return fail(err);
      }
    });
  }

  /** Resolves true once everything made before the call (errors folded in a storm too) is acknowledged by the gateway. */
  flush(timeoutMs = 5000): Promise<boolean> {
    this.storm.flush();
    return this.delivery.flush(timeoutMs);
  }

  /** Flushes (bounded), then stops: later calls record nothing. */
  async shutdown(timeoutMs = 5000): Promise<boolean> {
    if (this.closed) return true;
    const flushed = await this.flush(timeoutMs);
    this.closed = true;
    if (this.healthTimer) clearInterval(this.healthTimer);
    this.remote?.stop();
    this.delivery.stop();
    await this.queue.close();
    return flushed;
  }

  /** Stops recording and sending at once and empties the queue; remembered across restarts. */
  async optOut(): Promise<void> {
    this.optedOut = true;
    this.remote?.stop();
    await this.platform.setOptedOut(true);
    await this.queue.clear();
  }

  async optIn(): Promise<void> {
    this.optedOut = false;
    await this.platform.setOptedOut(false);
    void this.remote?.start();
  }

  health(): Health {
    const { records, bytes } = this.queue.size;
    const served = this.remote?.config;
    const config: Health['config'] = {
      ...(this.remote?.etag ? { etag: this.remote.etag } : {}),
      ...(this.remote?.answeredMs ? { answeredMs: this.remote.answeredMs } : {}),
      telemetryEnabled: !this.disabled,
      minLogLevel: served?.minLogLevel ?? 'trace',
      ...(served?.debugSession ? { debugSessionId: served.debugSession.id } : {}),
      ...(served?.debugSession?.consentRequired ? { consent: consentState(this.consents.get(served.debugSession.id)) } : {}),
    };
    return { queuedRecords: records, queuedBytes: bytes, unsavedRecords: this.queue.unsavedRecords, dropped: { ...this.queue.dropped }, optedOut: this.optedOut, delivery: { ...this.delivery.health, retryAtMs: { ...this.delivery.health.retryAtMs }, batch: this.delivery.batching }, config, redacted: { ...this.scrubber?.counts }, sampling: { ...this.sampling, sampledOut: this.sampledOut } };
  }

  /**
   * The page is going away (hidden, `pagehide`): what is queued leaves now in keepalive requests
   * (together at most `budgetBytes`, at most 9), the rest stays for the next page. A call within
   * a second of the last is the same going-away (Chromium fires `pagehide`, then hidden, whose
   * listeners — web vitals' final values — record more): it sends only what is new, within what
   * the first left of the budget.
   */
  unload(budgetBytes = 60 * 1024): void {
    if (this.optedOut || this.closed) return;
    const now = Date.now();
    const again = now - this.lastUnload.ms < 1000;
    const spent = again ? this.lastUnload : { bytes: 0, requests: 0 };
    this.storm.flush();
    const sent = this.delivery.unload(budgetBytes - spent.bytes, 9 - spent.requests, again);
    this.lastUnload = { ms: again ? this.lastUnload.ms : now, bytes: spent.bytes + sent.bytes, requests: spent.requests + sent.requests };
  }

  /** The network is back (`online`): sending resumes at once instead of after the backoff, and the config is fetched. */
  online(): void {
    if (this.optedOut || this.closed) return;
    this.delivery.resume();
    this.remote?.resume();
  }

  /** The page was hidden (no config polls until it is shown) or shown again (a poll at once). */
  visible(shown: boolean): void {
    if (shown && !this.optedOut && !this.closed) this.remote?.resume();
    else if (!shown) this.remote?.pause();
  }

  /** Reports the SDK's health every `everyMs` (the first report one interval after the start). */
  startHealthReports(everyMs: number): void {
    if (everyMs <= 0) return;
    this.healthTimer = setInterval(() => this.reportHealth(), everyMs);
    (this.healthTimer as { unref?: () => void }).unref?.();
  }

  /**
   * One `otelhouse.sdk.health` event: what {@link health} says, as attributes. Made whatever the
   * level and sampling (`sampling.priority` 1 keeps it through the gateway's sampling too).
   */
  reportHealth(): void {
    if (this.optedOut || this.closed || this.disabled) return;
    const h = this.health();
    const now = Date.now();
    const retryAt = Math.max(0, ...Object.values(h.delivery.retryAtMs).map(Number));
    const attributes: Record<string, AnyValue> = {
      'sampling.priority': 1,
      'otelhouse.sdk.queue.records': h.queuedRecords,
      'otelhouse.sdk.queue.bytes': h.queuedBytes,
      'otelhouse.sdk.sampled_out': h.sampling.sampledOut,
      'otelhouse.sdk.redacted': Object.values(h.redacted).reduce((a, b) => a + b, 0),
      'otelhouse.sdk.backoff_ms': Math.max(0, retryAt - now),
      ...(h.delivery.lastSuccessMs ? { 'otelhouse.sdk.last_success_age_ms': now - h.delivery.lastSuccessMs } : {}),
      ...(h.config.etag ? { 'otelhouse.sdk.config.etag': h.config.etag } : {}),
    };
    for (const [reason, n] of Object.entries(h.dropped)) attributes[`otelhouse.sdk.dropped.${reason}`] = n;
    this.emit(9, 'info', attributes, { eventName: 'otelhouse.sdk.health', body: 'SDK health' });
  }

  /** Applies the config kept from the last run, then starts polling `/v1/config` (not waited for). */
  async startRemoteConfig(): Promise<void> {
    if (this.optedOut || !this.remote) return;
    await this.remote.restore();
    void this.remote.start();
  }

  /** The client's identity as `/v1/config` takes it. */
  private configQuery(): string {
    const r = this.resource();
    const query = new URLSearchParams();
    for (const key of ['service.name', 'service.version', 'deployment.environment.name', 'app.installation.id', 'telemetry.sdk.language']) {
      const value = r[key];
      if (value !== undefined) query.set(key, String(value));
    }
    const session = this.session.currentId();
    if (session) query.set('session.id', session);
    return query.toString();
  }

  /** The page came back from the back/forward cache: the queue is read again from the store, then sending resumes. */
  async restored(): Promise<void> {
    await this.queue.reload();
    this.delivery.schedule(true);
  }

  /** For a process about to die: what is not durable yet is written now, synchronously. */
  persistNow(): void {
    this.storm.flush();
    this.queue.persistSync();
  }

  /** A span's record, redacted and queued. */
  private enqueue(record: EncodedObject): void {
    if (this.optedOut || this.closed || this.disabled) return;
    this.scrubber?.scrub(record);
    this.queue.add(record);
  }
}

/** Opens the queue on the platform's store and wires delivery. */
export async function createClient(options: InitOptions, platform: Platform, tracing?: TracerFactory): Promise<Client> {
  const queue = await RecordQueue.open(platform.store, {
    maxBytes: options.maxQueueBytes ?? 5 * 1024 * 1024,
    maxAgeMs: options.maxQueueAgeMs ?? 7 * 86_400_000,
    persistDelayMs: platform.persistDelayMs ?? 200,
  });
  let client: Client | undefined;
  const delivery = new Delivery(queue, platform.transport, () => client!.resource(), {
    maxBatchRecords: DEFAULT_BATCH_RECORDS,
    maxBatchBytes: platform.maxBatchBytes,
    batchDelayMs: options.batchDelayMs ?? DEFAULT_BATCH_DELAY_MS,
    minBackoffMs: 1000,
    maxBackoffMs: 300_000,
  }, newBatchId);
  await platform.nextTask?.();
  client = new Client(options, platform, queue, delivery, tracing);
  if (platform.optedOut) await queue.clear();
  // What an earlier run left is sent now.
  if (queue.size.records > 0) delivery.schedule(true);
  await platform.nextTask?.();
  await client.startRemoteConfig();
  client.startHealthReports(options.healthReportIntervalMs ?? 300_000);
  return client;
}

const consentState = (answer: boolean | 'asking' | undefined) => (answer === true ? 'granted' : answer === false ? 'declined' : 'asking');

/** A thrown value that is not an Error, as text (never throws: a hostile toString is caught). */
function safeText(value: unknown): string {
  try {
    return typeof value === 'object' && value !== null ? JSON.stringify(value) ?? String(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

/** A batch id the gateway accepts: 22 characters of base64url (128 random bits). */
export function newBatchId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let text = '';
  for (const b of bytes) text += String.fromCharCode(b);
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

