import { randomUUID } from 'node:crypto';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { homedir, hostname, type as osType } from 'node:os';
import { join } from 'node:path';
import { constants, gzip } from 'node:zlib';
import { promisify } from 'node:util';

import { context } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';

import { Client, createClient, type ConsentRequest, type InitOptions, type Level } from '../core/client.ts';
import type { Transport } from '../core/delivery.ts';
import { otelTracing } from '../core/tracing.ts';
import { httpConfigFetch, type ConfigKeeper } from '../core/remoteConfig.ts';
import { redaction } from '../redaction/index.ts';
import { FileStore } from './fileStore.ts';

const gzipAsync = promisify(gzip);
/**
 * gzip's fastest level: on the SDK's batches of log records it takes half the CPU of the default
 * level for a body about 15 % larger (`bench/phases/overhead.ts` measures the SDK's CPU per record).
 */
const GZIP = { level: constants.Z_BEST_SPEED };

export type { Client, ConsentRequest, InitOptions, Level };

export interface NodeInitOptions extends InitOptions {
  /** Where the queue and the installation id live (default `~/.otelhouse/<service>`). */
  dataDir?: string;
  /** Flush on SIGTERM and SIGINT (then exit as the signal would), and persist a crash's records (default true). */
  handleProcessEvents?: boolean;
}

let current: Client | undefined;

/**
 * The Node SDK: records persisted under `dataDir` within 200 ms of being made, delivered gzip'ed
 * with the ingest token as a Bearer header; the same API as the browser's.
 */
export async function init(options: NodeInitOptions): Promise<Client> {
  const dataDir = options.dataDir ?? join(homedir(), '.otelhouse', options.service.replace(/[^A-Za-z0-9._-]/g, '_'));
  await mkdir(dataDir, { recursive: true });
  const optOutFile = join(dataDir, 'opted-out');
  const client = await createClient({ ...options, redaction: options.redaction ?? redaction() }, {
    store: new FileStore(dataDir),
    transport: nodeTransport(options.endpoint, options.token),
    installationId: await installationId(dataDir),
    language: 'nodejs',
    resource: {
      'process.runtime.name': 'nodejs',
      'process.runtime.version': process.versions.node,
      'process.pid': process.pid,
      'host.name': hostname(),
      'os.type': osType().toLowerCase(),
    },
    optedOut: existsSync(optOutFile),
    setOptedOut: async (value) => (value ? writeFile(optOutFile, '') : rm(optOutFile, { force: true })),
    maxBatchBytes: 4 * 1024 * 1024,
    beforeFirstSpan: carryContext,
    configFetch: httpConfigFetch(options.endpoint, options.token, 'header'),
    configKeeper: fileKeeper(join(dataDir, 'config.json')),
  }, otelTracing);
  if (options.handleProcessEvents !== false) handleProcessEvents(client);
  current = client;
  return client;
}

/**
 * Logs made inside a span carry its trace and span ids, across awaits: from the first span the
 * app starts through the SDK, an AsyncLocalStorage context manager is registered (an app's own
 * OTel set-up, registered first, is kept). Not before: tracking async context costs every promise
 * and socket of the process, a quarter of a small HTTP service's CPU here.
 */
function carryContext(): void {
  const contextManager = new AsyncLocalStorageContextManager().enable();
  if (!context.setGlobalContextManager(contextManager)) contextManager.disable();
}

/** The client `init` made last (for the module-level helpers below). */
function client(): Client {
  if (!current) throw new Error('otelhouse SDK: call init() first');
  return current;
}

export const log = (level: Level, message: string, attributes?: Parameters<Client['log']>[2]) => client().log(level, message, attributes);
export const captureException = (error: unknown, options?: Parameters<Client['captureException']>[1]) => client().captureException(error, options);
export const addBreadcrumb = (crumb: Parameters<Client['addBreadcrumb']>[0]) => client().addBreadcrumb(crumb);
export const event = (name: string, attributes: Parameters<Client['event']>[1], level?: Level) => client().event(name, attributes, level);
export const trace = <T>(name: string, fn: Parameters<Client['trace']>[1]): T => client().trace(name, fn) as T;
export const flush = (timeoutMs?: number) => client().flush(timeoutMs);
export const shutdown = (timeoutMs?: number) => client().shutdown(timeoutMs);
export const optOut = () => client().optOut();
export const optIn = () => client().optIn();
export const health = () => client().health();

/** The last served config, in a file replaced whole (written beside it, then renamed over it). */
function fileKeeper(path: string): ConfigKeeper {
  return {
    load: async () => (existsSync(path) ? readFileSync(path, 'utf8') : undefined),
    save: async (text) => {
      await writeFile(`${path}.tmp`, text);
      await rename(`${path}.tmp`, path);
    },
  };
}

/** `app.installation.id`: made once, kept in `<dataDir>/installation-id`. */
async function installationId(dir: string): Promise<string> {
  const path = join(dir, 'installation-id');
  try {
    const id = readFileSync(path, 'utf8').trim();
    if (/^[0-9a-f-]{36}$/.test(id)) return id;
  } catch {
    // none yet
  }
  const id = randomUUID();
  await writeFile(`${path}.tmp`, id);
  await rename(`${path}.tmp`, path);
  return id;
}

function nodeTransport(endpoint: string, token: string | undefined): Transport {
  const base = new URL(endpoint.replace(/\/+$/, ''));
  const send = base.protocol === 'https:' ? httpsRequest : httpRequest;
  const agent = new (base.protocol === 'https:' ? HttpsAgent : HttpAgent)({ keepAlive: true, maxSockets: 4 });
  return async (signal, body, batchId) => {
    try {
      const payload = await gzipAsync(body, GZIP);
      return await new Promise((resolve) => {
        const req = send(new URL(`${base.pathname.replace(/\/$/, '')}/v1/${signal}?batch=${batchId}`, base), {
          method: 'POST',
          agent,
          timeout: 30_000,
          headers: { 'content-type': 'application/json', 'content-encoding': 'gzip', 'content-length': payload.length, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        }, (res) => {
          res.resume();
          res.on('end', () => {
            const retryAfter = Number(res.headers['retry-after']);
            resolve({ status: res.statusCode ?? 0, retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined });
          });
          res.on('error', () => resolve({ status: 0 }));
        });
        req.on('timeout', () => req.destroy(new Error('timed out')));
        req.on('error', () => resolve({ status: 0 }));
        req.end(payload);
      });
    } catch {
      return { status: 0 };
    }
  };
}

/**
 * SIGTERM / SIGINT: flush for up to 5 s, then, unless the app handles the signal itself, exit as
 * the signal would have. An uncaught exception: recorded as a fatal log, written to disk at once
 * (delivered now if the gateway answers within 2 s, else at the next start), then the process
 * exits 1 as Node would, unless the app has its own handler. An unhandled rejection reaches the
 * same path under Node's default `--unhandled-rejections=throw` (and `strict`); under `warn`,
 * `warn-with-error-code` and `none`, which do not end the process, it is recorded as an error and
 * Node's behaviour is kept (the exit code 1 of `warn-with-error-code` included).
 */
function handleProcessEvents(c: Client): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    const onSignal = () => {
      process.removeListener(signal, onSignal);
      void c.shutdown(5000).finally(() => {
        if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
      });
    };
    process.on(signal, onSignal);
  }
  const onException = (err: Error) => {
    // Anything may be thrown (`throw 'text'`); a rejection with a non-Error reason arrives as Node's ERR_UNHANDLED_REJECTION.
    const e: Partial<Error> = err instanceof Error ? err : { message: String(err) };
    c.log('fatal', e.message || String(err), { 'exception.type': e.name ?? 'Error', 'exception.message': e.message ?? '', 'exception.stacktrace': e.stack ?? '' });
    c.persistNow();
    const others = process.listenerCount('uncaughtException') > 1;
    void c.flush(2000).finally(() => {
      if (others) return;
      process.stderr.write(`${err?.stack ?? String(err)}\n`);
      process.exit(1);
    });
  };
  process.on('uncaughtException', onException);
  const mode = unhandledRejections();
  if (mode !== 'throw' && mode !== 'strict') {
    const onRejection = (reason: unknown) => {
      c.captureException(reason);
      if (mode === 'warn-with-error-code' && process.listenerCount('unhandledRejection') === 1) process.exitCode = 1;
    };
    process.on('unhandledRejection', onRejection);
  }
}

/** Node's `--unhandled-rejections` mode, from its flags or NODE_OPTIONS (the last one given wins); default `throw`. */
function unhandledRejections(): string {
  const flags = [...(process.env.NODE_OPTIONS ?? '').split(/\s+/), ...process.execArgv];
  let mode = 'throw';
  for (const flag of flags) {
    const m = /^--unhandled-rejections=(\S+)$/.exec(flag);
    if (m) mode = m[1]!;
  }
  return mode;
}
