/**
 * The rules served to client SDKs as `redaction` in `GET /v1/config`, so an SDK redacts with the
 * gateway's own engine and rules before a record is queued, stored on the device or sent
 * (`clientRedaction` in the config). The `hash` method's secret never leaves the gateway: a rule
 * that hashes here is served as `placeholder` (the client cannot hash without the secret, and a
 * value it replaced cannot be hashed later).
 */
import { z } from 'zod';
import type { ProcessorEntry } from '../config.ts';
import { redactionConfigSchema, type RedactionConfig } from './config.ts';

/**
 * `pipeline` (default): the options of the first `redaction` processor of the chain, or the
 * defaults (every rule on) when the chain has none; `false`: SDKs do not redact; an object: these
 * options (those of the `redaction` processor).
 */
export const clientRedactionSchema = z.union([z.literal('pipeline'), z.literal(false), redactionConfigSchema]).default('pipeline');

export type ClientRedaction = z.infer<typeof clientRedactionSchema>;

/** What `/v1/config` serves as `redaction` (JSON); `null` when SDKs do not redact. */
export type ServedRedaction = Omit<RedactionConfig, 'hashSecret'> | null;

export function servedRedaction(setting: ClientRedaction, processors: readonly ProcessorEntry[]): ServedRedaction {
  if (setting === false) return null;
  let options: RedactionConfig;
  if (setting === 'pipeline') {
    const entry = processors.find((p) => p.type === 'redaction');
    const { type: _type, name: _name, ...own } = entry ?? { type: 'redaction' };
    options = redactionConfigSchema.parse(own);
  } else {
    options = setting;
  }
  const unhashed = <M extends string>(method: M): M | 'placeholder' => (method === 'hash' ? 'placeholder' : method);
  const { hashSecret: _secret, ...served } = options;
  return {
    ...served,
    rules: Object.fromEntries(Object.entries(served.rules).map(([rule, method]) => [rule, unhashed(method!)])),
    defaultMethod: unhashed(served.defaultMethod),
    customRules: served.customRules.map((rule) => (rule.method ? { ...rule, method: unhashed(rule.method) } : rule)),
  };
}
