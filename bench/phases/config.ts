import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, NodeChild, type CpuSample } from '../lib/child.ts';
import { clientPopulation, policyBodies, verifyPolls, type BenchClient, type VerifyReport } from '../lib/clients.ts';
import { round } from '../lib/load.ts';
import { runPolls, type PollOptions, type PollResult } from '../lib/polls.ts';
import { machineCpu } from '../lib/system.ts';
import type { Timing } from './http.ts';

/** Bearer tokens the gateway child is started with: every poll pays the ingest-token check. */
const INGEST_TOKEN = 'bench-ingest-token';
const ADMIN_TOKEN = 'bench-admin-token';
/** The client whose installation gets the debug session. */
const SESSION_CLIENT = 42;

export interface ConfigPhaseOptions extends Timing {
  /** Keep-alive connections polling at once. */
  senders: number;
  /** Distinct installation IDs polled in turn. */
  clients: number;
  /** Extra node flags for the gateway child. */
  nodeFlags: string[];
}

/** One polling mode against one server, with the server's CPU over the measured window. */
export interface MeasuredPolls extends Omit<PollResult, 'samples' | 'etags'> {
  server: { cpuCores: number; mainThreadCores: number; cpuUsPerRequest: number };
  /** Cores busy on the machine outside the server and the load generator. */
  otherCores: number;
}

/**
 * `cold`: one pass over every client right after setup (each identity resolved for the first time);
 * `firstPoll`: no `If-None-Match`, 200 with the body (answers cached by identity);
 * `revalidate`: `If-None-Match` with the ETag the client got in the cold pass, 304.
 */
export interface PollModes {
  cold: MeasuredPolls;
  firstPoll: MeasuredPolls;
  revalidate: MeasuredPolls;
  peakRssMiB: number;
}

export interface ClientConfigResult {
  clients: number;
  senders: number;
  policies: number;
  gateway: PollModes & { exitCode: number | null };
  bareHttp: PollModes;
  /**
   * Gateway requests/s over the bare fastify route's, mode by mode; and the noise-resistant
   * companions, the bare route's server CPU per request over the gateway's.
   */
  ratios: { firstPollOverBare: number; revalidateOverBare: number; firstPollCpuBareOverGateway: number; revalidateCpuBareOverGateway: number };
  checks: Omit<VerifyReport, 'failures'>;
}

type Raw = Record<keyof Omit<PollModes, 'peakRssMiB'>, PollResult>;

async function measured(child: NodeChild, run: (onWindow: (edge: 'open' | 'close') => void) => Promise<PollResult>): Promise<[PollResult, MeasuredPolls]> {
  const marks: Array<{ cpu: CpuSample; machine: number }> = [];
  const result = await run(() => marks.push({ cpu: child.cpu(), machine: machineCpu().busy }));
  const [a, b] = marks;
  const seconds = result.elapsedMs / 1000;
  const cores = (b.cpu.total - a.cpu.total) / seconds;
  const { samples: _s, etags: _e, ...rest } = result;
  const server = {
    cpuCores: round(cores, 2),
    mainThreadCores: round((b.cpu.main - a.cpu.main) / seconds, 2),
    cpuUsPerRequest: result.served ? round(((b.cpu.total - a.cpu.total) * 1e6) / result.served, 1) : NaN,
  };
  return [result, { ...rest, server, otherCores: round(Math.max(0, (b.machine - a.machine) / seconds - cores - result.loadGenCpuCores), 2) }];
}

/** A server under test: the gateway or the bare fastify child. */
interface Server {
  child: NodeChild;
  port: number;
  raw: Partial<Raw>;
  modes: Partial<PollModes>;
}

/**
 * The three modes in order, each against the bare child and then the gateway back to back (so a
 * noisy neighbour disturbs both sides of a ratio alike). The cold pass keeps every body and gives
 * each client the ETag it then revalidates with.
 */
async function pollModes(servers: Server[], clients: BenchClient[], o: ConfigPhaseOptions): Promise<void> {
  const timed = { warmupMs: o.warmupMs, durationMs: o.durationMs };
  type ModeOptions = (s: Server) => Omit<PollOptions, 'port' | 'senders' | 'authorization' | 'onWindow'>;
  const modes: Array<[keyof Raw, ModeOptions]> = [
    ['cold', () => ({ clients, revalidate: false, expect: 200, window: 'once', sampleEvery: 1 })],
    ['firstPoll', () => ({ clients, revalidate: false, expect: 200, window: timed })],
    ['revalidate', (s: Server) => ({ clients: clients.map((c, i) => ({ path: c.path, etag: s.raw.cold!.etags[i] })), revalidate: true, expect: 304, window: timed })],
  ];
  for (const [key, options] of modes) {
    for (const s of servers) {
      const base = { port: s.port, senders: o.senders, authorization: `Bearer ${INGEST_TOKEN}` };
      [s.raw[key], s.modes[key]] = await measured(s.child, (onWindow) => runPolls({ ...base, ...options(s), onWindow }));
    }
  }
  for (const s of servers) s.modes.peakRssMiB = s.child.peakRssMiB();
}

async function admin(port: number, path: string, body: object): Promise<{ id: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status !== 201) throw new Error(`POST ${path} answered ${res.status}: ${text}`);
  return JSON.parse(text) as { id: string };
}

/**
 * Phase 6: `GET /v1/config` polling. The gateway child (default config plus ingest and admin
 * tokens, fresh data dir) gets six collection policies and one debug session through the admin
 * API; then `clients` distinct SDK identities poll it in three modes (see {@link PollModes}), each
 * mode run against the bare fastify child (the ceiling) and the gateway back to back. Every cold
 * answer and a sample of the timed ones are verified (see `verifyPolls`); any failure throws.
 */
export async function runClientConfig(o: ConfigPhaseOptions): Promise<ClientConfigResult> {
  const clients = clientPopulation(o.clients);
  const dataDir = mkdtempSync(join(tmpdir(), 'otelhouse-bench-config-'));
  const [port, barePort] = [await freePort(), await freePort()];
  const env = {
    OTELHOUSE_HOST: '127.0.0.1', OTELHOUSE_PORT: String(port), OTELHOUSE_SQL_PORT: '0', OTELHOUSE_DATA_DIR: dataDir, OTELHOUSE_LOG_LEVEL: 'warn',
    OTELHOUSE_CONFIG: process.env.BENCH_GATEWAY_CONFIG ?? '', OTELHOUSE_INGEST_TOKENS: INGEST_TOKEN, OTELHOUSE_ADMIN_TOKENS: ADMIN_TOKEN,
  };
  const gw: Server = { child: new NodeChild('src/main.ts', [], env, o.nodeFlags), port, raw: {}, modes: {} };
  const bare: Server = { child: new NodeChild('bench/workers/bare-server.ts', [], { BENCH_PORT: String(barePort) }), port: barePort, raw: {}, modes: {} };
  try {
    await Promise.all([gw, bare].map((s) => s.child.waitHealthy(`http://127.0.0.1:${s.port}/healthz`)));
    const policyIds = new Map<string, string>();
    for (const [key, body] of policyBodies()) policyIds.set(key, (await admin(port, '/api/policies', body)).id);
    const target = clients[SESSION_CLIENT];
    const session = await admin(port, '/api/debug-sessions', {
      target: { 'app.installation.id': target.installationId, 'service.name': target.service },
      level: 'debug',
      durationMinutes: 60,
      reason: 'bench: /v1/config polling',
    });
    await pollModes([bare, gw], clients, o);
    const exitCode = await gw.child.stop();
    const { failures, ...checks } = verifyPolls({ clients, policyIds, sessionClient: SESSION_CLIENT, sessionId: session.id, ...(gw.raw as Raw) });
    for (const [mode, r] of Object.entries(bare.raw)) if (r.served !== r.requests) failures.push(`bare ${mode}: statuses ${JSON.stringify(r.statuses)}`);
    if (exitCode !== 0) failures.push(`gateway exited with ${exitCode} after SIGTERM: ${gw.child.lastStderr.slice(-500)}`);
    if (failures.length) throw new Error(`client-config phase failed:\n  ${failures.join('\n  ')}`);
    const [g, b] = [gw.modes as PollModes, bare.modes as PollModes];
    return {
      clients: o.clients,
      senders: o.senders,
      policies: policyIds.size,
      gateway: { ...g, exitCode },
      bareHttp: b,
      ratios: {
        firstPollOverBare: round(g.firstPoll.requestsPerSec / b.firstPoll.requestsPerSec, 3),
        revalidateOverBare: round(g.revalidate.requestsPerSec / b.revalidate.requestsPerSec, 3),
        firstPollCpuBareOverGateway: round(b.firstPoll.server.cpuUsPerRequest / g.firstPoll.server.cpuUsPerRequest, 3),
        revalidateCpuBareOverGateway: round(b.revalidate.server.cpuUsPerRequest / g.revalidate.server.cpuUsPerRequest, 3),
      },
      checks,
    };
  } finally {
    await Promise.all([gw.child.stop(5000), bare.child.stop(5000)]);
    rmSync(dataDir, { recursive: true, force: true });
  }
}
