import { Agent, request } from 'node:http';
import { MeasuredWindow, round } from './load.ts';

/** One polling client: its request path (with the identity query) and the ETag it holds, if any. */
export interface PollClient {
  path: string;
  etag?: string;
}

export interface PollOptions {
  port: number;
  senders: number;
  clients: readonly PollClient[];
  /** Send `If-None-Match` with each client's ETag (revalidation) instead of a first poll. */
  revalidate: boolean;
  /** Status that counts as served (200 for first polls, 304 for revalidations). */
  expect: number;
  /** `Authorization` header value sent with every request. */
  authorization: string;
  /** `once`: poll every client exactly once, the whole pass measured; else warm-up, then a timed window. */
  window: 'once' | { warmupMs: number; durationMs: number };
  /** Every n-th response is kept (status, ETag, body) for the caller to verify. Default 97. */
  sampleEvery?: number;
  /** Called synchronously when the measured window opens and closes, e.g. to sample server CPU. */
  onWindow?: (edge: 'open' | 'close') => void;
}

/** A response kept for verification. */
export interface PollSample {
  client: number;
  sentEtag: string | undefined;
  status: number;
  etag: string | undefined;
  body: string;
}

export interface PollResult {
  senders: number;
  elapsedMs: number;
  /** Responses inside the window, any status. */
  requests: number;
  /** Responses with the expected status inside the window. */
  served: number;
  statuses: Record<string, number>;
  requestsPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** CPU the load generator used (user + system, this process) inside the window. */
  loadGenCpuCores: number;
  /** Mean body bytes of the kept responses. */
  meanBodyBytes: number;
  samples: PollSample[];
  /** The last ETag each client got, by client index (whatever the status). */
  etags: Array<string | undefined>;
}

function get(agent: Agent, port: number, path: string, headers: Record<string, string>, keep: boolean): Promise<Omit<PollSample, 'client' | 'sentEtag'>> {
  return new Promise((resolve) => {
    const req = request({ agent, host: '127.0.0.1', port, method: 'GET', path, headers }, (res) => {
      const chunks: Buffer[] = [];
      if (keep) res.on('data', (d: Buffer) => chunks.push(d));
      else res.resume();
      const etag = res.headers.etag;
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag, body: Buffer.concat(chunks).toString() }));
      res.on('error', () => resolve({ status: -1, etag: undefined, body: '' }));
    });
    req.on('error', () => resolve({ status: -1, etag: undefined, body: '' }));
    req.end();
  });
}

/**
 * Drives `senders` keep-alive connections through the client population in order (each client
 * polls once per pass), every sender sending its next GET as soon as the last one is answered.
 * Responses count by arrival inside the window, as in `runLoad`.
 */
export async function runPolls(opts: PollOptions): Promise<PollResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.senders });
  const every = opts.sampleEvery ?? 97;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const samples: PollSample[] = [];
  const etags: Array<string | undefined> = new Array(opts.clients.length);
  let [next, served] = [0, 0];
  const w = new MeasuredWindow(opts.onWindow);
  const timers: NodeJS.Timeout[] = [];
  if (opts.window === 'once') w.edge('open');
  else {
    timers.push(setTimeout(() => w.edge('open'), opts.window.warmupMs));
    timers.push(setTimeout(() => w.edge('close'), opts.window.warmupMs + opts.window.durationMs));
  }
  const once = opts.window === 'once';
  await Promise.all(
    Array.from({ length: opts.senders }, async () => {
      while (w.close === Infinity && !(once && next >= opts.clients.length)) {
        const n = next++;
        const index = n % opts.clients.length;
        const client = opts.clients[index];
        const headers: Record<string, string> = { authorization: opts.authorization };
        if (opts.revalidate && client.etag) headers['if-none-match'] = client.etag;
        const keep = n % every === 0;
        const sent = performance.now();
        const res = await get(agent, opts.port, client.path, headers, keep);
        const now = performance.now();
        etags[index] = res.etag;
        if (w.inside(now)) {
          latencies.push(now - sent);
          const key = res.status === -1 ? 'error' : String(res.status);
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (res.status === opts.expect) served++;
          if (keep) samples.push({ client: index, sentEtag: headers['if-none-match'], ...res });
        }
        if (res.status === -1) await new Promise((r) => setTimeout(r, 50)); // don't spin on a dead server
      }
    }),
  );
  if (once) w.edge('close');
  timers.forEach(clearTimeout);
  agent.destroy();
  const elapsedMs = w.close - w.open;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0, 2);
  return {
    senders: opts.senders,
    elapsedMs: round(elapsedMs, 0),
    requests: latencies.length,
    served,
    statuses,
    requestsPerSec: round((served * 1000) / elapsedMs, 0),
    latencyMs: { p50: at(0.5), p99: at(0.99), max: round(latencies.at(-1) ?? 0, 1) },
    loadGenCpuCores: round((w.cpu.user + w.cpu.system) / 1000 / elapsedMs, 2),
    meanBodyBytes: samples.length ? Math.round(samples.reduce((n, s) => n + s.body.length, 0) / samples.length) : 0,
    samples,
    etags,
  };
}
