import type { Attributes } from '@opentelemetry/api';

import { Client, createClient, newBatchId, type InitOptions, type Level } from '../core/client.ts';
import { Delivery, type Transport } from '../core/delivery.ts';
import { RecordQueue } from '../core/queue.ts';
import { httpConfigFetch } from '../core/remoteConfig.ts';
import type { SessionShare, SharedSession } from '../core/session.ts';
import type { TracerFactory } from '../core/tracing.ts';
import { IdbStore, openDatabase, partitions, setMeta, startMeta } from './idbStore.ts';
import { instrument, type CallRecorder } from './instrument.ts';


/**
 * The browser and worker SDK (no `window`, `document` or `localStorage` needed): records written
 * ahead to IndexedDB, sent with the client token in the URL (`?token=`), gzip'ed where
 * `CompressionStream` exists. Every page keeps its own partition of the queue and holds a Web Lock
 * named after it while it lives (released while it sits in the back/forward cache); a page that
 * starts adopts the partitions whose lock is free — pages that crashed, were killed, closed or
 * frozen before delivering — and delivers them.
 */

let current: Client | undefined;
/**
 * Calls made after `init()` and before its client is ready (the page need not await `init`), run
 * in order once it is; at most {@link MAX_EARLY} (the oldest go first).
 */
let early: Array<(client: Client) => void> | undefined;
/** The first `init()` while it starts its client. */
let starting: Promise<Client> | undefined;
const MAX_EARLY = 1000;

/** The client `start` made last (for the module-level API). */
export function client(): Client {
  if (!current) throw new Error('otelhouse SDK: call init() first');
  return current;
}

/** Runs `call` on the client, or once it is ready when `init()` is still starting it. */
function onClient(call: (client: Client) => void): void {
  if (current || !early) return call(client());
  if (early.length >= MAX_EARLY) early.shift();
  early.push(call);
}

/** `call` on the client, once `init()` has made it. */
const ready = <T>(call: (client: Client) => Promise<T>): Promise<T> => (current || !starting ? call(client()) : starting.then(call));

/** The module-level API both builds export, on the client `start` made last. */
export const api = {
  log: (level: Level, message: string, attributes?: Parameters<Client['log']>[2]) => {
    const at = current ? undefined : Date.now();
    onClient((c) => c.log(level, message, attributes, at));
  },
  captureException: (error: unknown, options?: Parameters<Client['captureException']>[1]) => onClient((c) => c.captureException(error, options)),
  addBreadcrumb: (crumb: Parameters<Client['addBreadcrumb']>[0]) => onClient((c) => c.addBreadcrumb(crumb)),
  event: (name: string, attributes: Parameters<Client['event']>[1], level?: Level) => {
    const at = current ? undefined : Date.now();
    onClient((c) => c.event(name, attributes, level, at));
  },
  flush: (timeoutMs?: number) => ready((c) => c.flush(timeoutMs)),
  shutdown: (timeoutMs?: number) => ready((c) => c.shutdown(timeoutMs)),
  optOut: () => client().optOut(),
  optIn: () => client().optIn(),
  health: () => client().health(),
};

const LOCK_PREFIX = 'otelhouse-sdk-partition-';
/**
 * Records per request at most, in bytes: 4 KiB under the 60 KiB an unload may send (browsers take
 * 64 KiB of keepalive bodies in flight), so a batch in flight fits one keepalive request with its
 * resource and envelope, and is resent at unload under its id.
 */
const MAX_BATCH_BYTES = 56 * 1024;

/**
 * How soon a record is written to IndexedDB (an error at once): within the second the SDK
 * promises, and few enough transactions that a page logging steadily commits about once a second.
 * A page that is hidden or goes away sends (and commits) what it holds at once.
 */
const PERSIST_DELAY_MS = 800;
/**
 * Bodies at least this long are gzip'ed. Smaller ones go as they are: `CompressionStream` runs on
 * the page's main thread at a fixed cost per stream, and a plain `text/plain` body with no
 * `content-encoding` is a simple request that needs no CORS preflight to a gateway on another origin.
 */
const GZIP_FROM_BYTES = 16 * 1024;

/** Whether this realm's fetch, XHR, history and console are instrumented (once, whatever the number of `init` calls). */
let instrumented = false;
/** Web vitals reported before the client existed, recorded when it does. */
let drainVitals: (() => void) | undefined;

/** What the full build adds to the core: spans, web vitals, network spans. */
export interface FullBuild {
  tracing: TracerFactory;
  vitals: (client: () => Client | undefined) => () => void;
  network: (client: () => Client | undefined, options: InitOptions) => CallRecorder;
}

/** Starts the SDK in this page or worker; without `full` (the core build) spans are no-ops and there are no web vitals or network spans. */
export function start(options: InitOptions, full?: FullBuild): Promise<Client> {
  if (!current) early ??= [];
  const started = startClient(options, full);
  if (!current) {
    starting ??= started;
    // No client: calls made meanwhile are dropped, later ones throw as before `init()`.
    started.catch(() => (early = undefined)).finally(() => (starting = undefined));
  }
  return started;
}

async function startClient(options: InitOptions, full?: FullBuild): Promise<Client> {
  const tracing = full?.tracing;
  const first = !instrumented;
  if (!instrumented) {
    instrumented = true;
    // At once: the app's first requests, clicks and errors right after `init()` are seen.
    instrument(() => current, options, full?.network(() => current, options));
  }
  // The rest of start-up runs in tasks of its own (here, and once the database is open): none holds the page for long.
  await nextTask();
  // Web vitals are read from buffered performance entries, so a task later loses none. Before the
  // SDK's own unload listeners: their final values are reported first.
  if (full && first && options.instrument?.webVitals !== false && typeof document !== 'undefined') drainVitals = full.vitals(() => current);
  const db = await openDatabase();
  const partition = crypto.randomUUID();
  let release = await holdLock(LOCK_PREFIX + partition);
  const transport = browserTransport(options.endpoint, options.token);
  const meta = await startMeta(db);
  await nextTask();
  const client = await createClient(options, {
    store: new IdbStore(db, partition),
    transport,
    installationId: meta.installationId!,
    language: 'webjs',
    resource: browserResource(),
    optedOut: meta.optedOut === 'true',
    setOptedOut: (value) => setMeta(db, 'optedOut', value ? 'true' : undefined),
    maxBatchBytes: MAX_BATCH_BYTES,
    persistDelayMs: PERSIST_DELAY_MS,
    nextTask,
    sessionShare: localStorageShare(),
    sessionSampling: true,
    configFetch: httpConfigFetch(options.endpoint, options.token, 'query'),
    // The kept config, read with the rest at start (a client restores it once, as it starts).
    configKeeper: { load: async () => meta.config, save: (text) => setMeta(db, 'config', text) },
  }, tracing);
  await nextTask();
  current = client;
  early?.forEach((call) => call(client));
  early = undefined;
  drainVitals?.();
  adoptOrphans(db, partition, transport, client).catch((err: unknown) => console.warn('otelhouse SDK: delivering the records of a closed page failed', err));
  addEventListener('online', () => client.online());
  // Uncaught errors and unhandled rejections of the page or worker become exception records.
  addEventListener('error', (event) => client.captureException((event as ErrorEvent).error ?? (event as ErrorEvent).message));
  addEventListener('unhandledrejection', (event) => client.captureException((event as PromiseRejectionEvent).reason));
  // Pages (not workers): what is queued leaves when the page is hidden or goes away. No unload or
  // beforeunload listener, which would keep the page out of the back/forward cache.
  if (typeof document !== 'undefined') {
    addEventListener('pagehide', (event) => {
      client.unload();
      // Into the back/forward cache, frozen: the next page of the origin may deliver this one's records meanwhile.
      if (event.persisted) release();
    });
    addEventListener('pageshow', (event) => {
      if (!event.persisted) return;
      void holdLock(LOCK_PREFIX + partition).then(async (again) => {
        release = again;
        await client.restored();
      });
    });
    document.addEventListener('visibilitychange', () => {
      const shown = document.visibilityState === 'visible';
      if (!shown) client.unload();
      // No config polls while hidden; one at once when shown again.
      client.visible(shown);
    });
  }
  return client;
}

/** Resolves in a task of its own (the page's own tasks may run first). */
function nextTask(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Takes the Web Lock `name` until the returned function is called (resolves once it is held). */
function holdLock(name: string): Promise<() => void> {
  return new Promise((held) => {
    void navigator.locks.request(name, () => new Promise<void>((release) => held(release)));
  });
}

/**
 * Delivers the partitions of pages that are gone (their lock is free), each under its lock so two
 * pages never adopt the same one, then deletes them. Their records keep their batch ids: a batch
 * the dead page had sent is stored once.
 */
async function adoptOrphans(db: IDBDatabase, mine: string, transport: Transport, owner: Client): Promise<void> {
  for (const partition of await partitions(db)) {
    if (partition === mine) continue;
    await navigator.locks.request(LOCK_PREFIX + partition, { ifAvailable: true }, async (lock) => {
      if (!lock) return;
      const store = new IdbStore(db, partition);
      const queue = await RecordQueue.open(store, { maxBytes: Number.MAX_SAFE_INTEGER, maxAgeMs: 7 * 86_400_000, persistDelayMs: 0 });
      const delivery = new Delivery(queue, transport, () => owner.resource(), { maxBatchRecords: 512, maxBatchBytes: MAX_BATCH_BYTES, batchDelayMs: 0, minBackoffMs: 1000, maxBackoffMs: 300_000 }, newBatchId);
      while (!(await delivery.flush(60_000)));
      delivery.stop();
      await store.drop();
    });
  }
}

function browserTransport(endpoint: string, token: string | undefined): Transport {
  const base = endpoint.replace(/\/+$/, '');
  return async (signal, body, batchId, keepalive = false) => {
    const url = `${base}/v1/${signal}?batch=${batchId}${token ? `&token=${encodeURIComponent(token)}` : ''}`;
    try {
      // An unload send must leave at once and needs no preflight: plain text, not compressed.
      const gzip = !keepalive && body.length >= GZIP_FROM_BYTES && typeof CompressionStream === 'function';
      const payload = gzip ? await new Response(new Blob([body]).stream().pipeThrough(new CompressionStream('gzip'))).arrayBuffer() : body;
      const res = await fetch(url, {
        method: 'POST',
        body: payload,
        headers: gzip ? { 'content-type': 'application/json', 'content-encoding': 'gzip' } : { 'content-type': 'text/plain' },
        credentials: 'omit',
        keepalive,
      });
      await res.arrayBuffer();
      const retryAfter = Number(res.headers.get('retry-after'));
      return { status: res.status, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined };
    } catch {
      return { status: 0 };
    }
  };
}

/** The session shared by the origin's pages, in localStorage (workers have none: theirs is their own). */
function localStorageShare(): SessionShare | undefined {
  if (typeof localStorage === 'undefined') return undefined;
  const key = 'otelhouse-sdk-session';
  return {
    read: () => {
      try {
        const text = localStorage.getItem(key);
        return text ? (JSON.parse(text) as SharedSession) : undefined;
      } catch {
        return undefined;
      }
    },
    write: (session) => {
      try {
        localStorage.setItem(key, JSON.stringify(session));
      } catch {
        // full or refused: the session stays this page's
      }
    },
  };
}

/** What the page can say of itself cheaply, without parsing the user agent string. */
function browserResource(): Attributes {
  const nav = navigator as Navigator & { userAgentData?: { platform?: string; mobile?: boolean; brands?: Array<{ brand: string; version: string }> } };
  const data = nav.userAgentData;
  return {
    ...(data?.platform ? { 'os.name': data.platform, 'browser.platform': data.platform } : {}),
    ...(data?.mobile !== undefined ? { 'browser.mobile': data.mobile } : {}),
    ...(data?.brands ? { 'browser.brands': data.brands.map((b) => `${b.brand} ${b.version}`).join(', ') } : {}),
    'browser.language': nav.language,
    'user_agent.original': nav.userAgent,
  };
}
