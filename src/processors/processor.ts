import type { Batch } from '../batch/types.ts';

/** What a processor reports while it works; the chain turns it into `/metrics` counters. */
export interface DropSink {
  /** Records dropped on purpose, with a short machine-readable reason. */
  drop(reason: string, count: number): void;
  /** Anything else worth counting (e.g. `event` = the name of a redaction rule that fired). */
  count(event: string, n: number): void;
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
  /** Called once before the first batch. */
  start?(): Promise<void>;
  /** Called once at shutdown; must be safe to call without start and twice. */
  shutdown?(): Promise<void>;
}

/** Builds a processor from its validated config. */
export interface ProcessorFactory<C> {
  /** zod-like schema for this processor's options (the `type` key excluded). */
  parse(options: unknown): C;
  create(name: string, config: C): Processor;
}
