/**
 * Targeting compiled once per policy change: sets for list criteria, a parsed semver range, the
 * rollout threshold. Matching a client is then a few lookups and comparisons.
 */
import semver from 'semver';

import { rolloutKey, type ClientIdentity } from './identity.ts';
import type { CollectionPolicy, Targeting } from './model.ts';

/** A policy ready to match clients. */
export interface CompiledPolicy {
  readonly policy: CollectionPolicy;
  /** Criteria the targeting sets (a rollout below 100 % counts as one): more is more specific. */
  readonly specificity: number;
  /** Whether the policy is enabled and in its schedule at `nowMs`. */
  activeAt(nowMs: number): boolean;
  /** Whether the targeting (rollout included) selects this client; ignores enabled and schedule. */
  targets(identity: ClientIdentity): boolean;
}

/**
 * The client's position in a policy's rollout, in [0, 100): FNV-1a (32-bit) over the UTF-8 of
 * `policyId + ':' + key`, mixed by murmur3's fmix32 so similar keys spread evenly, scaled to 100.
 * Stable across processes and versions; in a rollout of p % iff the position is below p.
 */
export function rolloutPosition(policyId: string, key: string): number {
  const text = `${policyId}:${key}`;
  let h = 0x811c9dc5;
  // ASCII (the usual ID) hashes straight from the string; anything else through its UTF-8 bytes.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c > 0x7f) {
      h = 0x811c9dc5;
      for (const byte of Buffer.from(text, 'utf8')) h = Math.imul(h ^ byte, 0x01000193);
      break;
    }
    h = Math.imul(h ^ c, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return ((h >>> 0) / 0x1_0000_0000) * 100;
}

const lowerSet = (values: readonly string[] | undefined) => (values ? new Set(values.map((v) => v.toLowerCase())) : undefined);

/** Parsed versions carry the ranges' options, so a range test never parses them again. */
const SEMVER_OPTIONS = { loose: true, includePrerelease: true };
const versions = new Map<string, semver.SemVer | null>();
const MAX_CACHED_VERSIONS = 4096;

/**
 * Reads an app version leniently: semver (loose), else coerced (`2.3` → `2.3.0`); null when
 * unreadable. Cached: clients share few versions, and parsing costs more than matching.
 */
export function readVersion(version: string): semver.SemVer | null {
  if (version === '') return null;
  let parsed = versions.get(version);
  if (parsed === undefined) {
    parsed = semver.parse(version, SEMVER_OPTIONS) ?? semver.coerce(version, SEMVER_OPTIONS);
    if (versions.size >= MAX_CACHED_VERSIONS) versions.clear();
    versions.set(version, parsed);
  }
  return parsed;
}

function compileTargeting(id: string, t: Targeting): { test: (identity: ClientIdentity) => boolean; specificity: number } {
  const services = t.services ? new Set(t.services) : undefined;
  const platforms = lowerSet(t.platforms);
  const channels = lowerSet(t.channels);
  const environments = lowerSet(t.environments);
  const countries = t.countries ? new Set(t.countries.map((c) => c.toUpperCase())) : undefined;
  const range = t.appVersions === undefined ? undefined : new semver.Range(t.appVersions, SEMVER_OPTIONS);
  const rangeResults = new Map<string, boolean>();
  const rollout = t.rolloutPercentage;
  const specificity = [services, platforms, channels, environments, countries, range].filter((c) => c !== undefined).length + (rollout < 100 ? 1 : 0);
  return {
    specificity,
    test(identity) {
      if (services && !services.has(identity.service)) return false;
      if (platforms && !platforms.has(identity.platform)) return false;
      if (channels && !channels.has(identity.channel)) return false;
      if (environments && !environments.has(identity.environment)) return false;
      if (countries && !countries.has(identity.country)) return false;
      if (range) {
        let inRange = rangeResults.get(identity.serviceVersion);
        if (inRange === undefined) {
          const version = readVersion(identity.serviceVersion);
          inRange = version !== null && range.test(version);
          if (rangeResults.size >= MAX_CACHED_VERSIONS) rangeResults.clear();
          rangeResults.set(identity.serviceVersion, inRange);
        }
        if (!inRange) return false;
      }
      if (rollout < 100) {
        const key = rolloutKey(identity);
        if (key === '' || rolloutPosition(id, key) >= rollout) return false;
      }
      return true;
    },
  };
}

/** Compiles one policy. */
export function compilePolicy(policy: CollectionPolicy): CompiledPolicy {
  const { test, specificity } = compileTargeting(policy.id, policy.targeting);
  const starts = policy.startsAtMs ?? -Infinity;
  const expires = policy.expiresAtMs ?? Infinity;
  return {
    policy,
    specificity,
    activeAt: (nowMs) => policy.enabled && nowMs >= starts && nowMs < expires,
    targets: test,
  };
}

/**
 * The merge order of `effectiveConfig` (merge.ts): higher `priority` first, then more specific
 * targeting, then the most recently updated, then by ID (so the order is total and stable).
 */
export function mergeOrder(a: CompiledPolicy, b: CompiledPolicy): number {
  return (
    b.policy.priority - a.policy.priority ||
    b.specificity - a.specificity ||
    b.policy.updatedAtMs - a.policy.updatedAtMs ||
    (a.policy.id < b.policy.id ? -1 : a.policy.id > b.policy.id ? 1 : 0)
  );
}

/** Compiles policies and sorts them in merge order. */
export function compilePolicies(policies: readonly CollectionPolicy[]): CompiledPolicy[] {
  return policies.map(compilePolicy).sort(mergeOrder);
}

/** The first schedule boundary (a start or an expiry) after `nowMs`, or Infinity. */
export function nextPolicyBoundary(policies: readonly CompiledPolicy[], nowMs: number): number {
  let next = Infinity;
  for (const { policy } of policies) {
    if (policy.startsAtMs !== null && policy.startsAtMs > nowMs) next = Math.min(next, policy.startsAtMs);
    if (policy.expiresAtMs !== null && policy.expiresAtMs > nowMs) next = Math.min(next, policy.expiresAtMs);
  }
  return next;
}
