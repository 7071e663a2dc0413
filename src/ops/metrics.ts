import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { ChainObserver } from '../processors/chain.ts';

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
    help: 'Rows stored in ClickHouse, by table and path (direct or spool replay).',
    labelNames: ['table', 'path'] as const,
    registers: [this.registry],
  });
  readonly insertSeconds = new Histogram({
    name: 'otelhouse_exporter_insert_duration_seconds',
    help: 'Latency of ClickHouse inserts, by table and outcome.',
    labelNames: ['table', 'outcome'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly spooledRows = new Counter({
    name: 'otelhouse_spool_rows_written_total',
    help: 'Rows written to the durable spool because ClickHouse could not take them.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly quarantinedRows = new Counter({
    name: 'otelhouse_spool_rows_quarantined_total',
    help: 'Spooled rows ClickHouse rejected as unparseable, moved to spool/dead for inspection.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });
  readonly spoolBytes = new Gauge({
    name: 'otelhouse_spool_bytes',
    help: 'Bytes held in the durable spool.',
    registers: [this.registry],
  });
  readonly spoolEntries = new Gauge({
    name: 'otelhouse_spool_entries',
    help: 'Insert batches held in the durable spool (spool depth).',
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
    help: 'Durable error occurrences the issue tracker could not process or skipped over its backlog bound (their issue state changes and alerts missed; the occurrences are stored).',
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'otelhouse_process_' });
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
