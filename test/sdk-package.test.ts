import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '../src/gateway.ts';
import { appBundle, REPO_ROOT } from './support/appBundle.ts';
import { launchChromium, servePage } from './support/browser.ts';
import { rows, startGateway, tempDataDir } from './support/gateway.ts';

// The SDK as a user installs it (issue 13, point 1): `npm pack` (which builds dist/ at `prepare`),
// the tarball unpacked into an app's node_modules beside the OpenTelemetry packages it needs, then
// used from plain JavaScript (no tsx, no TypeScript sources), from an app's bundler, from a
// <script> tag and from TypeScript.

const run = promisify(execFile);
const repo = REPO_ROOT;
const INGEST_TOKEN = 'sdk-package-ingest-token';
let gateway: Gateway;
let work: { dir: string; remove: () => void };
let app: string;
const CLIENT_TOKEN = 'pk_sdk_package_0123456789';
let pages: Awaited<ReturnType<typeof servePage>>;
let pageOrigin: string;

beforeAll(async () => {
  work = tempDataDir('otelhouse-sdk-package-');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', work.dir], { cwd: repo, maxBuffer: 64 << 20 });
  const tarball = join(work.dir, (JSON.parse(stdout) as Array<{ filename: string }>)[0]!.filename);
  app = join(work.dir, 'app');
  const installed = join(app, 'node_modules/otelhouse');
  mkdirSync(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '--strip-components=1', '-C', installed]);
  // The package's dependencies, as npm would install them beside it.
  symlinkSync(join(repo, 'node_modules/@opentelemetry'), join(app, 'node_modules/@opentelemetry'), 'dir');
  symlinkSync(join(repo, 'node_modules/web-vitals'), join(app, 'node_modules/web-vitals'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  pages = await servePage('<!doctype html><title>app</title><script src="/otelhouse.min.js"></script>');
  pageOrigin = pages.origin;
  gateway = await startGateway({ auth: { ingestTokens: [INGEST_TOKEN], clientTokens: [{ name: 'web', token: CLIENT_TOKEN, origins: [pageOrigin] }] } });
}, 120_000);
afterAll(async () => {
  await gateway?.shutdown();
  await pages?.close();
  work?.remove();
});

describe('the packed SDK', () => {
  it('runs in a plain JavaScript Node app: `node app.mjs` imports otelhouse/sdk/node and its logs and spans are stored', async () => {
    const testId = `package-${randomUUID()}`;
    writeFileSync(join(app, 'app.mjs'), `
      import { init, log, trace, shutdown, health } from 'otelhouse/sdk/node';
      await init({ endpoint: process.argv[2], token: process.argv[3], service: 'plain-js', dataDir: process.argv[4], batchDelayMs: 20 });
      trace(process.argv[5], () => log('info', process.argv[5], { i: 0 }));
      for (let i = 1; i < 20; i++) log('warn', process.argv[5], { i });
      console.log(JSON.stringify({ ok: await shutdown(20000), ...health() }));
    `);
    const dataDir = join(work.dir, 'sdk-data');
    const { stdout } = await run(process.execPath, ['app.mjs', gateway.url, INGEST_TOKEN, dataDir, testId], { cwd: app, env: { PATH: process.env.PATH } });
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, queuedRecords: 0 });
    const logs = await rows<{ i: string; sdk: string; traced: string }>(gateway, `SELECT LogAttributes['i'] AS i, ResourceAttributes['telemetry.sdk.language'] AS sdk,
      TraceId != '' AS traced FROM otel_logs WHERE Body = '${testId}' ORDER BY toUInt32(i)`);
    expect(logs.map((r) => Number(r.i))).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(logs[0]).toMatchObject({ sdk: 'nodejs', traced: 1 });
    expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE SpanName = '${testId}'`)).toEqual([{ SpanName: testId }]);
  });

  it.each([
    ['otelhouse/sdk', 'dist/sdk/browser.js', 38],
    ['otelhouse/sdk/core', 'dist/sdk/core.js', 20],
  ])('builds %s with an app\'s bundler from the package\'s JavaScript, within its budget', async (entry, file, budgetKiB) => {
    const result = await appBundle(entry, { resolveDir: app });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((path) => path.endsWith(`/node_modules/otelhouse/${file}`))).toHaveLength(1);
    expect(inputs.filter((path) => path.endsWith('.ts'))).toEqual([]);
    expect(result.gzipBytes).toBeLessThanOrEqual(budgetKiB * 1024);
  });

  it('has a script-tag build: a page with only <script src=otelhouse.min.js> sends its logs through the global otelhouse', async () => {
    const script = readFileSync(join(app, 'node_modules/otelhouse/dist/sdk/otelhouse.min.js'), 'utf8');
    expect(gzipSync(script, { level: 9 }).length).toBeLessThanOrEqual(38 * 1024);
    // The same with client-side redaction: at most 11 KiB more.
    const redacting = readFileSync(join(app, 'node_modules/otelhouse/dist/sdk/otelhouse-redacting.min.js'));
    expect(gzipSync(redacting, { level: 9 }).length).toBeLessThanOrEqual(49 * 1024);
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.route(`${pageOrigin}/otelhouse.min.js`, (route) => route.fulfill({ contentType: 'text/javascript', body: script }));
      await page.goto(pageOrigin);
      const testId = `script-tag-${randomUUID()}`;
      const flushed = await page.evaluate(async ({ endpoint, token, testId }) => {
        const sdk = (window as any).otelhouse;
        await sdk.init({ endpoint, token, service: 'script-tag', batchDelayMs: 20 });
        for (let i = 0; i < 5; i++) sdk.log('info', testId, { i });
        sdk.trace(testId, () => undefined);
        return sdk.flush(10_000);
      }, { endpoint: gateway.url, token: CLIENT_TOKEN, testId });
      expect(flushed).toBe(true);
      const logs = await rows<{ i: string }>(gateway, `SELECT LogAttributes['i'] AS i FROM otel_logs WHERE Body = '${testId}' ORDER BY toUInt32(i)`);
      expect(logs.map((r) => Number(r.i))).toEqual([0, 1, 2, 3, 4]);
      expect(await rows(gateway, `SELECT SpanName FROM otel_traces WHERE SpanName = '${testId}'`)).toEqual([{ SpanName: testId }]);
    } finally {
      await browser.close();
    }
  });

  it('declares its API to TypeScript apps: a right call compiles, a wrong one does not', async () => {
    writeFileSync(join(app, 'check.ts'), `
      import { init as initNode, log, trace, type Level } from 'otelhouse/sdk/node';
      import { init as initBrowser, health } from 'otelhouse/sdk';
      import * as core from 'otelhouse/sdk/core';
      const level: Level = 'warn';
      await initNode({ endpoint: 'http://gateway:4318', service: 'api', dataDir: '/tmp/x' });
      await initBrowser({ endpoint: 'http://gateway:4318', token: 'pk_0123456789abcdef', service: 'web' });
      log(level, 'message', { user: 'u1', count: 3 });
      const n: number = trace('work', () => 42);
      const queued: number = health().queuedRecords;
      core.log('info', 'core');
      // @ts-expect-error: not a level
      log('loud', 'message');
      // @ts-expect-error: service is required
      await initNode({ endpoint: 'http://gateway:4318' });
      // @ts-expect-error: health() is not a string
      const wrong: string = health();
      export { n, queued, wrong };
    `);
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', lib: ['ES2022', 'DOM'], strict: true, noEmit: true, types: ['node'], typeRoots: [join(repo, 'node_modules/@types')] },
      files: ['check.ts'],
    }));
    const tsc = join(repo, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', app]).then(() => ({ code: 0, out: '' }), (err: { code: number; stdout: string }) => ({ code: err.code, out: err.stdout }));
    expect(result).toEqual({ code: 0, out: '' });
  });
});
