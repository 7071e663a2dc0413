import { retainRecords } from '../../batch/records.ts';
import type { Processor, ProcessorFactory } from '../processor.ts';
import { filterConfigSchema, type FilterConfig } from './config.ts';

/** Drops log records below a severity and spans by name; drops are reported as `severity` and `span_name`. */
export const filterFactory: ProcessorFactory<FilterConfig> = {
  parse: (options) => filterConfigSchema.parse(options),
  create(name, config): Processor {
    const minSeverity = config.minSeverityNumber;
    const spanName = config.dropSpanNames.length ? new RegExp(config.dropSpanNames.map((s) => `(?:${s})`).join('|')) : null;
    return {
      name,
      process(batch, drops) {
        if (batch.signal === 'logs' && minSeverity > 0) {
          // Severity 0 means "unspecified": the sender did not say, so it is not "below" anything.
          drops.drop('severity', retainRecords(batch, (log) => log.severityNumber === 0 || log.severityNumber >= minSeverity));
        } else if (batch.signal === 'traces' && spanName) {
          drops.drop('span_name', retainRecords(batch, (span) => !spanName.test(span.name)));
        }
        return batch;
      },
    };
  },
};
