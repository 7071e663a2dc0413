import type { CollectionPolicy } from './model.ts';
import { refreshEvery } from '../refresh.ts';
import type { PolicyStore } from './store.ts';
import { compilePolicy, mergeOrder, nextPolicyBoundary, type CompiledPolicy } from './targeting.ts';

/** Options of {@link PolicyRegistry}. */
export interface PolicyRegistryOptions {
  /** How often policies are reloaded from ClickHouse, ms. Default 2000. */
  refreshMs?: number;
  /** Told about a failed background refresh (the last policies are kept). */
  onError?: (err: unknown) => void;
}

/**
 * The collection policies, compiled and in merge order, in memory: what `/v1/config` and the gating
 * processor read. Reloaded from ClickHouse every `refreshMs`; a policy is compiled again only when
 * its version changes. Changes made through this instance apply at once ({@link apply}, {@link remove}).
 */
export class PolicyRegistry {
  /** Bumped whenever the policies change. */
  generation = 0;
  private compiled: CompiledPolicy[] = [];
  private byId = new Map<string, CompiledPolicy>();
  private readonly localWrites = new Map<string, number>();
  private writes = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly store: Pick<PolicyStore, 'all'>,
    private readonly options: PolicyRegistryOptions = {},
  ) {}

  /** Loads the policies once (a failure is thrown), then refreshes on a timer. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.timer) return;
    this.timer = refreshEvery(this.options.refreshMs ?? 2_000, () => this.refresh(), (err) => this.options.onError?.(err));
  }

  /** Stops the timer; idempotent. */
  async shutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads the policies. Changes applied here meanwhile are kept over an older loaded row. */
  async refresh(): Promise<void> {
    const startedAt = this.writes;
    const loaded = new Map((await this.store.all()).map((p) => [p.id, p]));
    for (const [id, seq] of this.localWrites) {
      if (seq <= startedAt) {
        this.localWrites.delete(id);
        continue;
      }
      const local = this.byId.get(id)?.policy;
      const stored = loaded.get(id);
      if (local && (!stored || stored.version < local.version)) loaded.set(id, local);
      else if (!local && stored) loaded.delete(id);
    }
    this.replace([...loaded.values()]);
  }

  /** Makes a policy written through this instance take effect now. */
  apply(policy: CollectionPolicy): void {
    this.localWrites.set(policy.id, ++this.writes);
    this.replace([...[...this.byId.values()].map((c) => c.policy).filter((p) => p.id !== policy.id), policy]);
  }

  /** Makes a deletion through this instance take effect now. */
  remove(id: string): void {
    this.localWrites.set(id, ++this.writes);
    this.replace([...this.byId.values()].map((c) => c.policy).filter((p) => p.id !== id));
  }

  /** The compiled policies in merge order (see targeting.ts `mergeOrder`). */
  policies(): readonly CompiledPolicy[] {
    return this.compiled;
  }

  /** The first schedule start or expiry after `nowMs`, or Infinity. */
  nextBoundaryAfter(nowMs: number): number {
    return nextPolicyBoundary(this.compiled, nowMs);
  }

  private replace(policies: CollectionPolicy[]): void {
    let changed = policies.length !== this.byId.size;
    const byId = new Map<string, CompiledPolicy>();
    for (const p of policies) {
      const old = this.byId.get(p.id);
      if (old && old.policy.version === p.version) byId.set(p.id, old);
      else {
        byId.set(p.id, compilePolicy(p));
        changed = true;
      }
    }
    if (!changed) return;
    this.byId = byId;
    this.compiled = [...byId.values()].sort(mergeOrder);
    this.generation++;
  }
}
