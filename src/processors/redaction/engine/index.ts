/**
 * The redaction rule engine: detectors, validators, methods and the compile step. It has no
 * Node-only dependencies (no `node:` imports, no Buffer; TextEncoder, atob and @noble/hashes
 * only), so the client SDK can run the very same rules.
 */
export { Redactor, REMOVED, type Redacted, type RedactionOptions } from './redactor.ts';
export { Tally } from './tally.ts';
export { BUILTIN_RULES, METHODS, PLACEHOLDERS, MAX_DEPTH_RULE, RULE_NAME, type BuiltinRule, type Method, type RuleSetting } from './rules.ts';
export { DEFAULT_DENY_KEYS } from './keys.ts';
export { Recent } from './memo.ts';
export { regexError } from './matchers.ts';
export { customPatternError, type CustomRule } from './custom.ts';
