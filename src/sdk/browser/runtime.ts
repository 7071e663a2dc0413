import type { Attributes } from '@opentelemetry/api';

import { Client, createClient, newBatchId, type InitOptions, type Level } from '../core/client.ts';
import { Delivery, type Transport } from '../core/delivery.ts';
import { RecordQueue } from '../core/queue.ts';
import { httpConfigFetch } from '../core/remoteConfig.ts';
import type { SessionShare, SharedSession } from '../core/session.ts';
import type { TracerFactory } from '../core/tracing.ts';
import { getMeta, IdbStore, metaValue, openDatabase, partitions, setMeta } from './idbStore.ts';
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

/** The client `start` made last (for the module-level API). */
export function client(): Client {
  if (!current) throw new Error('otelhouse SDK: call init() first');
  return current;
}

/** The module-level API both builds export, on the client `start` made last. */
export const api = {
  log: (level: Level, message: string, attributes?: Parameters<Client['log']>[2]) => client().log(level, message, attributes),
  captureException: (error: unknown, options?: Parameters<Client['captureException']>[1]) => client().captureException(error, options),
  addBreadcrumb: (crumb: Parameters<Client['addBreadcrumb']>[0]) => client().addBreadcrumb(crumb),
  event: (name: string, attributes: Parameters<Client['event']>[1], level?: Level) => client().event(name, attributes, level),
  flush: (timeoutMs?: number) => client().flush(timeoutMs),
  shutdown: (timeoutMs?: number) => client().shutdown(timeoutMs),
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
export async function start(options: InitOptions, full?: FullBuild): Promise<Client> {
  const tracing = full?.tracing;
  if (!instrumented) {
    instrumented = true;
    // Before the SDK's own unload listeners: web vitals' final values are reported first.
    if (full && options.instrument?.webVitals !== false && typeof document !== 'undefined') drainVitals = full.vitals(() => current);
    instrument(() => current, options, full?.network(() => current, options));
  }
  const db = await openDatabase();
  const partition = crypto.randomUUID();
  let release = await holdLock(LOCK_PREFIX + partition);
  const transport = browserTransport(options.endpoint, options.token);
  const client = await createClient(options, {
    store: new IdbStore(db, partition),
    transport,
    installationId: await metaValue(db, 'installationId', () => crypto.randomUUID()),
    language: 'webjs',
    resource: browserResource(),
    optedOut: (await getMeta(db, 'optedOut')) === 'true',
    setOptedOut: (value) => setMeta(db, 'optedOut', value ? 'true' : undefined),
    maxBatchBytes: MAX_BATCH_BYTES,
    sessionShare: localStorageShare(),
    sessionSampling: true,
    configFetch: httpConfigFetch(options.endpoint, options.token, 'query'),
    configKeeper: { load: () => getMeta(db, 'config'), save: (text) => setMeta(db, 'config', text) },
  }, tracing);
  current = client;
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
      const gzip = !keepalive && typeof CompressionStream === 'function';
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
