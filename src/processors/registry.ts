import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { showValue } from '../secrets.ts';
import type { ProcessorEntry } from './config.ts';
import { createDebugSessionsFactory, type GateControl } from './debugsessions/debugsessions.ts';
import { filterFactory } from './filter/filter.ts';
import type { Processor, ProcessorFactory } from './processor.ts';
import { samplingFactory } from './sampling/sampling.ts';
import { tailSamplingPlacement } from './tailsampling/placement.ts';
import { tailSamplingFactory } from './tailsampling/tailsampling.ts';
import { redactionFactory } from './redaction/redaction.ts';
import { createCatalogFactory, type CatalogControl } from './catalog/catalog.ts';

/** What processors may read besides their config: the gateway's control state. */
export interface ProcessorServices {
  /** Debug sessions and policies for the `debugsessions` gate; without it the gate passes everything (counted). */
  gate?: GateControl;
  /** The event catalog for the `catalog` processor; without it the processor passes everything. */
  catalog?: CatalogControl;
}

/** Every processor type the config can name. */
function factoriesFor(services: ProcessorServices): Record<string, ProcessorFactory<any>> {
  return {
    filter: filterFactory,
    redaction: redactionFactory,
    debugsessions: createDebugSessionsFactory(() => services.gate),
    sampling: samplingFactory,
    tailsampling: tailSamplingFactory,
    catalog: createCatalogFactory(() => services.catalog),
  };
}

/** Names of the processor types available in `processors[].type`. */
export const processorTypes = (): string[] => Object.keys(factoriesFor({}));

/**
 * Validates every entry of `config.processors` and builds the processors, in order. Fails fast
 * with a {@link ConfigError} naming the option (`processors[1].customRules.0.pattern`) and the value
 * (credentials hidden).
 */
export function buildProcessors(entries: ProcessorEntry[], services: ProcessorServices = {}): Processor[] {
  const factories = factoriesFor(services);
  const misplaced = tailSamplingPlacement(entries);
  if (misplaced) throw new ConfigError(`invalid configuration: ${misplaced}`);
  return entries.map((entry, i) => {
    const { type, name, ...options } = entry as { type: string; name?: unknown } & Record<string, unknown>;
    const factory = factories[type];
    if (!factory) {
      throw new ConfigError(`invalid configuration: processors[${i}].type = ${JSON.stringify(type)}: unknown processor (known: ${processorTypes().join(', ')})`);
    }
    let parsed: unknown;
    try {
      parsed = factory.parse(options);
    } catch (err) {
      if (!(err instanceof z.ZodError)) throw err;
      const problems = err.issues.map((issue) => {
        const path = [`processors[${i}]`, ...issue.path].join('.');
        const value = issue.path.reduce<any>((v, k) => v?.[k as string], options);
        return `${path} = ${showValue(value, issue.path)}: ${issue.message}`;
      });
      throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
    }
    try {
      return factory.create(typeof name === 'string' && name ? name : type, parsed);
    } catch (err) {
      // A factory that still finds a problem (a rule that does not compile) names the entry too.
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(`invalid configuration: processors[${i}] (${type}): ${(err as Error).message}`);
    }
  });
}
