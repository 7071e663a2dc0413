import { retainRecords } from '../../batch/records.ts';
import type { Processor, ProcessorFactory } from '../processor.ts';
import { filterConfigSchema, type FilterConfig } from './config.ts';

/**
 * Drops log records below a severity, spans by name and metrics by name (all their data points);
 * drops are reported as `severity`, `span_name` and `metric_name`.
 */
export const filterFactory: ProcessorFactory<FilterConfig> = {
  parse: (options) => filterConfigSchema.parse(options),
  create(name, config): Processor {
    const minSeverity = config.minSeverityNumber;
    const anyOf = (sources: string[]) => (sources.length ? new RegExp(sources.map((s) => `(?:${s})`).join('|')) : null);
    const spanName = anyOf(config.dropSpanNames);
    const metricName = anyOf(config.dropMetricNames);
    return {
      name,
      process(batch, drops) {
        if (batch.signal === 'logs' && minSeverity > 0) {
          // Severity 0 means "unspecified": the sender did not say, so it is not "below" anything.
          drops.drop('severity', retainRecords(batch, (log) => log.severityNumber === 0 || log.severityNumber >= minSeverity));
        } else if (batch.signal === 'traces' && spanName) {
          drops.drop('span_name', retainRecords(batch, (span) => !spanName.test(span.name)));
        } else if (batch.signal === 'metrics' && metricName) {
          drops.drop('metric_name', retainRecords(batch, (metric) => !metricName.test(metric.name)));
        }
        return batch;
      },
    };
  },
};
