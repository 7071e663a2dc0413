import { z } from 'zod';
import { BUILTIN_RULES, METHODS, RULE_NAME, customPatternError, regexError } from './engine/index.ts';

const setting = z.enum([...METHODS, 'off']);

/** An exact string, or `/regex/flags` (searched; anchor it yourself). */
const matcher = z.string().min(1).superRefine((spec, ctx) => {
  const error = regexError(spec);
  if (error) ctx.addIssue({ code: 'custom', message: `must be a valid regular expression (${error})` });
});

const customRule = z.strictObject({
  /** Rule name in `otelhouse.redaction.rules` and metrics: lowercase, distinct from the built-ins. */
  name: z.string().regex(RULE_NAME, 'must be a lowercase identifier (a-z, 0-9, _ . -)'),
  /** JavaScript regular expression source, without slashes. */
  pattern: z.string().min(1),
  /** RegExp flags: any of i, m, s, u. */
  flags: z.string().regex(/^[imsu]*$/, 'must be made of the flags i, m, s, u').optional(),
  /** Capturing group to redact; 0 = the whole match. */
  group: z.number().int().min(0).optional(),
  /** Method; default `placeholder`. */
  method: setting.optional(),
  /** Placeholder text; default `[<name>]`. */
  placeholder: z.string().optional(),
});

/**
 * Options of the `redaction` processor. The defaults are the safe ones: every built-in detector
 * on with typed placeholders, the default key denylist on, nothing allow-listed. Regexes are
 * compiled once when the chain is built.
 */
export const redactionConfigSchema = z
  .strictObject({
    /**
     * Method per built-in rule (`placeholder`, `mask`, `hash`, `remove`) or `off`. Rules:
     * email, card, iban, ssn, phone, ip, jwt, bearer, private_key, url_credentials,
     * aws_access_key, github_token, slack_token, stripe_key, and sensitive_key (the key denylist).
     */
    rules: z.partialRecord(z.enum(BUILTIN_RULES), setting).default({}),
    /** Method of every built-in rule not listed in `rules`; `off` enables only the listed ones. */
    defaultMethod: setting.default('placeholder'),
    /** HMAC-SHA256 key of the `hash` method, at least 32 characters; required when any rule hashes. */
    hashSecret: z.string().optional(),
    /** Keys (exact or `/regex/`) whose values are never redacted, at any nesting level. */
    allowKeys: z.array(matcher).default([]),
    /** Values (exact or `/regex/`) never redacted: a whole value, or a single finding inside a string. */
    allowValues: z.array(matcher).default([]),
    /** Extra key denylist entries: words (`ssn`, `client_id`) or `/regex/` on the whole key. */
    denyKeys: z.array(matcher).default([]),
    /** Include the built-in key denylist (password, secret, token, api_key, auth, cookie, session…). */
    defaultDenyKeys: z.boolean().default(true),
    /** Named regexes run on every string before the built-ins. */
    customRules: z.array(customRule).default([]),
    /**
     * What to do with the whole value of an exact attribute key, before any other rule: `keep`
     * (never touched), `placeholder`, `mask`, `hash` or `remove`; counted as `key_<method>`. The event
     * catalog's `otelhouse.pii` annotations are added here (`drop` as `remove`).
     */
    keyRules: z.array(z.strictObject({ key: z.string().min(1), method: z.enum(['keep', 'placeholder', 'mask', 'hash', 'remove']) })).default([]),
    /** Also scan int and double values through their decimal form (card numbers sent as numbers). */
    scanNumbers: z.boolean().default(false),
    /**
     * What a changed record carries: `full` = `otelhouse.redaction.count` and
     * `otelhouse.redaction.rules`; `count` = the count only; `off` = nothing (metrics still count).
     */
    summary: z.enum(['full', 'count', 'off']).default('full'),
  })
  .superRefine((config, ctx) => {
    const hashing = hashingRule(config);
    if (hashing && config.hashSecret === undefined) {
      ctx.addIssue({ code: 'custom', path: ['hashSecret'], message: `required because ${hashing} uses the hash method` });
    } else if (config.hashSecret !== undefined && config.hashSecret.length < 32) {
      // The path names the length, so the error message never shows the secret itself.
      ctx.addIssue({ code: 'custom', path: ['hashSecret', 'length'], message: 'must be at least 32 characters' });
    }
    const seen = new Set<string>(BUILTIN_RULES);
    config.customRules.forEach((rule, i) => {
      if (seen.has(rule.name)) ctx.addIssue({ code: 'custom', path: ['customRules', i, 'name'], message: 'must differ from the built-in and other custom rule names' });
      seen.add(rule.name);
      const error = customPatternError(rule);
      if (error) ctx.addIssue({ code: 'custom', path: ['customRules', i, 'pattern'], message: error });
    });
  });

export type RedactionConfig = z.infer<typeof redactionConfigSchema>;

/** The first rule (as it is named in the config) that uses the hash method, if any. */
function hashingRule(config: RedactionConfig): string | undefined {
  for (const name of BUILTIN_RULES) {
    const method = config.rules[name];
    if (method === 'hash' || (method === undefined && config.defaultMethod === 'hash')) return method ? `rules.${name}` : 'defaultMethod';
  }
  const i = config.customRules.findIndex((rule) => rule.method === 'hash');
  if (i >= 0) return `customRules[${i}]`;
  const k = config.keyRules.findIndex((rule) => rule.method === 'hash');
  return k >= 0 ? `keyRules[${k}]` : undefined;
}
