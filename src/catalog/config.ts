import { z } from 'zod';

/** The event catalog (`catalog`): registry YAML files, and what the gateway does with events that break them. */
export const catalogConfigSchema = z.strictObject({
  /** Registry YAML files (the OpenTelemetry semantic-convention format OTel Weaver reads); none: no catalog. */
  files: z.array(z.string().min(1)).default([]),
  /**
   * `observe`: a record breaking its entry is kept, tagged `otelhouse.schema.violations`; `enforce`:
   * it is dropped. Both count each violation per event and reason in `otelhouse_catalog_violations_total`.
   */
  mode: z.enum(['observe', 'enforce']).default('observe'),
  /** Event namespaces (first name segment) the catalog governs; default: those of its events. */
  namespaces: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a first name segment such as shop')).default([]),
  /** How often the files are checked for changes, ms; a change that validates replaces the catalog. */
  reloadCheckMs: z.number().int().min(100).default(2000),
});

export type CatalogConfig = z.infer<typeof catalogConfigSchema>;
