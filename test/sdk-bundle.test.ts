import type { Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { appBundle as bundle } from './support/appBundle.ts';

// The browser SDK's weight (issue 13, point 2), measured as the anchors were: esbuild, minified,
// ES2020, gzip -9. For scale: Sentry browser 31.1 KiB, Grafana Faro 41.1, plain OTel traces + logs 26.1.

const KiB = 1024;

/** Bytes each package contributes to the output. */
function bytesByPackage(metafile: Metafile): Map<string, number> {
  const out = new Map<string, number>();
  for (const output of Object.values(metafile.outputs)) {
    for (const [path, { bytesInOutput }] of Object.entries(output.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)?.[1] ?? 'otelhouse';
      out.set(pkg, (out.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return out;
}

describe('the browser SDK bundle', () => {
  it.each([
    ['otelhouse/sdk', 'full (logs, errors, breadcrumbs, spans, network spans, web vitals, delivery, persistence, config)', 38 * KiB],
    ['otelhouse/sdk/core', 'core (logs, errors, breadcrumbs, delivery, persistence, config)', 20 * KiB],
  ])('%s, the %s build, stays within its gzip budget', async (entry, _what, budget) => {
    const { gzipBytes } = await bundle(entry);
    expect(gzipBytes).toBeLessThanOrEqual(budget);
  });

  it('adds client-side redaction (opt-in, the gateway\'s engine, with its ~30 provider key formats) for at most 13 KiB, without a hash library (the HMAC secret stays on the gateway)', async () => {
    const full = await bundle('otelhouse/sdk');
    const { gzipBytes, metafile } = await bundle(['otelhouse/sdk', 'otelhouse/sdk/redaction']);
    expect(gzipBytes - full.gzipBytes).toBeLessThanOrEqual(13 * KiB);
    const packages = bytesByPackage(metafile);
    expect(packages.has('@noble/hashes')).toBe(false);
    // The engine is in: tens of KB of it, minified.
    expect(packages.get('otelhouse')! - bytesByPackage(full.metafile).get('otelhouse')!).toBeGreaterThan(20_000);
  });

  it('leaves web vitals and network spans out of the core build', async () => {
    const core = bytesByPackage((await bundle('otelhouse/sdk/core')).metafile);
    expect(core.has('web-vitals')).toBe(false);
    expect(bytesByPackage((await bundle('otelhouse/sdk')).metafile).get('web-vitals')).toBeGreaterThan(0);
    const inputs = Object.keys((await bundle('otelhouse/sdk/core')).metafile.inputs);
    expect(inputs.some((p) => p.endsWith('browser/network.ts'))).toBe(false);
    expect(inputs.some((p) => p.endsWith('browser/instrument.ts'))).toBe(true);
  });

  it('leaves the trace SDK out of the core build', async () => {
    const packages = bytesByPackage((await bundle('otelhouse/sdk/core')).metafile);
    expect(packages.has('@opentelemetry/sdk-trace-base')).toBe(false);
    expect(packages.has('@opentelemetry/sdk-trace')).toBe(false);
    expect(bytesByPackage((await bundle('otelhouse/sdk')).metafile).get('@opentelemetry/sdk-trace')).toBeGreaterThan(0);
  });

  it('carries no user-agent parser and next to nothing of the semantic conventions package', async () => {
    for (const entry of ['otelhouse/sdk', 'otelhouse/sdk/core']) {
      const packages = bytesByPackage((await bundle(entry)).metafile);
      expect([...packages.keys()].filter((p) => /ua-parser|bowser|platform|detect-browser/.test(p))).toEqual([]);
      // OTel's own packages import its root; what is left after tree-shaking must stay a few constants.
      expect(packages.get('@opentelemetry/semantic-conventions') ?? 0).toBeLessThan(1024);
    }
  });
});
