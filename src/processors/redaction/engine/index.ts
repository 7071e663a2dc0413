/**
 * The redaction rule engine: detectors, validators, methods and the compile step. It has no
 * Node-only dependencies (no `node:` imports, no Buffer; TextEncoder and atob only), so the
 * client SDK can run the very same rules. The `hash` method's HMAC is `hmac.ts`, given to the
 * rule sets that hash (the gateway's; a client never holds the secret).
 */
export { Redactor, REMOVED, type Redacted, type RedactionOptions } from './redactor.ts';
export { Tally } from './tally.ts';
export { BUILTIN_RULES, METHODS, PLACEHOLDERS, MAX_DEPTH_RULE, RULE_NAME, type BuiltinRule, type Method, type RuleSetting } from './rules.ts';
export { DEFAULT_DENY_KEYS } from './keys.ts';
export { Recent } from './memo.ts';
export { regexError } from './matchers.ts';
export { customPatternError, type CustomRule } from './custom.ts';
export { type Hasher, type HasherFactory } from './methods.ts';
