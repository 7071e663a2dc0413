/**
 * The vocabulary of the redaction engine: rule names, methods and placeholders. Pure data, shared
 * by the gateway's `redaction` processor and (later) the client SDK.
 */

/**
 * Built-in rules, in the order they win when two matches overlap (after custom rules, which
 * always come first). `sensitive_key` is the key denylist: it replaces the whole value of a
 * denylisted attribute key, or the value of a `key=value` / `"key": "value"` pair inside a string.
 */
export const BUILTIN_RULES = [
  'private_key',
  'sensitive_key',
  'url_credentials',
  'bearer',
  'jwt',
  'aws_access_key',
  'github_token',
  'slack_token',
  'stripe_key',
  'aws_secret_key',
  'aws_session_token',
  'google_api_key',
  'google_oauth_token',
  'azure_client_secret',
  'gitlab_token',
  'npm_token',
  'pypi_token',
  'docker_token',
  'twilio_key',
  'sendgrid_key',
  'mailgun_key',
  'shopify_token',
  'square_token',
  'digitalocean_token',
  'hashicorp_token',
  'newrelic_key',
  'sentry_token',
  'openai_key',
  'anthropic_key',
  'discord_token',
  'telegram_token',
  'huggingface_token',
  'postman_key',
  'grafana_token',
  'linear_key',
  'doppler_token',
  'pulumi_token',
  'age_secret_key',
  'email',
  'iban',
  'card',
  'ssn',
  'phone',
  'ip',
] as const;

export type BuiltinRule = (typeof BUILTIN_RULES)[number];

/**
 * What a rule does with what it matched:
 * - `placeholder` — a typed placeholder such as `[email]` (the default);
 * - `mask` — a shape-keeping mask (`j***@example.com`, `************4242`);
 * - `hash` — `hmac:` + 32 hex chars of HMAC-SHA256 with the configured secret, stable across
 *   records and restarts so the same user still correlates;
 * - `remove` — drops the attribute (or array element) whose whole value matched, otherwise cuts
 *   the match out of the string.
 */
export const METHODS = ['placeholder', 'mask', 'hash', 'remove'] as const;
export type Method = (typeof METHODS)[number];

/** A rule's method, or `off` to disable it. */
export type RuleSetting = Method | 'off';

/** Placeholder text per built-in rule. */
export const PLACEHOLDERS: Record<BuiltinRule, string> = {
  email: '[email]',
  card: '[card]',
  iban: '[iban]',
  ssn: '[ssn]',
  phone: '[phone]',
  ip: '[ip]',
  jwt: '[jwt]',
  bearer: '[bearer]',
  private_key: '[private_key]',
  url_credentials: '[credentials]',
  aws_access_key: '[secret]',
  github_token: '[secret]',
  slack_token: '[secret]',
  stripe_key: '[secret]',
  aws_secret_key: '[secret]',
  aws_session_token: '[secret]',
  google_api_key: '[secret]',
  google_oauth_token: '[secret]',
  azure_client_secret: '[secret]',
  gitlab_token: '[secret]',
  npm_token: '[secret]',
  pypi_token: '[secret]',
  docker_token: '[secret]',
  twilio_key: '[secret]',
  sendgrid_key: '[secret]',
  mailgun_key: '[secret]',
  shopify_token: '[secret]',
  square_token: '[secret]',
  digitalocean_token: '[secret]',
  hashicorp_token: '[secret]',
  newrelic_key: '[secret]',
  sentry_token: '[secret]',
  openai_key: '[secret]',
  anthropic_key: '[secret]',
  discord_token: '[secret]',
  telegram_token: '[secret]',
  huggingface_token: '[secret]',
  postman_key: '[secret]',
  grafana_token: '[secret]',
  linear_key: '[secret]',
  doppler_token: '[secret]',
  pulumi_token: '[secret]',
  age_secret_key: '[secret]',
  sensitive_key: '[redacted]',
};

/**
 * Pseudo-rule counted when a value is nested deeper than {@link MAX_DEPTH}: such a value is
 * replaced by `[redacted]` rather than stored unscanned (fail closed). Not configurable.
 */
export const MAX_DEPTH_RULE = 'max_depth';

/** Nesting depth scanned in arrays and kvlists; matches the receiver's own decoding limit. */
export const MAX_DEPTH = 64;

/** Custom rule names: lowercase identifiers, distinct from the built-ins. */
export const RULE_NAME = /^[a-z][a-z0-9_.-]{0,63}$/;
