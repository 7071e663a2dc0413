import { z } from 'zod';

/** A processor entry in the chain: `type` picks the factory, the rest is that processor's own config. */
export const processorEntrySchema = z.looseObject({ type: z.string().min(1) });

export type ProcessorEntry = z.infer<typeof processorEntrySchema>;

/** The chain a gateway runs when `processors` is not configured. */
export const DEFAULT_PROCESSORS: ReadonlyArray<{ type: string }> = [{ type: 'redaction' }, { type: 'debugsessions' }, { type: 'sampling' }];

/**
 * The processor chain, in order (`processors`). Default: {@link DEFAULT_PROCESSORS} — PII redaction with its
 * default rules, the debug-session and policy gate, then sampling at 100 % (which keeps every record but honours
 * `sampling.priority` and records the adjusted count of spans an SDK or upstream tier sampled).
 * A chain set here replaces the default entirely; start-up warns when it has no `redaction`.
 * Each entry is validated by its factory when the chain is built (`registry.ts`).
 */
export const processorsConfigSchema = z.array(processorEntrySchema).default(() => DEFAULT_PROCESSORS.map((entry) => ({ ...entry })));
