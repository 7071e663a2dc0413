/**
 * Who a client is, as collection policies and debug sessions see it: the same fields whether they
 * come from the resource attributes of what a client sends or from the query of `GET /v1/config`.
 */
import type { Attributes } from '../../batch/types.ts';

/**
 * A client's identity. `''` = not sent. Platform, environment and channel are lower-cased and the
 * country upper-cased when read, so targeting compares them case-insensitively.
 */
export interface ClientIdentity {
  /** `service.name`. */
  service: string;
  /** `service.version`: the app version semver ranges test. */
  serviceVersion: string;
  /** `app.installation.id`: the rollout key. */
  installationId: string;
  /** `device.id`: the rollout key when there is no installation ID. */
  deviceId: string;
  /** `user.id`. */
  userId: string;
  /** `session.id` (the app's session, not a debug session). */
  sessionId: string;
  /** `telemetry.sdk.language` (`webjs`, `nodejs`, `swift`, `java`, …), lower case. */
  platform: string;
  /** `deployment.environment.name` (or the older `deployment.environment`), lower case. */
  environment: string;
  /** `otelhouse.release.channel` (`stable`, `beta`, …), lower case. */
  channel: string;
  /** `geo.country.iso_code`, ISO 3166-1 alpha-2, upper case. */
  country: string;
}

/** The attribute (and `/v1/config` query parameter) each field is read from. */
export const IDENTITY_ATTRIBUTES: Readonly<Record<keyof ClientIdentity, string>> = Object.freeze({
  service: 'service.name',
  serviceVersion: 'service.version',
  installationId: 'app.installation.id',
  deviceId: 'device.id',
  userId: 'user.id',
  sessionId: 'session.id',
  platform: 'telemetry.sdk.language',
  environment: 'deployment.environment.name',
  channel: 'otelhouse.release.channel',
  country: 'geo.country.iso_code',
});

/** Short query-parameter names `/v1/config` also accepts (the attribute name wins when both are given). */
export const IDENTITY_ALIASES: Readonly<Record<string, keyof ClientIdentity>> = Object.freeze({
  platform: 'platform',
  'deployment.environment': 'environment',
  environment: 'environment',
  channel: 'channel',
  'release.channel': 'channel',
  country: 'country',
});

/** The fields of {@link ClientIdentity}, in {@link identityKey} order. */
export const IDENTITY_FIELDS = Object.keys(IDENTITY_ATTRIBUTES) as Array<keyof ClientIdentity>;

/** An identity with nothing set. */
export function emptyIdentity(): ClientIdentity {
  return { service: '', serviceVersion: '', installationId: '', deviceId: '', userId: '', sessionId: '', platform: '', environment: '', channel: '', country: '' };
}

/** Applies the case rules of {@link ClientIdentity} in place. */
export function normalizeIdentity(identity: ClientIdentity): ClientIdentity {
  identity.platform = identity.platform.toLowerCase();
  identity.environment = identity.environment.toLowerCase();
  identity.channel = identity.channel.toLowerCase();
  identity.country = identity.country.toUpperCase();
  return identity;
}

/** Longest identity value read from a resource (`/v1/config` refuses longer ones): longer ones read as unset, so senders cannot fill the resolver's cache with huge keys. */
export const MAX_IDENTITY_VALUE_LENGTH = 256;

function text(attributes: Attributes, key: string): string {
  const v = attributes.get(key);
  const s = typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'number' ? String(v) : '';
  return s.length > MAX_IDENTITY_VALUE_LENGTH ? '' : s;
}

/** The identity of a resource (string, int and double attribute values; anything else reads as unset). */
export function identityOfResource(attributes: Attributes): ClientIdentity {
  const identity = emptyIdentity();
  if (attributes.size === 0) return identity;
  for (const field of IDENTITY_FIELDS) identity[field] = text(attributes, IDENTITY_ATTRIBUTES[field]);
  if (identity.environment === '') identity.environment = text(attributes, 'deployment.environment');
  return normalizeIdentity(identity);
}

/** The key rollouts hash: the installation ID, else the device ID, else `''` (in a rollout only at 100 %). */
export function rolloutKey(identity: ClientIdentity): string {
  return identity.installationId || identity.deviceId;
}

/** A string equal for equal identities and different otherwise (fields joined by U+0001). */
export function identityKey(identity: ClientIdentity): string {
  return `${identity.service}\u0001${identity.serviceVersion}\u0001${identity.installationId}\u0001${identity.deviceId}\u0001${identity.userId}\u0001${identity.sessionId}\u0001${identity.platform}\u0001${identity.environment}\u0001${identity.channel}\u0001${identity.country}`;
}
