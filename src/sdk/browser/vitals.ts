import { onCLS, onFCP, onINP, onLCP, onTTFB, type Metric } from 'web-vitals';

import type { Client } from '../core/client.ts';

/**
 * Core Web Vitals (issue 14, point 8) with Google's `web-vitals` library: LCP, INP, CLS, FCP and
 * TTFB, each a `browser.web_vital` event with the semantic conventions' attributes
 * (`browser.web_vital.name`, `.value`, `.delta`, `.id`, `.rating`) and the navigation type.
 * `web-vitals` reports a metric's final value when the page is hidden or goes away, before the
 * SDK's own unload sends what is queued (its listeners are registered first, here).
 */
export function webVitals(client: () => Client | undefined): () => void {
  // Reported before the client exists (FCP, TTFB come early): kept until it does.
  const early: Metric[] = [];
  const record = (metric: Metric) =>
    client()!.event('browser.web_vital', {
      'browser.web_vital.name': metric.name.toLowerCase(),
      'browser.web_vital.value': metric.value,
      'browser.web_vital.delta': metric.delta,
      'browser.web_vital.id': metric.id,
      'browser.web_vital.rating': metric.rating,
      'browser.web_vital.navigation_type': metric.navigationType,
    });
  const report = (metric: Metric) => (client() ? record(metric) : early.push(metric));
  for (const on of [onLCP, onINP, onCLS, onFCP, onTTFB]) on(report);
  return () => early.splice(0).forEach(record);
}
