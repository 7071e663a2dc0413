import { createHash } from 'node:crypto';

import type { DebugSession } from '../sessions/model.ts';
import { identityKey, type ClientIdentity } from './identity.ts';
import { effectiveConfig, matchingPolicies, type EffectiveConfig } from './merge.ts';
import type { CompiledPolicy } from './targeting.ts';

/** Where the resolver reads policies (a `PolicyRegistry`). */
export interface PolicySource {
  readonly generation: number;
  policies(): readonly CompiledPolicy[];
  nextBoundaryAfter(nowMs: number): number;
}

/** Where the resolver reads debug sessions (a `SessionRegistry`). */
export interface SessionSource {
  readonly generation: number;
  activeFor(identity: ClientIdentity, nowMs: number): DebugSession | undefined;
  nextBoundaryAfter(nowMs: number): number;
}

/** One client's effective configuration, with its canonical JSON and strong ETag made on first use. */
export class Resolved {
  private json: string | undefined;
  private tag: string | undefined;

  constructor(
    readonly config: EffectiveConfig,
    /** The active debug session the config includes (undefined when none, or telemetry is off). */
    readonly session: DebugSession | undefined,
    /** Members served to every client alike (the SDK redaction rules). */
    private readonly served: Readonly<Record<string, unknown>> = {},
  ) {}

  /** Canonical JSON of {@link config} and the served members: keys sorted at every level, no whitespace. */
  get body(): string {
    this.json ??= canonicalJson({ ...this.served, ...this.config });
    return this.json;
  }

  /** Strong ETag: the quoted base64url SHA-256 of {@link body} (first 128 bits). */
  get etag(): string {
    this.tag ??= `"${createHash('sha256').update(this.body).digest('base64url').slice(0, 22)}"`;
    return this.tag;
  }
}

/** JSON with object keys sorted at every level (undefined members left out), so equal values give equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const object = value as Record<string, unknown>;
  let out = '';
  for (const key of Object.keys(object).sort()) {
    if (object[key] === undefined) continue;
    out += `${out ? ',' : ''}${JSON.stringify(key)}:${canonicalJson(object[key])}`;
  }
  return `{${out}}`;
}

/**
 * Resolves clients to their effective configuration (policies merged, then the active debug
 * session applied; see merge.ts), caching by identity. The cache is emptied when policies or
 * sessions change and when the clock passes the next schedule boundary (a policy or session
 * starting or ending), so a cached answer is always the one a fresh resolve would give.
 */
export class ConfigResolver {
  private cache = new Map<string, Resolved>();
  private policyGeneration = -1;
  private sessionGeneration = -1;
  private validFromMs = Infinity;
  private validUntilMs = -Infinity;
  private readonly maxEntries: number;
  private readonly now: () => number;
  private readonly served: Readonly<Record<string, unknown>>;

  /**
   * @param options.maxEntries identities cached (emptied when full); default 100 000
   * @param options.now clock in ms, default `Date.now`
   * @param options.served members of every answer that no policy changes (`redaction`)
   */
  constructor(
    private readonly policies: PolicySource,
    private readonly sessions: SessionSource,
    options: { maxEntries?: number; now?: () => number; served?: Record<string, unknown> } = {},
  ) {
    this.maxEntries = options.maxEntries ?? 100_000;
    this.now = options.now ?? Date.now;
    this.served = options.served ?? {};
  }

  /** The client's effective configuration at `nowMs` (default now). */
  resolve(identity: ClientIdentity, nowMs: number = this.now()): Resolved {
    if (
      this.policies.generation !== this.policyGeneration ||
      this.sessions.generation !== this.sessionGeneration ||
      nowMs >= this.validUntilMs ||
      nowMs < this.validFromMs ||
      this.cache.size >= this.maxEntries
    ) {
      this.cache = new Map();
      this.policyGeneration = this.policies.generation;
      this.sessionGeneration = this.sessions.generation;
      this.validFromMs = nowMs;
      this.validUntilMs = Math.min(this.policies.nextBoundaryAfter(nowMs), this.sessions.nextBoundaryAfter(nowMs));
    }
    const key = identityKey(identity);
    let resolved = this.cache.get(key);
    if (!resolved) {
      resolved = this.compute(identity, nowMs);
      this.cache.set(key, resolved);
    }
    return resolved;
  }

  private compute(identity: ClientIdentity, nowMs: number): Resolved {
    const session = this.sessions.activeFor(identity, nowMs);
    const config = effectiveConfig(matchingPolicies(this.policies.policies(), identity, nowMs), session);
    return new Resolved(config, config.debugSession ? session : undefined, this.served);
  }
}
