import type { Batch, Signal } from '../batch/types.ts';

/** What a processor reports while it works; the chain turns it into `/metrics` counters. */
export interface DropSink {
  /** Records dropped on purpose, with a short machine-readable reason. */
  drop(reason: string, count: number): void;
  /** Anything else worth counting (e.g. `event` = the name of a redaction rule that fired). */
  count(event: string, n: number): void;
  /**
   * Records taken out of the batch to be handed on later through {@link ProcessorContext.emit}
   * (tail sampling): neither dropped nor lost. Optional for sinks that never see such processors.
   */
  defer?(count: number): void;
}

/**
 * What the chain gives a processor at start, for work that happens outside `process` — a
 * processor that holds records and hands them on later (tail sampling).
 */
export interface ProcessorContext {
  /**
   * Runs the stages after this processor, then the exporter, on `batch`; resolves once its
   * records are durable (what `Pipeline.consume` guarantees a request) and rejects as the
   * export stage does (e.g. a `RetryableError` when the write-ahead log is full).
   */
  emit(batch: Batch): Promise<void>;
  /** Counts drops and events that happen outside `process` (e.g. traces evicted from memory). */
  report(signal: Signal): DropSink;
  /** A directory this processor may keep state in across restarts (created on demand). */
  readonly stateDir: string;
}

/**
 * A pipeline stage: takes a batch and returns the batch to hand on (usually the same object,
 * transformed in place). Dropping records is a normal outcome reported through `drops`, never an
 * exception. Processors are pure functions of (batch, their control state): no I/O, no logging per
 * record, and everything costly (regexes, rules) compiled in the factory.
 */
export interface Processor {
  /** Name used in metrics: the entry's `name`, or its `type`. */
  readonly name: string;
  process(batch: Batch, drops: DropSink): Batch | Promise<Batch>;
  /** Called once before the first batch; `context` serves processors that hand batches on later. */
  start?(context: ProcessorContext): Promise<void>;
  /**
   * Called once at shutdown, before the exporter flushes; must be safe to call without start and
   * twice. A processor holding records hands them on (or reports them dropped) before resolving.
   */
  shutdown?(): Promise<void>;
}

/** Builds a processor from its validated config. */
export interface ProcessorFactory<C> {
  /** zod-like schema for this processor's options (the `type` key excluded). */
  parse(options: unknown): C;
  create(name: string, config: C): Processor;
}
