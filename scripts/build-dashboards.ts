/** Writes the dashboards built from code (`src/query/metrics/dashboard.ts`) into `dashboards/grafana/dashboards/`. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceMetricsDashboard } from '../src/query/metrics/dashboard.ts';

export const SERVICE_METRICS_FILE = join(import.meta.dirname, '..', 'dashboards', 'grafana', 'dashboards', 'otelhouse-service-metrics.json');

/** The file's text: the dashboard as JSON, two-space indented, with a final newline. */
export const serviceMetricsText = (): string => `${JSON.stringify(serviceMetricsDashboard(), null, 2)}\n`;

if (import.meta.url === `file://${process.argv[1]}`) {
  writeFileSync(SERVICE_METRICS_FILE, serviceMetricsText());
  process.stderr.write(`wrote ${SERVICE_METRICS_FILE}\n`);
}
