import { retainRecords } from '../../batch/records.ts';
import { checkEvent, type ViolationReason } from '../../catalog/check.ts';
import type { ActiveCatalog } from '../../catalog/holder.ts';
import type { Processor, ProcessorFactory } from '../processor.ts';

/** The attribute a record breaking its catalog entry carries in `observe` mode: `reason` or `reason:attribute` each. */
export const VIOLATIONS_ATTRIBUTE = 'otelhouse.schema.violations';

/** What the `catalog` processor reads: the catalog in force (`catalog:` in the config), the mode, where violations are counted. */
export interface CatalogControl {
  current(): ActiveCatalog | undefined;
  mode: 'observe' | 'enforce';
  onViolation(event: string, reason: ViolationReason): void;
  /** Calls `listener` when a changed catalog replaces the one in force. */
  subscribe(listener: () => void): void;
}

/**
 * Checks log records whose `EventName` is in a catalogued namespace against the event catalog:
 * unknown names, missing required attributes, wrong types, enum values outside the list. Each
 * violation is counted; `observe` tags the record with {@link VIOLATIONS_ATTRIBUTE}, `enforce`
 * drops it (reason `schema`). Spans and metrics pass untouched. Put first in the chain (the
 * gateway does when `catalog.files` is set and the chain does not name it), so the values checked
 * are the ones sent.
 */
export function createCatalogFactory(control: () => CatalogControl | undefined): ProcessorFactory<Record<string, never>> {
  return {
    parse: (options) => {
      if (options && typeof options === 'object' && Object.keys(options).length) throw new Error('the catalog processor takes no options: it is set up by catalog: in the config');
      return {};
    },
    create(name): Processor {
      return {
        name,
        process(batch, drops) {
          const c = control();
          const active = c?.current();
          if (!c || !active || batch.signal !== 'logs') return batch;
          const dropped = retainRecords(batch, (log) => {
            if (!log.eventName) return true;
            const violations = checkEvent(active.catalog, active.namespaces, log.eventName, log.attributes);
            if (violations.length === 0) return true;
            for (const v of violations) c.onViolation(log.eventName, v.reason);
            if (c.mode === 'enforce') return false;
            log.attributes.set(VIOLATIONS_ATTRIBUTE, violations.map((v) => (v.attribute ? `${v.reason}:${v.attribute}` : v.reason)));
            return true;
          });
          if (dropped > 0) drops.drop('schema', dropped);
          return batch;
        },
      };
    },
  };
}
