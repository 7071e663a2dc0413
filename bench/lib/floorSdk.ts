/**
 * A floor for the browser overhead bench (issue 14, point 9): the least a client SDK does for the
 * bench's workload while keeping issue 13's write-ahead rule — each record made as OTLP/JSON text,
 * written to IndexedDB (one transaction per commit, 0.8 s after the first unsaved record) before it
 * is sent, sent in a batch per signal a second after the first record, deleted once acknowledged;
 * each click a breadcrumb (a selector); each fetch a CLIENT span with `traceparent`. Nothing else:
 * no sessions, config, errors, vitals, redaction, sampling, unload path or recovery after a crash.
 * `init({ writeAhead: false })` keeps records in memory only, for the cost of the write-ahead rule
 * itself. Bundled as an app would (`appBundle`, iife), with the SDK's `init`/`log`/`flush`, so the
 * same page and workload run on it. A measuring stick, not an SDK.
 */

import { attributesJson, exportJson, logRecordJson } from './floorOtlp.ts';

type Signal = 'logs' | 'traces';
interface Held {
  seq: number;
  signal: Signal;
  json: string;
}

const SEVERITY: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };
const PERSIST_MS = 800;
const SEND_MS = 1000;

let endpoint = '';
let writeAhead = true;
let db: Promise<IDBDatabase> | undefined;
let seq = 0;
let unsaved: Held[] = [];
const saved: Record<Signal, Held[]> = { logs: [], traces: [] };
const crumbs: Array<{ atMs: number; selector?: string; url?: string; status?: number }> = [];
/** Records made, written ahead, and acknowledged (the bench checks that the floor did its work). */
const counts = { made: 0, written: 0, acknowledged: 0 };
let persistTimer: ReturnType<typeof setTimeout> | undefined;
let sendTimer: ReturnType<typeof setTimeout> | undefined;
const originalFetch = globalThis.fetch;

function hex(bytes: number): string {
  let out = '';
  for (const b of crypto.getRandomValues(new Uint8Array(bytes))) out += b.toString(16).padStart(2, '0');
  return out;
}

function hold(signal: Signal, json: string): void {
  unsaved.push({ seq: ++seq, signal, json });
  counts.made++;
  persistTimer ??= setTimeout(() => void persist(), PERSIST_MS);
  sendTimer ??= setTimeout(() => void send(), SEND_MS);
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = tx.onabort = () => reject(tx.error);
  });
}

/** Commits in order: a send waits for a commit still under way, so no record written ahead misses its batch. */
let persisting = Promise.resolve();

function persist(): Promise<void> {
  clearTimeout(persistTimer);
  persistTimer = undefined;
  const put = unsaved;
  unsaved = [];
  persisting = persisting.then(() => commit(put));
  return persisting;
}

async function commit(put: Held[]): Promise<void> {
  if (writeAhead && put.length) {
    const tx = (await db!).transaction('records', 'readwrite');
    for (const r of put) tx.objectStore('records').put(r);
    await done(tx);
    counts.written += put.length;
  }
  for (const r of put) saved[r.signal].push(r);
}

async function send(): Promise<void> {
  clearTimeout(sendTimer);
  sendTimer = undefined;
  await persist();
  await Promise.all((['logs', 'traces'] as const).map(async (signal) => {
    const batch = saved[signal].splice(0);
    if (!batch.length) return;
    const body = exportJson(signal, 'bench-web', batch.map((r) => r.json));
    const res = await originalFetch(`${endpoint}/v1/${signal}`, { method: 'POST', body, headers: { 'content-type': 'text/plain' }, credentials: 'omit' });
    await res.arrayBuffer();
    if (res.ok) counts.acknowledged += batch.length;
    if (!writeAhead) return;
    const tx = (await db!).transaction('records', 'readwrite', { durability: 'relaxed' });
    // A signal's batch is every record of it written before the send: one range.
    tx.objectStore('records').delete(IDBKeyRange.bound([signal, batch[0]!.seq], [signal, batch[batch.length - 1]!.seq]));
    await done(tx);
  }));
}

export function init(options: { endpoint: string; writeAhead?: boolean }): void {
  endpoint = options.endpoint.replace(/\/+$/, '');
  writeAhead = options.writeAhead !== false;
  if (writeAhead) {
    db = new Promise((resolve, reject) => {
      const request = indexedDB.open('otelhouse-floor', 1);
      request.onupgradeneeded = () => request.result.createObjectStore('records', { keyPath: ['signal', 'seq'] });
      request.onsuccess = () => resolve(request.result);
      request.onerror = () => reject(request.error);
    });
  }
  document.addEventListener('click', (event) => {
    const t = event.target;
    if (!(t instanceof Element)) return;
    crumbs.push({ atMs: Date.now(), selector: t.classList.length ? `${t.localName}.${Array.from(t.classList).join('.')}` : t.localName });
    if (crumbs.length > 100) crumbs.shift();
  }, true);
  globalThis.fetch = function (input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const traceId = hex(16);
    const spanId = hex(8);
    const headers = new Headers(init?.headers);
    headers.set('traceparent', `00-${traceId}-${spanId}-01`);
    const startMs = Date.now();
    return originalFetch(input, { ...init, headers }).then((response) => {
      const attributes = attributesJson({ 'http.request.method': init?.method ?? 'GET', 'url.full': new URL(url, location.href).href, 'http.response.status_code': response.status });
      hold('traces', `{"traceId":"${traceId}","spanId":"${spanId}","name":"${init?.method ?? 'GET'}","kind":3,"startTimeUnixNano":"${startMs}000000","endTimeUnixNano":"${Date.now()}000000","attributes":${attributes},"status":{"code":0}}`);
      crumbs.push({ atMs: Date.now(), url, status: response.status });
      if (crumbs.length > 100) crumbs.shift();
      return response;
    });
  };
}

export function log(level: string, message: string, attributes?: Record<string, unknown>): void {
  hold('logs', logRecordJson(SEVERITY[level] ?? 9, level.toUpperCase(), message, attributes));
}

export function stats(): typeof counts {
  return { ...counts };
}

export async function flush(): Promise<void> {
  await send();
}
