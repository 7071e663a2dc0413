import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Occurrence } from '../types.ts';
import { alertsConfigSchema, type AlertsConfig } from './config.ts';
import type { Alert, IssueSummary } from './types.ts';

/** Test helpers for the alert webhooks: a real local HTTP receiver and alert fixtures. */

/** One request the receiver got; `atMs` is `performance.now()` on arrival of the full body. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  atMs: number;
}

/** How the receiver answers a request: a status (with headers), or `'hang'` to never answer. */
export type Reply = { status: number; headers?: Record<string, string> } | 'hang';

export interface Receiver {
  /** Base URL, `http://127.0.0.1:<port>`. */
  url: string;
  requests: ReceivedRequest[];
  /** Resolves with the requests once at least `count` arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  /** Closes the server, cutting hanging connections. */
  close(): Promise<void>;
}

/** Starts a `node:http` server on 127.0.0.1:0 that records every request and answers with `respond`. */
export async function startReceiver(respond: (request: ReceivedRequest, index: number) => Reply | Promise<Reply> = () => ({ status: 200 })): Promise<Receiver> {
  const requests: ReceivedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), atMs: performance.now() };
      requests.push(request);
      const reply = await respond(request, requests.length - 1);
      if (reply === 'hang') return;
      res.writeHead(reply.status, reply.headers).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    async waitFor(count, timeoutMs = 5000) {
      const until = performance.now() + timeoutMs;
      while (requests.length < count) {
        if (performance.now() > until) throw new Error(`expected ${count} requests, got ${requests.length}`);
        await sleep(5);
      }
      return requests;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A URL on 127.0.0.1 where nothing listens (connections are refused). */
export async function deadUrl(): Promise<string> {
  const receiver = await startReceiver();
  await receiver.close();
  return receiver.url;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` every 5 ms until it holds; throws after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const end = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > end) throw new Error('condition not met in time');
    await sleep(5);
  }
}

/** Alerts config for tests: one webhook per entry, fast retries. */
export function makeConfig(webhooks: Array<Record<string, unknown>>, extra: Record<string, unknown> = {}): AlertsConfig {
  return alertsConfigSchema.parse({ retryInitialMs: 20, retryMaxMs: 1000, ...extra, webhooks });
}

export function makeIssue(overrides: Partial<IssueSummary> = {}): IssueSummary {
  return {
    fingerprint: 'f3a1c0de',
    title: 'TypeError: x is undefined',
    service: 'checkout',
    environment: 'production',
    status: 'new',
    severity: 'error',
    culprit: 'handler (src/app.js)',
    firstSeen: '2024-05-01T12:00:00.000Z',
    lastSeen: '2024-05-01T12:05:00.000Z',
    events: 12,
    users: 3,
    versions: ['1.2.2', '1.2.3'],
    ...overrides,
  };
}

export function makeOccurrence(overrides: Partial<Occurrence> = {}): Occurrence {
  return {
    timeUnixNano: 1_714_565_100_123_456_789n,
    fingerprint: 'f3a1c0de',
    source: 'span_event',
    service: 'checkout',
    version: '1.2.3',
    environment: 'production',
    platform: 'node',
    type: 'TypeError',
    message: 'x is undefined',
    normalizedMessage: 'x is undefined',
    stacktrace: 'TypeError: x is undefined\n    at handler (src/app.js:10:5)',
    culprit: 'handler (src/app.js)',
    severity: 'error',
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    userId: 'user-42',
    installationId: 'inst-1',
    deviceId: 'dev-1',
    sessionId: 'sess-1',
    count: 1,
    ...overrides,
  };
}

export function makeAlert(overrides: Partial<Alert> = {}, issue: Partial<IssueSummary> = {}): Alert {
  return { kind: 'new', issue: makeIssue(issue), ...overrides };
}
