import { z } from 'zod';

/** Every alert kind (`AlertKind`), in a stable order (the default subscription of a webhook). */
export const alertKinds = ['new', 'regressed', 'escalated'] as const;

const positiveInt = z.coerce.number().int().positive();
const httpUrl = () => z.url({ protocol: /^https?$/, message: 'must be an http or https URL' });
// RFC 9110 token for names; values must not smuggle extra header lines.
const headerName = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, 'must be a valid HTTP header name');
const headerValue = z.string().regex(/^[^\r\n\0]*$/, 'must not contain CR, LF or NUL');

/** One webhook that receives issue alerts. */
export const webhookConfigSchema = z.strictObject({
  /** Label in stats and metrics; defaults to the URL's host (never the path, which often holds a secret). */
  name: z.string().min(1).max(64).optional(),
  /** Where alerts are POSTed. */
  url: httpUrl(),
  /** `slack`: Slack incoming-webhook body (`text` + `blocks`); `json`: the generic body. */
  format: z.enum(['slack', 'json']).default('json'),
  /** Alert kinds sent to this webhook; all of them by default. */
  events: z.array(z.enum(alertKinds)).min(1).default([...alertKinds]),
  /** Extra request headers, e.g. `Authorization`. */
  headers: z.record(headerName, headerValue).optional(),
  /** One attempt slower than this is aborted and retried. */
  timeoutMs: positiveInt.default(5000),
  /** Attempts per alert (the first one included) before giving up. */
  maxAttempts: positiveInt.default(5),
});

/**
 * Alert webhooks on new, regressed and escalated issues. Delivery is asynchronous and bounded: a
 * slow or dead webhook never slows ingest.
 */
export const alertsConfigSchema = z
  .strictObject({
    webhooks: z.array(webhookConfigSchema).default([]),
    /** Alerts waiting per webhook; beyond it the oldest waiting alert is dropped (counted). */
    maxQueued: positiveInt.default(1000),
    /** First retry delay; doubles per attempt (±20 % jitter) up to `retryMaxMs`. */
    retryInitialMs: positiveInt.default(1000),
    /** Longest delay between two attempts, also the cap on an honoured `Retry-After`. */
    retryMaxMs: positiveInt.default(60_000),
    /**
     * Base URL for links to the issue in alerts. `{fingerprint}` in it is replaced by the issue's
     * fingerprint; without it, `/api/issues/<fingerprint>` is appended. Unset: no link.
     */
    publicUrl: httpUrl().optional(),
  })
  .superRefine((config, ctx) => {
    if (config.retryMaxMs < config.retryInitialMs) {
      ctx.addIssue({ code: 'custom', path: ['retryMaxMs'], message: `must be ≥ retryInitialMs (${config.retryInitialMs})` });
    }
    const seen = new Set<string>();
    config.webhooks.forEach((webhook, i) => {
      if (webhook.name === undefined) return;
      if (seen.has(webhook.name)) ctx.addIssue({ code: 'custom', path: ['webhooks', i, 'name'], message: `duplicate webhook name '${webhook.name}'` });
      seen.add(webhook.name);
    });
  });

/** The validated alert configuration (defaults applied). */
export type AlertsConfig = z.infer<typeof alertsConfigSchema>;
/** One validated webhook. */
export type WebhookConfig = z.infer<typeof webhookConfigSchema>;
/** The body format a webhook receives. */
export type WebhookFormat = WebhookConfig['format'];
