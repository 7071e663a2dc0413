import type { Logger } from './logger.ts';
import type { ChainObserver } from '../processors/chain.ts';

/**
 * A {@link ChainObserver} that passes everything on to `inner` (the metrics) and logs the first drop
 * of each processor and reason once, at INFO: a record a processor drops is otherwise visible only
 * as a counter, and a new user whose debug logs or sampled spans never arrive should find the reason
 * in the log. Later drops of the same kind are only counted (`otelhouse_processor_dropped_total`).
 */
export function logFirstDrops(inner: ChainObserver, logger: Pick<Logger, 'info'>): ChainObserver {
  const seen = new Set<string>();
  return {
    records: (processor, signal, received, emitted) => inner.records(processor, signal, received, emitted),
    counted: (processor, signal, event, count) => inner.counted(processor, signal, event, count),
    dropped(processor, signal, reason, count) {
      inner.dropped(processor, signal, reason, count);
      const key = `${processor}\u0000${reason}`;
      if (seen.has(key)) return;
      seen.add(key);
      logger.info(
        { processor, signal, reason, count },
        `processor ${processor} dropped ${signal} records (${reason}); logged once per reason, counted in otelhouse_processor_dropped_total`,
      );
    },
  };
}
