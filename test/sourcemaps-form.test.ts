import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { BUNDLE_URL, minify, runUntilThrow, SHOP_SOURCES } from '../src/issues/sourcemaps/testing.ts';
import { rows, startGateway } from './support/gateway.ts';
import { exportWith, recordSpans } from './support/otel.ts';

// What a Sentry user does: upload the map of a minified bundle with `curl -F` to a release named
// `name@version`, and expect errors of that service and version to show the original frames.

const ADMIN = 'admin-secret-token';
let gateway: Gateway;
beforeAll(async () => {
  gateway = await startGateway({ auth: { adminTokens: [ADMIN] } });
});
afterAll(() => gateway?.shutdown());

/** Records a span with the exception `error` for the service and exports it with the official OTel exporter. */
async function sendException(service: string, version: string, error: Error): Promise<void> {
  const spans = recordSpans({ 'service.name': service, 'service.version': version, 'telemetry.sdk.language': 'webjs' }, (tracer) => {
    const span = tracer.startSpan('click checkout');
    span.recordException(error);
    span.end();
  });
  expect((await exportWith(new OTLPTraceExporter({ url: `${gateway.url}/v1/traces` }), spans)).code).toBe(0);
}

describe('a source map uploaded as form data to a name@version release', () => {
  it('symbolicates the errors of that service and version, and no other service\'s', async () => {
    const bundle = await minify(SHOP_SOURCES, 'src/checkout.ts');
    const form = new FormData();
    form.append('file', new Blob([bundle.map]), 'app.min.js.map');
    form.append('name', '~/static/js/app.min.js.map'); // Sentry's artifact name: the map of ~/static/js/app.min.js
    const upload = await fetch(`${gateway.url}/api/releases/${encodeURIComponent('shop@2.0.0')}/sourcemaps`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}` },
      body: form,
    });
    expect(upload.status).toBe(201);
    expect(await upload.json()).toMatchObject({ release: 'shop@2.0.0', fileUrl: '~/static/js/app.min.js' });

    const error = runUntilThrow(bundle, BUNDLE_URL, 'checkout', [{ sku: 'A-1', quantity: 2 }]);
    expect(error.stack).not.toContain('priceOf'); // minified names only
    await sendException('shop', '2.0.0', error);
    await sendException('admin-ui', '2.0.0', error); // same version, another service: not this release

    const stored = await rows<{ service: string; stack: string }>(gateway, 'SELECT ServiceName AS service, StackTrace AS stack FROM otelhouse_error_events ORDER BY service');
    expect(stored.map((r) => r.service)).toEqual(['admin-ui', 'shop']);
    const [other, shop] = stored;
    expect(shop.stack).toMatch(/at priceOf \(src\/cart\.ts:\d+:\d+\)/);
    expect(shop.stack).toMatch(/at placeOrder \(src\/checkout\.ts:\d+:\d+\)/);
    expect(other.stack).not.toContain('priceOf');
    expect(other.stack).toContain(BUNDLE_URL);
  });
});
