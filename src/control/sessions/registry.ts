import type { ClientIdentity } from '../policies/identity.ts';
import { refreshEvery } from '../refresh.ts';
import { statusAt } from './lifecycle.ts';
import { TARGET_KEYS, type DebugSession, type SessionLevel, type SessionTarget, type TargetKey } from './model.ts';
import { SessionStatsBuffer } from './stats.ts';
import type { SessionStore } from './store.ts';

/** Options of {@link SessionRegistry}. */
export interface SessionRegistryOptions {
  /** How often sessions are reloaded from ClickHouse, ms. Default 2000. */
  refreshMs?: number;
  /** How often stats are flushed to ClickHouse, ms. Default 5000. */
  statsFlushMs?: number;
  /** Clock, ms. Default `Date.now`. */
  now?: () => number;
  /** Told about a failed background refresh or stats flush (the last state is kept). */
  onError?: (err: unknown, during: 'refresh' | 'stats') => void;
}

const IDENTITY_FIELD: Record<TargetKey | 'service.name', keyof ClientIdentity> = {
  'app.installation.id': 'installationId',
  'device.id': 'deviceId',
  'user.id': 'userId',
  'session.id': 'sessionId',
  'service.name': 'service',
};

const LEVEL_RANK: Record<SessionLevel, number> = { standard: 0, debug: 1, trace: 2 };

/** Whether every attribute of the target equals the client's. */
export function targetMatches(target: SessionTarget, identity: ClientIdentity): boolean {
  for (const key in target) {
    const value = target[key as keyof SessionTarget];
    if (value !== undefined && identity[IDENTITY_FIELD[key as keyof SessionTarget]] !== value) return false;
  }
  return true;
}

/** Of two sessions matching one client, the one that applies: the higher level, then the later start, then the ID. */
function better(a: DebugSession, b: DebugSession): DebugSession {
  const byLevel = LEVEL_RANK[a.level] - LEVEL_RANK[b.level];
  if (byLevel !== 0) return byLevel > 0 ? a : b;
  if (a.startsAtMs !== b.startsAtMs) return a.startsAtMs > b.startsAtMs ? a : b;
  return a.id > b.id ? a : b;
}

/**
 * The debug sessions that are not over, in memory: what the gating processor and `/v1/config` read
 * on the hot path (never ClickHouse). Reloaded from ClickHouse every `refreshMs`, so every gateway
 * instance sees a session created through another within one refresh; changes made through this
 * instance apply at once ({@link apply}). Lookups go through an index by target attribute and
 * decide pending/active/paused from the clock, so a session starts and ends on time between
 * refreshes. Also holds the in-memory stats ({@link record}).
 */
export class SessionRegistry {
  /** Bumped whenever the set of sessions changes (what caches of derived config key on). */
  generation = 0;
  private live = new Map<string, DebugSession>();
  private index = new Map<string, DebugSession[]>();
  private boundaries: number[] = [];
  private readonly localWrites = new Map<string, number>();
  private writes = 0;
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;
  readonly stats: SessionStatsBuffer;

  constructor(
    private readonly store: Pick<SessionStore, 'live' | 'addStats'>,
    private readonly options: SessionRegistryOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.stats = new SessionStatsBuffer((increments) => store.addStats(increments), {
      flushMs: options.statsFlushMs,
      onError: (err) => options.onError?.(err, 'stats'),
    });
  }

  /** Loads the sessions once (a failure is thrown), then refreshes and flushes stats on timers. */
  async start(): Promise<void> {
    await this.refresh();
    this.stats.start();
    if (this.timer) return;
    this.timer = refreshEvery(this.options.refreshMs ?? 2_000, () => this.refresh(), (err) => this.options.onError?.(err, 'refresh'));
  }

  /** Stops the timers and flushes stats (a failed last flush is reported, not thrown); idempotent. */
  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.stats.shutdown().catch((err) => this.options.onError?.(err, 'stats'));
  }

  /** Reloads the sessions that are not over from ClickHouse. Changes applied here meanwhile are kept. */
  async refresh(): Promise<void> {
    const startedAt = this.writes;
    const loaded = new Map((await this.store.live(this.now())).map((s) => [s.id, s]));
    for (const [id, seq] of this.localWrites) {
      if (seq <= startedAt) {
        this.localWrites.delete(id);
        continue;
      }
      // Written here after the load began: the loaded row may predate it.
      const local = this.live.get(id);
      const stored = loaded.get(id);
      if (local && (!stored || stored.version < local.version)) loaded.set(id, local);
      else if (!local && stored) loaded.delete(id);
    }
    if (!sameSessions(this.live, loaded)) this.replace(loaded);
  }

  /** Makes a session written through this instance take effect now (a final one is dropped). */
  apply(session: DebugSession): void {
    this.localWrites.set(session.id, ++this.writes);
    const next = new Map(this.live);
    if (session.cancelledAtMs === 0 && session.endsAtMs > this.now()) next.set(session.id, session);
    else next.delete(session.id);
    this.replace(next);
  }

  /** The sessions held (not over at the last refresh). */
  sessions(): DebugSession[] {
    return [...this.live.values()];
  }

  /** The active session that applies to this client at `nowMs`, if any (see `better` for ties). */
  activeFor(identity: ClientIdentity, nowMs: number = this.now()): DebugSession | undefined {
    if (this.live.size === 0) return undefined;
    let found: DebugSession | undefined;
    for (const key of TARGET_KEYS) {
      const value = identity[IDENTITY_FIELD[key]];
      if (value === '') continue;
      const candidates = this.index.get(`${key}\u0001${value}`);
      if (!candidates) continue;
      for (const s of candidates) {
        if (statusAt(s, nowMs) !== 'active' || !targetMatches(s.target, identity)) continue;
        found = found ? better(found, s) : s;
      }
    }
    return found;
  }

  /** The first start or end of a held session after `nowMs`, or Infinity: when `activeFor` may change without a refresh. */
  nextBoundaryAfter(nowMs: number): number {
    for (const t of this.boundaries) if (t > nowMs) return t;
    return Infinity;
  }

  /** Counts what a session received (per resource group); flushed to ClickHouse periodically. */
  record(sessionId: string, logs: number, spans: number, errors: number, nowMs: number = this.now()): void {
    this.stats.add(sessionId, logs, spans, errors, nowMs);
  }

  private replace(next: Map<string, DebugSession>): void {
    this.live = next;
    const index = new Map<string, DebugSession[]>();
    const boundaries: number[] = [];
    for (const s of next.values()) {
      // One entry per session, under its first target attribute; lookups verify the rest.
      const key = TARGET_KEYS.find((k) => s.target[k] !== undefined);
      if (key === undefined) continue;
      const id = `${key}\u0001${s.target[key]}`;
      const list = index.get(id);
      if (list) list.push(s);
      else index.set(id, [s]);
      boundaries.push(s.startsAtMs, s.endsAtMs);
    }
    this.index = index;
    this.boundaries = boundaries.sort((a, b) => a - b);
    this.generation++;
  }
}

function sameSessions(a: Map<string, DebugSession>, b: Map<string, DebugSession>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, s] of a) if (b.get(id)?.version !== s.version) return false;
  return true;
}
