import { z } from 'zod';
import { regexSource } from '../configHelpers.ts';

/**
 * Options of the `filter` processor: a small, explicit way to drop what nobody wants stored.
 * Regexes are compiled once when the chain is built.
 */
export const filterConfigSchema = z.strictObject({
  /** Log records below this OTLP SeverityNumber (1..24) are dropped; 0 keeps all. Unset severity (0) is kept. */
  minSeverityNumber: z.number().int().min(0).max(24).default(0),
  /** Spans whose name matches any of these regular expressions are dropped. */
  dropSpanNames: z
    .array(regexSource())
    .default([]),
  /** Metrics whose name matches any of these regular expressions are dropped, every data point of them. */
  dropMetricNames: z
    .array(regexSource())
    .default([]),
});

export type FilterConfig = z.infer<typeof filterConfigSchema>;
