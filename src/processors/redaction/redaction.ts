import type { Processor, ProcessorFactory } from '../processor.ts';
import { redactionConfigSchema, type RedactionConfig } from './config.ts';
import { hmacHasher } from './engine/hmac.ts';
import { Redactor } from './engine/index.ts';
import { recentTexts, redactBatch } from './walk.ts';

/**
 * Redacts personal data and secrets before anything is stored: built-in detectors, the key
 * denylist, custom rules. Each redaction is counted per rule (`report.count(rule, n)` → the
 * `/metrics` events counter) and summarized on the changed record. Nothing is ever logged.
 */
export const redactionFactory: ProcessorFactory<RedactionConfig> = {
  parse: (options) => redactionConfigSchema.parse(options),
  create(name, config): Processor {
    const redactor = new Redactor(config, { hmac: hmacHasher });
    const recent = recentTexts();
    return {
      name,
      process(batch, report) {
        const totals = new Float64Array(redactor.ruleNames.length);
        redactBatch(batch, redactor, redactor.tally(), totals, config.summary, recent);
        for (let i = 0; i < totals.length; i++) if (totals[i] > 0) report.count(redactor.ruleNames[i], totals[i]);
        return batch;
      },
    };
  },
};
