/**
 * The SDK's overhead on the app (issue 14, point 9), measured against the same app without it in
 * the same run:
 * - a page's main-thread task time (CDP `Performance.getMetrics` `TaskDuration`) over loading
 *   (with the SDK: its script and an inline `init`) and a fixed workload (rendering a list in
 *   steps, clicks, fetches, a log per step) at 4× CPU throttle, its longest task (`longtask`
 *   entries), and the SDK's longest script (Long Animation Frames' script attribution);
 * - one `log()` call, p50, in Chromium and in Node (timed over batches of 100 calls: browsers
 *   coarsen `performance.now()`);
 * - a page's JS heap with 2,048 records queued;
 * - a Node HTTP service's requests/s and CPU per request with the SDK logging every request.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, createServer, get, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appBundle } from '../../test/support/appBundle.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { freePort, NodeChild, repoRoot, runWorker } from '../lib/child.ts';
import { round } from '../lib/load.ts';

export interface OverheadResult {
  browser: {
    cpuThrottle: number;
    /** Main-thread task ms over the workload, the median of the runs of each variant. */
    taskMs: { withoutSdk: number; withSdk: number; runs: number };
    /** The median over the runs of (with the SDK / its round's run without it) − 1. */
    extraWithSdk: number;
    /** The same ratios' quartiles (p25, p75): how far the machine's noise moves one run. */
    extraWithSdkQuartiles: [number, number];
    /**
     * The noise floor: the same ratios for a second run without the SDK against the first (an A/A
     * comparison; its median and quartiles are what this machine makes of no difference at all).
     */
    noise: { median: number; quartiles: [number, number] };
    /**
     * Where the extra goes: the SDK's main-thread ms over a page that loads, starts it and waits as
     * long with no workload (the median of paired differences), and the rest of the extra per step
     * of the workload (a click, a log, a quarter of a fetch, and what delivery and the write-ahead
     * store do for them), in ms at the same throttle.
     */
    extraMs: { startUp: number; perStep: number };
    /** The same for plain OpenTelemetry JS for the web (fetch spans and log records, batched): the field's reference. */
    plainOtel: { taskMs: number; extra: number };
    /**
     * The same for a floor (`bench/lib/floorSdk.ts`): the least an SDK does for this workload while
     * writing each record ahead to IndexedDB before sending it (issue 13's rule), and the same with
     * records kept in memory only: what any SDK keeping that rule costs here, and the rule's part.
     */
    floor: { extra: number; withoutWriteAhead: number };
    /**
     * Where the extra goes, by part of the SDK: the same paired extra for the core build
     * (`otelhouse/sdk/core`: no trace SDK, network spans or web vitals; the page's fetches make
     * breadcrumbs only), and for the full build with network spans off, and with web vitals off.
     * A part's cost is about the full build's extra less the extra without it.
     */
    byPart: { coreBuild: number; withoutNetworkSpans: number; withoutWebVitals: number };
    /**
     * The same paired extra on a returning visit (the page's third in the same browser profile,
     * each run paired with the page without the SDK visited the same way): what most page views of
     * an app are. The headline figures above are first visits, the SDK's worst case.
     */
    returningVisit: { extra: number; quartiles: [number, number] };
    loadedTaskMs: { withoutSdk: number; withSdk: number };
    workloadTaskMs: { withoutSdk: number; withSdk: number };
    longestTaskMs: { withoutSdk: number; withSdk: number };
    /** The longest script of the SDK (its file's, or the inline `init` call's) in any long animation frame, at 4× throttle. */
    longestSdkScriptMs: number;
    logP50Us: number;
    heapMiBWith2048Queued: number;
  };
  node: {
    logP50Us: number;
    logP99Us: number;
    /** A small HTTP service logging every request: bare, with the SDK, and with plain OpenTelemetry JS for reference. */
    http: {
      withoutSdk: HttpRun;
      withSdk: HttpRun;
      requestsPerSecondKept: number;
      cpuPerRequestRatio: number;
      plainOtel: HttpRun & { requestsPerSecondKept: number };
      /** The least logger keeping the SDK's write-ahead rule (`bench/lib/floorNode.ts`): what any SDK keeping it costs this service. */
      floor: HttpRun & { requestsPerSecondKept: number };
    };
  };
}
type HttpMode = 'bare' | 'sdk' | 'otel' | 'floor';
interface HttpRun {
  requestsPerSec: number;
  serverCpuUsPerRequest: number;
}

const FLAGS = ['--conditions=otelhouse-source'];
/** The workload's steps (see {@link workload}). */
const STEPS = 40;
const WORKER = join(repoRoot, 'bench/workers/sdk-http.ts');

/** Serves the page (`/plain`, `/sdk`), the SDK bundle, a small JSON API, and acknowledges `/v1/*` like a gateway. */
async function site(sdkScript: string, otelScript = '', coreScript = '', floorScript = ''): Promise<{ origin: string; close: () => Promise<void> }> {
  // With the SDK, the page starts it at once, as an app does: from an inline script after the SDK's (attributed to the SDK below).
  const init = (origin: string, options = 'instrument: {}') => `<script>otelhouse.init({ endpoint: ${JSON.stringify(origin)}, service: 'bench-web', token: 'pk_bench_0123456789abcdef', ${options} })</script>`;
  // `/plain`: no SDK; `/sdk`: otelhouse's (`/sdk-no-network`, `/sdk-no-vitals`: with a part off); `/core`: its core build;
  // `/otel`: plain OpenTelemetry JS for the web (`bench/lib/otelWeb.ts`), the field's reference; `/floor`, `/floor-memory`:
  // the floor (`bench/lib/floorSdk.ts`), writing ahead or not.
  const page = (path: string, origin: string) => {
    const script = path.startsWith('/sdk') ? 'sdk' : path.startsWith('/core') ? 'core' : path.startsWith('/otel') ? 'otel' : path.startsWith('/floor') ? 'floor' : undefined;
    const options = path.startsWith('/sdk-no-network') ? 'instrument: { network: false }' : path.startsWith('/sdk-no-vitals') ? 'instrument: { webVitals: false }' : path.startsWith('/floor-memory') ? 'writeAhead: false' : undefined;
    return `<!doctype html><title>shop</title>${script ? `<script src="/${script}.js"></script>${init(origin, options)}` : ''}<main></main>`;
  };
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/v1/')) {
      req.resume();
      return void req.on('end', () => res.writeHead(url.startsWith('/v1/config') ? 404 : 200, { 'content-type': 'application/json' }).end('{}'));
    }
    // Scripts cacheable as a CDN serves them (a returning visit takes them, and V8's code cache, from the HTTP cache).
    const script = { 'content-type': 'text/javascript', 'cache-control': 'public, max-age=3600' };
    if (url === '/sdk.js') return void res.writeHead(200, script).end(sdkScript);
    if (url === '/otel.js') return void res.writeHead(200, script).end(otelScript);
    if (url === '/core.js') return void res.writeHead(200, script).end(coreScript);
    if (url === '/floor.js') return void res.writeHead(200, script).end(floorScript);
    if (url.startsWith('/api/')) return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ items: Array.from({ length: 20 }, (_, i) => ({ id: i, name: `item ${i}` })) }));
    if (url.startsWith('/bare')) return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><script src="/sdk.js"></script><main></main>');
    res.writeHead(200, { 'content-type': 'text/html' }).end(page(url, `http://${req.headers.host}`));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(() => r())) };
}

/**
 * The app's work, the same with and without the SDK (whose `log` is then a no-op). Returns the
 * page's long tasks, and the longest SDK script of its long animation frames (the Long Animation
 * Frames API attributes each script of 5 ms or more to its source: the SDK's file, or the page's
 * inline script that starts it).
 */
async function workload(steps: number): Promise<{ longTasks: number[]; longestSdkScriptMs: number }> {
  const w = window as any;
  const log = w.otelhouse ? (m: string, a: object) => w.otelhouse.log('info', m, a) : () => {};
  const longTasks: number[] = [];
  new PerformanceObserver((list) => list.getEntries().forEach((e) => longTasks.push(e.duration))).observe({ type: 'longtask', buffered: true });
  let longestSdkScriptMs = 0;
  new PerformanceObserver((list) => {
    for (const frame of list.getEntries() as any[]) {
      for (const script of frame.scripts ?? []) {
        const url = String(script.sourceURL ?? '');
        if (url.endsWith('/sdk.js') || url === location.href) longestSdkScriptMs = Math.max(longestSdkScriptMs, script.duration);
      }
    }
  }).observe({ type: 'long-animation-frame', buffered: true });
  if (w.otelhouse) await w.otelhouse.flush(10_000).catch(() => {});
  const list = document.createElement('ul');
  document.querySelector('main')!.append(list);
  for (let step = 0; step < steps; step++) {
    for (let i = 0; i < 25; i++) {
      const li = document.createElement('li');
      li.className = 'item';
      li.textContent = `item ${step * 25 + i}`;
      list.append(li);
    }
    void list.offsetHeight;
    const button = document.createElement('button');
    button.className = 'add-to-cart';
    button.textContent = `add ${step}`;
    list.append(button);
    button.click();
    log('rendered', { step, items: (step + 1) * 25 });
    if (step % 4 === 0) await (await fetch(`/api/items?page=${step / 4}`)).json();
    await new Promise((r) => setTimeout(r, 20));
  }
  // The SDK's batch leaves a second after the last record (its record written ahead 0.8 s after it is made).
  await new Promise((r) => setTimeout(r, 2500));
  return { longTasks, longestSdkScriptMs };
}

async function browserOverhead(runs: number): Promise<OverheadResult['browser']> {
  const sdkScript = (await appBundle('otelhouse/sdk', { format: 'iife' })).text;
  const otelScript = (await appBundle('./bench/lib/otelWeb.ts', { format: 'iife' })).text;
  const coreScript = (await appBundle('otelhouse/sdk/core', { format: 'iife' })).text;
  const floorScript = (await appBundle('./bench/lib/floorSdk.ts', { format: 'iife' })).text;
  const s = await site(sdkScript, otelScript, coreScript, floorScript);
  const browser = await launchChromium();
  const throttle = 4;
  try {
    type Variant = 'plain' | 'sdk' | 'otel' | 'core' | 'sdk-no-network' | 'sdk-no-vitals' | 'floor' | 'floor-memory';
    /**
     * One measured visit in a browser profile of its own (a first visit), or, `returning`, after
     * two earlier visits of the same page in the same profile (each left once its records were
     * delivered): the scripts come from the HTTP cache with V8's code cache (made on a script's
     * second load), and the SDK finds its database, installation and kept config, and adopts the
     * earlier pages' partitions.
     */
    const run = async (variant: Variant, steps = STEPS, returning = false) => {
      const context = await browser.newContext();
      for (let visit = 0; returning && visit < 2; visit++) {
        const earlier = await context.newPage();
        await earlier.goto(`${s.origin}/${variant}`);
        await earlier.evaluate(() => (window as any).otelhouse?.flush(10_000));
        await earlier.close();
      }
      const page = await context.newPage();
      const cdp = await context.newCDPSession(page);
      await cdp.send('Performance.enable');
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
      await page.goto(`${s.origin}/${variant}`);
      const taskDuration = async () => ((await cdp.send('Performance.getMetrics')).metrics.find((m) => m.name === 'TaskDuration')?.value ?? NaN) * 1000;
      const loadedMs = await taskDuration();
      const { longTasks, longestSdkScriptMs } = await page.evaluate(workload, steps);
      const taskMs = await taskDuration();
      if (variant.startsWith('floor')) {
        // The floor must have done its work (every record written ahead, when it writes ahead, and acknowledged), or it measures less than it stands for.
        const { made, written, acknowledged } = await page.evaluate(() => (window as any).otelhouse.stats() as { made: number; written: number; acknowledged: number });
        if (made < steps + steps / 4 || acknowledged !== made || written !== (variant === 'floor' ? made : 0)) throw new Error(`the floor (${variant}) made ${made} records, wrote ${written} ahead and had ${acknowledged} acknowledged`);
      }
      await context.close();
      return { taskMs, loadedMs, longestMs: Math.max(0, ...longTasks), longestSdkScriptMs };
    };
    type Run = { taskMs: number; loadedMs: number; longestMs: number; longestSdkScriptMs: number };
    const without: Run[] = [];
    const withSdk: Run[] = [];
    const withOtel: Run[] = [];
    const idle: Array<[Run, Run]> = [];
    const again: Run[] = [];
    const parts = { coreBuild: [] as Run[], withoutNetworkSpans: [] as Run[], withoutWebVitals: [] as Run[] };
    const returning = { plain: [] as Run[], sdk: [] as Run[] };
    const floor = { writeAhead: [] as Run[], memory: [] as Run[] };
    await run('plain'); // warm up the browser's caches
    for (let i = 0; i < runs; i++) {
      // A round's runs, each storing its result at the round's index of its list.
      const round: Array<() => Promise<unknown>> = [
        async () => (without[i] = await run('plain')),
        async () => (withSdk[i] = await run('sdk')),
        async () => (withOtel[i] = await run('otel')),
        async () => (again[i] = await run('plain')),
        async () => (idle[i] = [await run('plain', 0), await run('sdk', 0)]),
        async () => (parts.coreBuild[i] = await run('core')),
        async () => (parts.withoutNetworkSpans[i] = await run('sdk-no-network')),
        async () => (parts.withoutWebVitals[i] = await run('sdk-no-vitals')),
        async () => (floor.writeAhead[i] = await run('floor')),
        async () => (floor.memory[i] = await run('floor-memory')),
        async () => (returning.plain[i] = await run('plain', STEPS, true)),
        async () => (returning.sdk[i] = await run('sdk', STEPS, true)),
      ];
      // Each round starts further along the list: where a run falls in its round (the browser's state drifts over one) is no variant's bias.
      for (let k = 0; k < round.length; k++) await round[(i * 5 + k) % round.length]!();
    }
    const quantile = (xs: number[], q: number) => xs.slice().sort((a, b) => a - b)[Math.floor((xs.length - 1) * q + 0.5)]!;
    const median = (xs: number[]) => quantile(xs, 0.5);
    const taskWithout = median(without.map((r) => r.taskMs));
    const taskWith = median(withSdk.map((r) => r.taskMs));
    // The machine's noise moves whole runs: each run is compared with its round's run without the SDK.
    const extraOver = (rs: Run[], base: Run[] = without) => rs.map((r, i) => r.taskMs / base[i]!.taskMs - 1);
    const spread = (xs: number[]): [number, number] => [round(quantile(xs, 0.25), 4), round(quantile(xs, 0.75), 4)];
    const extras = extraOver(withSdk);
    const aa = extraOver(again);
    const returningExtras = extraOver(returning.sdk, returning.plain);
    const pairedExtra = (rs: Run[]) => round(median(extraOver(rs)), 4);
    const startUpMs = median(idle.map(([plain, sdk]) => sdk.taskMs - plain.taskMs));
    const extraMs = median(withSdk.map((r, i) => r.taskMs - without[i]!.taskMs));

    // log() latency, in a page of its own with no DevTools session attached (unthrottled; the endpoint does not answer).
    const timed = await browser.newContext();
    const timedPage = await timed.newPage();
    await timedPage.goto(`${s.origin}/bare`);
    await timedPage.evaluate((endpoint) => (window as any).otelhouse.init({ endpoint, service: 'bench-web', token: 'pk_bench_0123456789abcdef', batchDelayMs: 3_600_000 }), `http://127.0.0.1:${await freePort()}`);
    const logP50Us = await timedPage.evaluate(async () => {
      const o = (window as any).otelhouse;
      const samples: number[] = [];
      for (let s = 0; s < 40; s++) {
        const t0 = performance.now();
        for (let i = 0; i < 100; i++) o.log('info', `order A-${s * 100 + i} placed`, { 'order.id': `A-${s * 100 + i}`, 'cart.items': i % 7 });
        samples.push(((performance.now() - t0) * 1000) / 100);
        await new Promise((r) => setTimeout(r, 10));
      }
      return samples.sort((a, b) => a - b)[20]!;
    });
    await timed.close();

    // The heap with 2,048 records queued.
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await page.goto(`${s.origin}/bare`);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize / 2 ** 20;
    };
    await page.evaluate((endpoint) => (window as any).otelhouse.init({ endpoint, service: 'bench-web', token: 'pk_bench_0123456789abcdef', batchDelayMs: 3_600_000 }), `http://127.0.0.1:${await freePort()}`);
    const before = await heap();
    await page.evaluate(async () => {
      const o = (window as any).otelhouse;
      // Up to 2,048 queued (the page's first web vitals among them), then written ahead.
      for (let i = o.health().queuedRecords; i < 2048; i++) {
        o.log('info', `order A-${i} placed`, { 'order.id': `A-${i}`, 'cart.items': i % 7 });
        if (i % 100 === 99) await new Promise((r) => setTimeout(r, 10));
      }
      for (let i = 0; i < 200 && o.health().unsavedRecords > 0; i++) await new Promise((r) => setTimeout(r, 25));
    });
    const queued = await page.evaluate(() => (window as any).otelhouse.health().queuedRecords as number);
    const after = await heap();
    if (queued !== 2048) throw new Error(`expected 2,048 records queued, found ${queued}`);
    await context.close();
    return {
      cpuThrottle: throttle,
      taskMs: { withoutSdk: round(taskWithout, 1), withSdk: round(taskWith, 1), runs },
      extraWithSdk: round(median(extras), 4),
      extraWithSdkQuartiles: spread(extras),
      noise: { median: round(median(aa), 4), quartiles: spread(aa) },
      extraMs: { startUp: round(startUpMs, 1), perStep: round((extraMs - startUpMs) / STEPS, 2) },
      plainOtel: { taskMs: round(median(withOtel.map((r) => r.taskMs)), 1), extra: pairedExtra(withOtel) },
      floor: { extra: pairedExtra(floor.writeAhead), withoutWriteAhead: pairedExtra(floor.memory) },
      returningVisit: { extra: round(median(returningExtras), 4), quartiles: spread(returningExtras) },
      byPart: { coreBuild: pairedExtra(parts.coreBuild), withoutNetworkSpans: pairedExtra(parts.withoutNetworkSpans), withoutWebVitals: pairedExtra(parts.withoutWebVitals) },
      // Where it goes: loading the page (and, with the SDK, its script and init), then the workload.
      loadedTaskMs: { withoutSdk: round(median(without.map((r) => r.loadedMs)), 1), withSdk: round(median(withSdk.map((r) => r.loadedMs)), 1) },
      workloadTaskMs: { withoutSdk: round(median(without.map((r) => r.taskMs - r.loadedMs)), 1), withSdk: round(median(withSdk.map((r) => r.taskMs - r.loadedMs)), 1) },
      longestTaskMs: { withoutSdk: round(Math.max(...without.map((r) => r.longestMs)), 1), withSdk: round(Math.max(...withSdk.map((r) => r.longestMs)), 1) },
      longestSdkScriptMs: round(Math.max(...withSdk.map((r) => r.longestSdkScriptMs)), 1),
      logP50Us: round(logP50Us, 2),
      heapMiBWith2048Queued: round(after - before, 2),
    };
  } finally {
    await browser.close();
    await s.close();
  }
}

/** 16 keep-alive clients on `url` for `ms`: requests answered. */
async function load(url: string, ms: number): Promise<number> {
  const agent = new Agent({ keepAlive: true, maxSockets: 16 });
  let done = 0;
  const until = Date.now() + ms;
  const one = () => new Promise<void>((resolve, reject) => get(`${url}/api/orders/A-${done}`, { agent }, (res) => res.resume().on('end', () => resolve())).on('error', reject));
  await Promise.all(Array.from({ length: 16 }, async () => {
    while (Date.now() < until) {
      await one();
      done++;
    }
  }));
  agent.destroy();
  return done;
}

async function httpRun(mode: HttpMode, endpoint: string, dir: string): Promise<HttpRun> {
  const port = await freePort();
  const child = new NodeChild(WORKER, [mode, String(port), endpoint, dir], {}, FLAGS);
  try {
    const url = `http://127.0.0.1:${port}`;
    await child.waitHealthy(`${url}/health`);
    await load(url, 1000);
    const cpu0 = child.cpu().total;
    const t0 = performance.now();
    const n = await load(url, 4000);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = child.cpu().total - cpu0;
    return { requestsPerSec: Math.round(n / seconds), serverCpuUsPerRequest: round((cpu * 1e6) / n, 2) };
  } finally {
    await child.stop(10_000);
  }
}

/** `rounds`: of the page's runs (each variant once per round); more rounds narrow the medians on a noisy machine. */
export async function runOverheadPhase(rounds = 9): Promise<OverheadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-bench-overhead-'));
  const ack = await site('');
  try {
    const latency = await runWorker<{ p50Us: number; p99Us: number }>(WORKER, ['latency', '0', ack.origin, join(dir, 'latency')], FLAGS);
    // In turn, three times each: the machine's noise falls on all.
    const runs: Array<[HttpMode, HttpRun]> = [];
    for (let i = 0; i < 3; i++) for (const mode of ['bare', 'sdk', 'otel', 'floor'] as const) runs.push([mode, await httpRun(mode, ack.origin, join(dir, `http-${runs.length}`))]);
    const mean = (mode: HttpMode): HttpRun => {
      const rs = runs.filter(([m]) => m === mode).map(([, r]) => r);
      return { requestsPerSec: Math.round(rs.reduce((a, r) => a + r.requestsPerSec, 0) / rs.length), serverCpuUsPerRequest: round(rs.reduce((a, r) => a + r.serverCpuUsPerRequest, 0) / rs.length, 2) };
    };
    const without = mean('bare');
    const withSdk = mean('sdk');
    const withOtel = mean('otel');
    const withFloor = mean('floor');
    return {
      browser: await browserOverhead(rounds),
      node: {
        logP50Us: latency.p50Us,
        logP99Us: latency.p99Us,
        http: {
          withoutSdk: without,
          withSdk,
          requestsPerSecondKept: round(withSdk.requestsPerSec / without.requestsPerSec, 3),
          cpuPerRequestRatio: round(withSdk.serverCpuUsPerRequest / without.serverCpuUsPerRequest, 3),
          plainOtel: { ...withOtel, requestsPerSecondKept: round(withOtel.requestsPerSec / without.requestsPerSec, 3) },
          floor: { ...withFloor, requestsPerSecondKept: round(withFloor.requestsPerSec / without.requestsPerSec, 3) },
        },
      },
    };
  } finally {
    await ack.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
