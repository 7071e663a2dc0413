import { randomUUID } from 'node:crypto';
import semver from 'semver';
import type { PollClient, PollResult } from './polls.ts';

/** Services of the simulated fleet and the `telemetry.sdk.language` of each. */
export const FLEET = [
  { service: 'shop-web', platform: 'webjs' },
  { service: 'shop-ios', platform: 'swift' },
  { service: 'shop-android', platform: 'java' },
  { service: 'shop-api', platform: 'nodejs' },
] as const;

/** The version range the per-service policies target (with a 50 % rollout). */
export const ROLLOUT_RANGE = '>=2.4.0 <3.0.0';

/** A simulated SDK: its identity and the `/v1/config` path that carries it. */
export interface BenchClient extends PollClient {
  installationId: string;
  service: string;
  version: string;
  platform: string;
}

/** `count` clients, distinct installation IDs, spread over the fleet and versions 2.0.0–3.9.6. */
export function clientPopulation(count: number): BenchClient[] {
  return Array.from({ length: count }, (_, i) => {
    const { service, platform } = FLEET[i % FLEET.length];
    const version = `${i % 5 === 0 ? 3 : 2}.${Math.floor(i / 4) % 10}.${i % 7}`;
    const installationId = randomUUID();
    const query = `service.name=${service}&service.version=${version}&app.installation.id=${installationId}&telemetry.sdk.language=${platform}&deployment.environment.name=production`;
    return { installationId, service, version, platform, path: `/v1/config?${query}` };
  });
}

/** Admin-API bodies (`POST /api/policies`) by key: one per service (version range, 50 % rollout), `swift`, `global`. */
export function policyBodies(): Map<string, object> {
  const bodies = new Map<string, object>();
  for (const { service } of FLEET) {
    bodies.set(service, {
      name: `${service} ${ROLLOUT_RANGE} debug logs`,
      priority: 10,
      targeting: { services: [service], appVersions: ROLLOUT_RANGE, rolloutPercentage: 50 },
      settings: { minLogLevel: 'debug', sampling: { tracesPercentage: 25 } },
    });
  }
  bodies.set('swift', { name: 'iOS logs at half', targeting: { platforms: ['swift'] }, settings: { sampling: { logsPercentage: 50 } } });
  bodies.set('global', { name: 'fleet poll interval', settings: { sdk: { pollIntervalMs: 300_000 } } });
  return bodies;
}

/** What the gateway's answers must show; see {@link verifyPolls}. */
export interface VerifyInput {
  clients: readonly BenchClient[];
  /** Policy IDs by {@link policyBodies} key. */
  policyIds: Map<string, string>;
  sessionClient: number;
  sessionId: string;
  /** A pass over every client with every body kept, then the two timed modes. */
  cold: PollResult;
  firstPoll: PollResult;
  revalidate: PollResult;
}

export interface VerifyReport {
  failures: string[];
  /** Responses whose body or ETag was compared. */
  checked: number;
  distinctEtags: number;
  /** Share of clients in {@link ROLLOUT_RANGE} that got their service's policy (50 % expected). */
  rolloutShare: number;
}

interface Config { telemetryEnabled: boolean; policies: string[]; debugSession: { id: string } | null }

/**
 * Checks every cold answer against the policies (which apply, the rollout share, the one session),
 * then that sampled first polls repeat the cold body and ETag, and sampled revalidations are bodiless
 * 304s carrying the ETag sent.
 */
export function verifyPolls(v: VerifyInput): VerifyReport {
  const failures: string[] = [];
  const fail = (msg: string) => failures.length < 20 && failures.push(msg);
  const bodies: string[] = new Array(v.clients.length);
  for (const s of v.cold.samples) bodies[s.client] = s.body;
  let [eligible, rolledOut, checked] = [0, 0, 0];
  v.clients.forEach((c, i) => {
    const etag = v.cold.etags[i];
    if (!etag || !/^"[\w-]{22}"$/.test(etag)) fail(`client ${i}: ETag ${etag} is not a strong 22-character tag`);
    let config: Config;
    try {
      config = JSON.parse(bodies[i]) as Config;
    } catch {
      return fail(`client ${i}: body is not JSON: ${String(bodies[i]).slice(0, 80)}`);
    }
    checked++;
    const has = (key: string) => config.policies.includes(v.policyIds.get(key)!);
    const inRange = semver.satisfies(c.version, ROLLOUT_RANGE);
    eligible += inRange ? 1 : 0;
    rolledOut += inRange && has(c.service) ? 1 : 0;
    if (!inRange && has(c.service)) fail(`client ${i} (${c.version}) got the policy for ${ROLLOUT_RANGE}`);
    if (!has('global') || has('swift') !== (c.platform === 'swift')) fail(`client ${i}: policies ${config.policies.join(',')}`);
    const session = i === v.sessionClient ? v.sessionId : null;
    if ((config.debugSession?.id ?? null) !== session) fail(`client ${i}: debugSession ${JSON.stringify(config.debugSession)}, expected ${session}`);
  });
  const rolloutShare = eligible ? rolledOut / eligible : 0;
  // A stable hash splits like a fair coin: allow 5 standard deviations (at least 5 points).
  if (!eligible || Math.abs(rolloutShare - 0.5) > Math.max(0.05, 2.5 / Math.sqrt(eligible))) fail(`rollout share ${rolloutShare.toFixed(3)} of ${eligible} clients, expected 0.5`);
  for (const s of v.firstPoll.samples) {
    checked++;
    if (s.status !== 200 || s.body !== bodies[s.client] || s.etag !== v.cold.etags[s.client]) fail(`first poll of client ${s.client}: ${s.status} ${s.etag} ${s.body.slice(0, 80)}`);
  }
  for (const s of v.revalidate.samples) {
    checked++;
    if (s.status !== 304 || s.body !== '' || !s.sentEtag || s.etag !== s.sentEtag) fail(`revalidation of client ${s.client}: ${s.status} sent ${s.sentEtag} got ${s.etag}`);
  }
  for (const [mode, r] of Object.entries({ cold: v.cold, firstPoll: v.firstPoll, revalidate: v.revalidate })) {
    if (r.served !== r.requests) fail(`${mode}: statuses ${JSON.stringify(r.statuses)}`);
  }
  if (v.firstPoll.samples.length === 0 || v.revalidate.samples.length === 0) fail('no samples kept in a timed mode');
  return { failures, checked, distinctEtags: new Set(v.cold.etags).size, rolloutShare: Math.round(rolloutShare * 1000) / 1000 };
}
