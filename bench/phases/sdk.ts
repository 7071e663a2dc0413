/**
 * The client SDK's cost (issue 13, point 12): in Node, CPU per record of `otelhouse/sdk/node`
 * (written ahead with fdatasync, gzip'ed, sent) set against plain OpenTelemetry JS sending the same
 * records (no write-ahead, no compression), both to one bare server that acknowledges everything,
 * measured in the same run; and the memory a full queue (the default 5 MiB) costs, in Node and in
 * a real Chromium page (CDP `Runtime.getHeapUsage` after a collection).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { appBundle } from '../../test/support/appBundle.ts';
import { launchChromium } from '../../test/support/browser.ts';
import { freePort, repoRoot, runWorker } from '../lib/child.ts';
import { round } from '../lib/load.ts';

interface NodeRun {
  ok: boolean;
  records: number;
  cpuUsPerRecord: number;
  wallMs: number;
  heapAfterInit: { heapMiB: number; rssMiB: number };
  heapAfterFlush: { heapMiB: number; rssMiB: number };
}
interface NodeMemory {
  records: number;
  queuedRecords: number;
  queuedMiB: number;
  heapEmpty: { heapMiB: number; rssMiB: number };
  heapFull: { heapMiB: number; rssMiB: number };
  heapPerQueuedMiB: number;
}
export interface SdkResult {
  records: number;
  node: { otelhouse: NodeRun; plainOtel: NodeRun; cpuOverPlainOtel: number; bytesSent: { otelhouse: number; plainOtel: number }; memory: NodeMemory };
  browser: { heapMiB: { beforeInit: number; afterInit: number; queueFull: number }; queuedRecords: number; queuedMiB: number; heapPerQueuedMiB: number; sdkHeapMiB: number } | { error: string };
}

const WORKER = join(repoRoot, 'bench/workers/sdk-node.ts');
const FLAGS = ['--expose-gc', '--conditions=otelhouse-source'];

/** Acknowledges every POST; counts the body bytes it received. */
async function bareServer(): Promise<{ url: string; bytes: () => number; reset: () => void; close: () => Promise<void> }> {
  let bytes = 0;
  const server: Server = createServer((req, res) => {
    req.on('data', (d: Buffer) => (bytes += d.length));
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bytes: () => bytes,
    reset: () => (bytes = 0),
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export async function runSdkPhase(records: number): Promise<SdkResult> {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-bench-sdk-'));
  const bare = await bareServer();
  try {
    const otelhouse = await runWorker<NodeRun>(WORKER, ['otelhouse', bare.url, join(dir, 'a'), String(records)], FLAGS);
    const otelhouseBytes = bare.bytes();
    bare.reset();
    const plainOtel = await runWorker<NodeRun>(WORKER, ['otel', bare.url, join(dir, 'b'), String(records)], FLAGS);
    const plainBytes = bare.bytes();
    const unreachable = `http://127.0.0.1:${await freePort()}`;
    const memory = await runWorker<NodeMemory>(WORKER, ['memory', unreachable, join(dir, 'c'), String(records)], FLAGS);
    const browser = await browserMemory(unreachable, records).catch((err: unknown) => ({ error: String(err) }));
    return {
      records,
      node: { otelhouse, plainOtel, cpuOverPlainOtel: round(otelhouse.cpuUsPerRecord / plainOtel.cpuUsPerRecord, 3), bytesSent: { otelhouse: otelhouseBytes, plainOtel: plainBytes }, memory },
      browser,
    };
  } finally {
    await bare.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A page's JS heap before and after `init`, and with `records` queued (the gateway unreachable) up to the queue's bound. */
async function browserMemory(endpoint: string, records: number): Promise<SdkResult['browser']> {
  // The same bundle and browser the SDK's tests use.
  const script = (await appBundle('otelhouse/sdk', { format: 'iife' })).text;
  const pages = createServer((req, res) => {
    if (req.url === '/sdk.js') return void res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>app</title><script src="/sdk.js"></script>');
  });
  await new Promise<void>((r) => pages.listen(0, '127.0.0.1', r));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${(pages.address() as AddressInfo).port}/`);
    const cdp = await page.context().newCDPSession(page);
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      return round((await cdp.send('Runtime.getHeapUsage')).usedSize / 2 ** 20, 2);
    };
    const beforeInit = await heap();
    await page.evaluate((endpoint) => (window as any).otelhouse.init({ endpoint, token: 'pk_bench_0123456789abcdef', service: 'bench-web', batchDelayMs: 50 }), endpoint);
    const afterInit = await heap();
    await page.evaluate(async (n) => {
      const sdk = (window as any).otelhouse;
      for (let i = 0; i < n; i++) {
        sdk.log('info', `order A-${100_000 + i} placed`, { 'order.id': `A-${100_000 + i}`, 'user.id': `u${i % 997}`, 'cart.items': i % 7, amount: (i % 1000) * 1.25, 'http.route': '/api/checkout' });
        if (i % 1000 === 999) await new Promise((r) => setTimeout(r, 1));
      }
      for (let i = 0; i < 200 && sdk.health().unsavedRecords > 0; i++) await new Promise((r) => setTimeout(r, 50));
    }, records);
    const queueFull = await heap();
    const h = await page.evaluate(() => (window as any).otelhouse.health());
    const queuedMiB = round(h.queuedBytes / 2 ** 20, 2);
    return { heapMiB: { beforeInit, afterInit, queueFull }, queuedRecords: h.queuedRecords, queuedMiB, heapPerQueuedMiB: round((queueFull - afterInit) / queuedMiB, 2), sdkHeapMiB: round(afterInit - beforeInit, 2) };
  } finally {
    await browser.close();
    await new Promise((r) => pages.close(r));
  }
}
