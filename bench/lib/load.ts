import { Agent, request } from 'node:http';
import { MetricRequestPool } from './metrics.ts';
import { RequestPool } from './requests.ts';

export interface LoadOptions {
  port: number;
  senders: number;
  spansPerRequest: number;
  /** Load before the measured window opens (same senders, no pause in between). */
  warmupMs: number;
  durationMs: number;
  /**
   * Paced load: the senders together send this many spans per second (each keeps its own
   * schedule; a sender behind it sends at once). Unset: each sends its next request as soon as
   * the last is answered.
   */
  spansPerSec?: number;
  /** Called synchronously when the window opens and closes, e.g. to sample server CPU. */
  onWindow?: (edge: 'open' | 'close') => void;
  /** What is sent: spans (default) or metric data points, `spansPerRequest` of them per request, to `/v1/<signal>`. */
  signal?: 'traces' | 'metrics';
}

export interface LoadResult {
  /** `metrics` when the records were metric data points (the span counts below then count points). */
  signal?: 'metrics';
  senders: number;
  spansPerRequest: number;
  /** The paced rate asked for, when the load was paced. */
  pacedSpansPerSec?: number;
  /** Length of the measured window; only responses that arrive inside it count below. */
  elapsedMs: number;
  requests: number;
  okRequests: number;
  /** Spans in requests answered 200 inside the window: the only ones counted as delivered. */
  okSpans: number;
  /** Responses inside the window by HTTP status (and `error` for a failed connection). */
  statuses: Record<string, number>;
  requestsPerSec: number;
  spansPerSec: number;
  latencyMs: { p50: number; p99: number; max: number };
  /** CPU the load generator itself used (user + system, this process) inside the window. */
  loadGenCpuCores: number;
  /** Spans answered 200 over the whole run (warm-up and the final drain included). */
  totalOkSpans: number;
}

/** Requests per sender pool; a sender is done with a body once its response arrived. */
const POOL_PER_SENDER = 2;

const pools = new Map<string, RequestPool[]>();

/** Per-sender request pools, built once per (size, senders) and reused across phases. */
export function poolsFor(spansPerRequest: number, senders: number): RequestPool[] {
  const key = String(spansPerRequest);
  const list = pools.get(key) ?? [];
  while (list.length < senders) list.push(new RequestPool(spansPerRequest, POOL_PER_SENDER));
  pools.set(key, list);
  return list.slice(0, senders);
}

const metricPools = new Map<number, MetricRequestPool[]>();

/** Per-sender metrics request pools, likewise. */
async function metricPoolsFor(pointsPerRequest: number, senders: number): Promise<MetricRequestPool[]> {
  const list = metricPools.get(pointsPerRequest) ?? [];
  while (list.length < senders) list.push(await MetricRequestPool.create(pointsPerRequest, POOL_PER_SENDER));
  metricPools.set(pointsPerRequest, list);
  return list.slice(0, senders);
}

function post(agent: Agent, port: number, body: Buffer, path: string): Promise<number> {
  return new Promise((resolve) => {
    const req = request(
      { agent, host: '127.0.0.1', port, method: 'POST', path, headers: { 'content-type': 'application/x-protobuf', 'content-length': body.length } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
        res.on('error', () => resolve(-1));
      },
    );
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}

/** The measured window of a load run: its edges in time, and this process's CPU inside it. */
export class MeasuredWindow {
  open = Infinity;
  close = Infinity;
  private cpu0 = process.cpuUsage();
  cpu = this.cpu0;

  constructor(private readonly onWindow?: (edge: 'open' | 'close') => void) {}

  edge(which: 'open' | 'close'): void {
    if (which === 'open') [this.open, this.cpu0] = [performance.now(), process.cpuUsage()];
    else [this.close, this.cpu] = [performance.now(), process.cpuUsage(this.cpu0)];
    this.onWindow?.(which);
  }

  inside(now: number): boolean {
    return now >= this.open && now < this.close;
  }
}

/**
 * Drives `senders` concurrent keep-alive connections, each sending its next request as soon as the
 * previous one is answered: `warmupMs`, then the measured window of `durationMs`, then the senders
 * stop and every in-flight response is awaited. Counting responses by arrival inside the window
 * keeps ramp-up and drain out of the rate, which matters when a response takes seconds.
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: opts.senders });
  const signal = opts.signal ?? 'traces';
  const senderPools: Array<{ next(): Buffer }> = signal === 'metrics' ? await metricPoolsFor(opts.spansPerRequest, opts.senders) : poolsFor(opts.spansPerRequest, opts.senders);
  const path = `/v1/${signal}`;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  let [okRequests, totalOk] = [0, 0];
  const w = new MeasuredWindow(opts.onWindow);
  const openTimer = setTimeout(() => w.edge('open'), opts.warmupMs);
  const closeTimer = setTimeout(() => w.edge('close'), opts.warmupMs + opts.durationMs);
  const intervalMs = opts.spansPerSec ? (opts.senders * opts.spansPerRequest * 1000) / opts.spansPerSec : 0;
  await Promise.all(
    senderPools.map(async (pool, i) => {
      // Paced senders start spread over one interval, so their requests do not arrive together.
      let due = performance.now() + (intervalMs * i) / opts.senders;
      while (w.close === Infinity) {
        if (intervalMs) {
          const wait = due - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          due += intervalMs;
          if (w.close !== Infinity) break;
        }
        const sent = performance.now();
        const status = await post(agent, opts.port, pool.next(), path);
        const now = performance.now();
        if (status === 200) totalOk++;
        if (w.inside(now)) {
          latencies.push(now - sent);
          const key = status === -1 ? 'error' : String(status);
          statuses[key] = (statuses[key] ?? 0) + 1;
          if (status === 200) okRequests++;
        }
        if (status === -1) await new Promise((r) => setTimeout(r, 50)); // don't spin on a dead server
      }
    }),
  );
  clearTimeout(openTimer);
  clearTimeout(closeTimer);
  agent.destroy();
  const elapsedMs = w.close - w.open;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0, 1);
  const okSpans = okRequests * opts.spansPerRequest;
  return {
    ...(signal === 'metrics' ? { signal } : {}),
    senders: opts.senders,
    spansPerRequest: opts.spansPerRequest,
    ...(opts.spansPerSec ? { pacedSpansPerSec: opts.spansPerSec } : {}),
    elapsedMs: round(elapsedMs, 0),
    requests: latencies.length,
    okRequests,
    okSpans,
    statuses,
    requestsPerSec: round((okRequests * 1000) / elapsedMs, 1),
    spansPerSec: Math.round((okSpans * 1000) / elapsedMs),
    latencyMs: { p50: at(0.5), p99: at(0.99), max: round(latencies.at(-1) ?? 0, 1) },
    loadGenCpuCores: round((w.cpu.user + w.cpu.system) / 1000 / elapsedMs, 2),
    totalOkSpans: totalOk * opts.spansPerRequest,
  };
}

export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
