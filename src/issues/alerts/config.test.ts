import { describe, expect, it } from 'vitest';
import { alertsConfigSchema } from './config.ts';

describe('alerts config', () => {
  it('fills defaults for the whole section and for each webhook', () => {
    expect(alertsConfigSchema.parse({ webhooks: [{ url: 'https://hooks.slack.com/services/T/B/x' }] })).toEqual({
      webhooks: [{ url: 'https://hooks.slack.com/services/T/B/x', format: 'json', events: ['new', 'regressed', 'escalated'], timeoutMs: 5000, maxAttempts: 5 }],
      maxQueued: 1000,
      retryInitialMs: 1000,
      retryMaxMs: 60_000,
    });
    expect(alertsConfigSchema.parse({}).webhooks).toEqual([]);
  });

  it.each([
    [{ webhooks: [{ url: 'ftp://example.com/hook' }] }, 'webhooks.0.url'],
    [{ webhooks: [{ url: 'not a url' }] }, 'webhooks.0.url'],
    [{ webhooks: [{ url: 'http://x.example', format: 'teams' }] }, 'webhooks.0.format'],
    [{ webhooks: [{ url: 'http://x.example', events: ['resolved'] }] }, 'webhooks.0.events.0'],
    [{ webhooks: [{ url: 'http://x.example', events: [] }] }, 'webhooks.0.events'],
    [{ webhooks: [{ url: 'http://x.example', headers: { 'Bad Name': 'v' } }] }, 'webhooks.0.headers.Bad Name'],
    [{ webhooks: [{ url: 'http://x.example', headers: { 'X-Ok': 'a\r\nInjected: 1' } }] }, 'webhooks.0.headers.X-Ok'],
    [{ webhooks: [{ url: 'http://x.example', timeoutMs: 0 }] }, 'webhooks.0.timeoutMs'],
    [{ webhooks: [{ name: 'a', url: 'http://x.example' }, { name: 'a', url: 'http://y.example' }] }, 'webhooks.1.name'],
    [{ retryInitialMs: 5000, retryMaxMs: 1000 }, 'retryMaxMs'],
    [{ publicUrl: 'javascript:alert(1)' }, 'publicUrl'],
  ])('rejects %j at %s', (input, field) => {
    const result = alertsConfigSchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toContain(field);
  });
});
