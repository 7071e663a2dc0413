import { KeyedSerial } from '../serial.ts';
import { randomBytes } from 'node:crypto';

import type { AuditSink } from '../sessions/service.ts';
import { policyView, type CollectionPolicy, type PolicyBody } from './model.ts';
import type { PolicyRegistry } from './registry.ts';
import type { PolicyStore } from './store.ts';

/** A new policy ID: `pol_` and 24 hex digits. */
export const newPolicyId = (): string => `pol_${randomBytes(12).toString('hex')}`;

/** The policy a validated body describes; `previous` keeps its creation stamp and version on a replace. */
export function policyFromBody(body: PolicyBody, id: string, nowMs: number, actor: string, previous?: CollectionPolicy): CollectionPolicy {
  return {
    id,
    name: body.name,
    description: body.description,
    enabled: body.enabled,
    priority: body.priority,
    targeting: body.targeting,
    startsAtMs: body.schedule?.startsAt ?? null,
    expiresAtMs: body.schedule?.expiresAt ?? null,
    settings: body.settings,
    createdAtMs: previous?.createdAtMs ?? nowMs,
    createdBy: previous?.createdBy ?? actor,
    updatedAtMs: nowMs,
    updatedBy: actor,
    version: previous?.version ?? 0,
  };
}

/**
 * Policy changes: each is stored as a new row version, compiled into this instance's registry at
 * once (others pick it up on their next refresh), and audited with the policy before and after.
 */
export class PolicyService {
  private readonly now: () => number;
  private readonly newId: () => string;
  /** Changes to one policy run in turn. */
  private readonly serial = new KeyedSerial();

  constructor(
    private readonly deps: {
      store: PolicyStore;
      registry: Pick<PolicyRegistry, 'apply' | 'remove'>;
      audit: AuditSink;
      /** Clock, ms. Default `Date.now`. */
      now?: () => number;
      newId?: () => string;
    },
  ) {
    this.now = deps.now ?? Date.now;
    this.newId = deps.newId ?? newPolicyId;
  }

  async create(body: PolicyBody, actor: string): Promise<CollectionPolicy> {
    const stored = await this.deps.store.put(policyFromBody(body, this.newId(), this.now(), actor));
    this.deps.registry.apply(stored);
    await this.deps.audit.write({ actor, action: 'policy.create', entityType: 'policy', entityId: stored.id, before: null, after: policyView(stored) });
    return stored;
  }

  /** Replaces a policy's definition; undefined when there is no such policy. */
  replace(id: string, body: PolicyBody, actor: string): Promise<CollectionPolicy | undefined> {
    return this.serial.run(id, () => this.replaceNow(id, body, actor));
  }

  private async replaceNow(id: string, body: PolicyBody, actor: string): Promise<CollectionPolicy | undefined> {
    const current = await this.deps.store.get(id);
    if (!current) return undefined;
    const stored = await this.deps.store.put(policyFromBody(body, id, this.now(), actor, current));
    this.deps.registry.apply(stored);
    await this.deps.audit.write({ actor, action: 'policy.update', entityType: 'policy', entityId: id, before: policyView(current), after: policyView(stored) });
    return stored;
  }

  /** Deletes a policy; false when there is no such policy. */
  delete(id: string, actor: string): Promise<boolean> {
    return this.serial.run(id, () => this.deleteNow(id, actor));
  }

  private async deleteNow(id: string, actor: string): Promise<boolean> {
    const current = await this.deps.store.get(id);
    if (!current) return false;
    await this.deps.store.delete({ ...current, updatedAtMs: this.now(), updatedBy: actor });
    this.deps.registry.remove(id);
    await this.deps.audit.write({ actor, action: 'policy.delete', entityType: 'policy', entityId: id, before: policyView(current), after: null });
    return true;
  }
}
