// Enum value names from opentelemetry/proto/{trace,logs,metrics}/v1/*.proto. OTLP/JSON says enums are
// integers, but the Collector also accepts these names, so senders exist that use them.

function names(prefix: string, values: readonly string[]): ReadonlyMap<string, number> {
  return new Map(values.map((name, n) => [`${prefix}${name}`, n]));
}

export const SPAN_KIND_NAMES = names('SPAN_KIND_', [
  'UNSPECIFIED',
  'INTERNAL',
  'SERVER',
  'CLIENT',
  'PRODUCER',
  'CONSUMER',
]);

export const STATUS_CODE_NAMES = names('STATUS_CODE_', ['UNSET', 'OK', 'ERROR']);

const SEVERITY_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'FATAL'];
export const SEVERITY_NUMBER_NAMES = names('SEVERITY_NUMBER_', [
  'UNSPECIFIED',
  ...SEVERITY_LEVELS.flatMap((level) => [level, `${level}2`, `${level}3`, `${level}4`]),
]);

export const AGGREGATION_TEMPORALITY_NAMES = names('AGGREGATION_TEMPORALITY_', ['UNSPECIFIED', 'DELTA', 'CUMULATIVE']);
