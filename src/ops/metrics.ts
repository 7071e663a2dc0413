import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChainObserver } from '../processors/chain.ts';
import type { EngineStats } from '../storage/clickhouse/engineStats.ts';

/**
 * The gateway's own Prometheus metrics, served as text at `GET /metrics`. One registry per
 * gateway instance, so several gateways (in tests) never share counters.
 */
export class GatewayMetrics implements ChainObserver {
  readonly registry = new Registry();

  /** Requests by signal, encoding and HTTP status. */
  readonly requests = new Counter({
    name: 'otelhouse_receiver_requests_total',
    help: 'OTLP requests handled, by signal, encoding and HTTP status code.',
    labelNames: ['signal', 'encoding', 'code'] as const,
    registers: [this.registry],
  });
  /** Records decoded from accepted requests. */
  readonly received = new Counter({
    name: 'otelhouse_receiver_records_received_total',
    help: 'Spans and log records decoded from requests.',
    labelNames: ['signal'] as const,
    registers: [this.registry],
  });
  /** Whole requests refused, by reason (decode, too_large, media_type, encoding, unauthorized, overloaded, store). */
  readonly rejectedRequests = new Counter({
    name: 'otelhouse_receiver_requests_rejected_total',
    help: 'Requests refused, by reason.',
    labelNames: ['signal', 'reason'] as const,
    registers: [this.registry],
  });
  /** Records rejected inside otherwise accepted requests (reported as OTLP partial success). */
  readonly rejectedRecords = new Counter({
    name: 'otelhouse_receiver_records_rejected_total',
    help: 'Records rejected as invalid and reported in partial_success.',
    labelNames: ['signal'] as const,
    registers: [this.registry],
  });
  /** Records of an erased subject that arrived after the erasure request, dropped before the processors. */
  readonly catalogViolations = new Counter({
    name: 'otelhouse_catalog_violations_total',
    help: 'Log records breaking their event catalog entry, per event name and reason (unknown_event, missing_required, wrong_type, enum_value); names beyond the first 200 count as (other).',
    labelNames: ['event', 'reason'] as const,
    registers: [this.registry],
  });

  readonly catalogReloads = new Counter({
    name: 'otelhouse_catalog_reloads_total',
    help: 'Changes of the event catalog files: applied, or rejected (the catalog in force stays).',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly quotaRefused = new Counter({
    name: 'otelhouse_quota_refused_requests_total',
    help: 'OTLP requests refused with 429 because their tenant used up a daily quota (records or bytes per UTC day).',
    labelNames: ['tenant', 'quota'] as const,
    registers: [this.registry],
  });

  readonly quotaUsed = new Gauge({
    name: 'otelhouse_quota_used',
    help: "What each tenant's requests used of the current UTC day: records and (decompressed) bytes.",
    labelNames: ['tenant', 'unit'] as const,
    registers: [this.registry],
  });

  readonly erasedRecords = new Counter({
    name: 'otelhouse_erasure_dropped_records_total',
    help: 'Records of a subject erased lately (within erasure.blockDays of the request) dropped at ingest.',
    labelNames: ['signal'] as const,
    registers: [this.registry],
  });
  readonly deduplicatedRequests = new Counter({
    name: 'otelhouse_receiver_requests_deduplicated_total',
    help: 'Exact retries of acknowledged requests, acknowledged again without storing their records twice.',
    labelNames: ['signal'] as const,
    registers: [this.registry],
  });
  readonly rateLimitedRecords = new Counter({
    name: 'otelhouse_receiver_records_rate_limited_total',
    help: 'Records in requests refused with 429 by a rate limit.',
    labelNames: ['signal'] as const,
    registers: [this.registry],
  });
  readonly inFlightBytes = new Gauge({
    name: 'otelhouse_receiver_in_flight_bytes',
    help: 'Decompressed request bytes received but not yet answered.',
    registers: [this.registry],
  });
  readonly processorRecords = new Counter({
    name: 'otelhouse_processor_records_total',
    help: 'Records entering (direction=in) and leaving (direction=out) each processor.',
    labelNames: ['processor', 'signal', 'direction'] as const,
    registers: [this.registry],
  });
  readonly processorDropped = new Counter({
    name: 'otelhouse_processor_dropped_total',
    help: 'Records dropped by processors, by reason.',
    labelNames: ['processor', 'signal', 'reason'] as const,
    registers: [this.registry],
  });
  readonly processorEvents = new Counter({
    name: 'otelhouse_processor_events_total',
    help: 'Events processors count, e.g. redactions by rule.',
    labelNames: ['processor', 'signal', 'event'] as const,
    registers: [this.registry],
  });
  readonly exportedRows = new Counter({
    name: 'otelhouse_exporter_rows_total',
    help: 'Rows inserted into ClickHouse from the write-ahead log, by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly insertSeconds = new Histogram({
    name: 'otelhouse_exporter_insert_duration_seconds',
    help: 'Latency of ClickHouse inserts (one sealed segment each), by table and outcome.',
    labelNames: ['table', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly walAppendedRows = new Counter({
    name: 'otelhouse_wal_rows_appended_total',
    help: 'Rows made durable in the write-ahead log (acknowledged), by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly walSyncs = new Counter({
    name: 'otelhouse_wal_syncs_total',
    help: 'fdatasync calls of the write-ahead log; appends per sync = otelhouse_wal_synced_frames_total / this (group commit).',
    registers: [this.registry],
  });
  readonly walSyncedFrames = new Counter({
    name: 'otelhouse_wal_synced_frames_total',
    help: 'Frames (one per request and table) made durable by the write-ahead log\'s fdatasync calls.',
    registers: [this.registry],
  });
  readonly walCuts = new Counter({
    name: 'otelhouse_wal_tail_cuts_total',
    help: 'Torn or corrupt segment tails cut at the last whole frame, by table and reason (torn, checksum).',
    labelNames: ['table', 'reason'] as const,
    registers: [this.registry],
  });
  readonly walCutBytes = new Counter({
    name: 'otelhouse_wal_tail_cut_bytes_total',
    help: 'Bytes cut off segment tails (never acknowledged, or corrupted on disk), by table and reason.',
    labelNames: ['table', 'reason'] as const,
    registers: [this.registry],
  });
  readonly quarantinedRows = new Counter({
    name: 'otelhouse_wal_rows_quarantined_total',
    help: 'Rows of segments ClickHouse rejected as unparseable, moved to the write-ahead log\'s dead/ folder for inspection.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly batchIds = new Gauge({
    name: 'otelhouse_receiver_batch_ids',
    help: 'Acknowledged batch ids remembered for resends (protection.batchDedup).',
    registers: [this.registry],
  });
  readonly batchIdsForgotten = new Gauge({
    name: 'otelhouse_receiver_batch_ids_forgotten',
    help: 'Batch ids forgotten before their retention because of protection.batchDedup.maxEntries, since start (a resend of one would be stored twice).',
    registers: [this.registry],
  });
  readonly walBacklogRows = new Gauge({
    name: 'otelhouse_wal_backlog_rows',
    help: 'Rows acknowledged but not yet inserted into ClickHouse, by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly walBacklogBytes = new Gauge({
    name: 'otelhouse_wal_backlog_bytes',
    help: 'Bytes of the write-ahead log not yet inserted into ClickHouse, by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly walBacklogSegments = new Gauge({
    name: 'otelhouse_wal_backlog_segments',
    help: 'Segments of the write-ahead log not yet inserted into ClickHouse (the one taking appends included), by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly walOldestAge = new Gauge({
    name: 'otelhouse_wal_backlog_oldest_age_seconds',
    help: 'Age of the oldest acknowledged row not yet in ClickHouse, by table (0 when none): the visibility lag.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly occurrences = new Counter({
    name: 'otelhouse_connector_occurrences_total',
    help: 'Error occurrences the issues connector stored in error_events, by source (span_event, log).',
    labelNames: ['source'] as const,
    registers: [this.registry],
  });
  readonly occurrencesDropped = new Counter({
    name: 'otelhouse_connector_occurrences_dropped_total',
    help: 'Error sites in durable records that did not become stored occurrences, by reason (backlog, store, failed, shutdown).',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly alertDeliveries = new Counter({
    name: 'otelhouse_alert_deliveries_total',
    help: 'Issue alert webhook deliveries by outcome (sent, failed, retried, dropped).',
    labelNames: ['webhook', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly autoTriggers = new Counter({
    name: 'otelhouse_auto_trigger_total',
    help: 'Auto-trigger rules whose window filled, by outcome (opened, already_active, capped, failed).',
    labelNames: ['rule', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly issueTrackingFailures = new Counter({
    name: 'otelhouse_issue_tracking_failures_total',
    help: 'Stored error occurrences a consumer (tracker, auto_triggers) could not process or skipped over its backlog bound (their issue state changes, alerts or triggers missed; the occurrences are stored).',
    labelNames: ['consumer'] as const,
    registers: [this.registry],
  });

  /** The embedded engine's own counters (`system.events`), read at each scrape; a server serves them itself. */
  readonly engineEvents = new Counter({
    name: 'otelhouse_clickhouse_events_total',
    help: "The embedded ClickHouse engine's profile counters (system.events): inserts, merges, queries, and the CPU its threads used (UserTimeMicroseconds, SystemTimeMicroseconds, OSCPUWaitMicroseconds).",
    labelNames: ['event'] as const,
    registers: [this.registry],
  });
  readonly engineMemory = new Gauge({
    name: 'otelhouse_clickhouse_memory_tracked_bytes',
    help: "Memory the embedded ClickHouse engine's tracker holds now (system.metrics MemoryTracking).",
    registers: [this.registry],
  });
  readonly engineParts = new Gauge({
    name: 'otelhouse_clickhouse_active_parts',
    help: 'Active data parts per table of the embedded ClickHouse engine (a count that keeps growing means merges are behind).',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  private readonly collectHooks: Array<() => void | Promise<void>> = [];

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'otelhouse_process_' });
  }

  /** Runs `hook` before every scrape, to set gauges read from state (backlogs, the engine's counters). */
  beforeCollect(hook: () => void | Promise<void>): void {
    this.collectHooks.push(hook);
  }

  /** The metrics in Prometheus' text format, gauges read from state brought up to date first. */
  async text(): Promise<string> {
    await Promise.all(this.collectHooks.map((hook) => hook()));
    return this.registry.metrics();
  }

  /** Sets the engine's series from a reading of its counters (counters are set, not added: they count since the engine started). */
  setEngineStats(stats: EngineStats): void {
    this.engineEvents.reset();
    for (const [event, value] of Object.entries(stats.events)) this.engineEvents.inc({ event }, value);
    this.engineMemory.set(stats.memoryTrackedBytes);
    this.engineParts.reset();
    for (const [table, parts] of Object.entries(stats.activeParts)) this.engineParts.set({ table }, parts);
  }

  records(processor: string, signal: string, received: number, emitted: number): void {
    this.processorRecords.inc({ processor, signal, direction: 'in' }, received);
    this.processorRecords.inc({ processor, signal, direction: 'out' }, emitted);
  }

  dropped(processor: string, signal: string, reason: string, count: number): void {
    this.processorDropped.inc({ processor, signal, reason }, count);
  }

  counted(processor: string, signal: string, event: string, count: number): void {
    this.processorEvents.inc({ processor, signal, event }, count);
  }
}
