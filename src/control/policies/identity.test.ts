import { describe, expect, it } from 'vitest';
import type { AnyValue } from '../../batch/types.ts';
import { identityOfResource, MAX_IDENTITY_VALUE_LENGTH } from './identity.ts';

const resource = (entries: Record<string, AnyValue>) => new Map(Object.entries(entries));

describe('the identity of a resource', () => {
  it('reads the identity attributes, numbers as text, the older environment key as a fallback', () => {
    const id = identityOfResource(resource({ 'service.name': 'app', 'app.installation.id': 'i-1', 'device.id': 42n, 'deployment.environment': 'Prod', 'telemetry.sdk.language': 'Swift' }));
    expect(id).toMatchObject({ service: 'app', installationId: 'i-1', deviceId: '42', environment: 'prod', platform: 'swift' });
  });

  it('reads a value longer than the bound as unset, so senders cannot grow the resolver cache with huge keys', () => {
    const long = 'v'.repeat(MAX_IDENTITY_VALUE_LENGTH + 1);
    const id = identityOfResource(resource({ 'service.name': 'app', 'service.version': long, 'user.id': long, 'app.installation.id': 'v'.repeat(MAX_IDENTITY_VALUE_LENGTH) }));
    expect(id.serviceVersion).toBe('');
    expect(id.userId).toBe('');
    expect(id.installationId).toHaveLength(MAX_IDENTITY_VALUE_LENGTH);
  });
});
