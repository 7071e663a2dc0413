/**
 * Fingerprint rules from config, with Sentry's fingerprinting-rule semantics: the first rule
 * whose matchers all match decides the fingerprint; `{{ default }}` in it expands to the default
 * grouping components (to split a group), other variables to one value each. Regexes are
 * validated by the schema and compiled once, by {@link compileFingerprintRules}.
 */
import { z } from 'zod';

function regexError(source: string, flags: string): string | undefined {
  try {
    new RegExp(source, flags);
    return undefined;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}

const pattern = (flags: string) =>
  z
    .string()
    .min(1)
    .superRefine((source, ctx) => {
      const error = regexError(source, flags);
      if (error) ctx.addIssue({ code: 'custom', message: `must be a valid regular expression (${error})` });
    });

/**
 * One fingerprint rule. Matchers are JavaScript regexes, searched (anchor them yourself); all
 * given must match.
 */
export const fingerprintRuleSchema = z.strictObject({
  match: z
    .strictObject({
      /** Exception type (`TypeError`, `java.net.SocketTimeoutException`) of any exception in the chain; case-sensitive. */
      type: pattern('').optional(),
      /** Raw message of any exception in the chain; case-insensitive. */
      message: pattern('i').optional(),
      /** Module, package or class of a frame. */
      module: pattern('').optional(),
      /** Function name of a frame. */
      function: pattern('').optional(),
      /** File path or URL of a frame. */
      file: pattern('').optional(),
      /** `service.name`. */
      service: pattern('').optional(),
    })
    .refine((m) => Object.keys(m).length > 0, 'must hold at least one matcher (type, message, module, function, file or service)'),
  /**
   * The fingerprint: literal strings and variables. `{{ default }}` (alone in its element) expands
   * to the default grouping components; `{{ type }}`, `{{ message }}` (normalized),
   * `{{ function }}`, `{{ module }}`, `{{ file }}` (of the culprit frame, normalized) and
   * `{{ service }}` are replaced anywhere. Sentry's names (`error.type`, `error.value`,
   * `stack.function`, `stack.module`, `stack.filename`) work too.
   */
  fingerprint: z.array(z.string().min(1)).min(1),
});

/** Fingerprint rules, in priority order. Default: none. */
export const fingerprintRulesSchema = z.array(fingerprintRuleSchema).default([]);

/** A fingerprint rule as written in config. */
export type FingerprintRule = z.infer<typeof fingerprintRuleSchema>;

/** A rule with its regexes compiled. */
export interface CompiledRule {
  type?: RegExp;
  message?: RegExp;
  module?: RegExp;
  function?: RegExp;
  file?: RegExp;
  service?: RegExp;
  fingerprint: readonly string[];
}

/** Rules ready for {@link fingerprint}: built once when the config is loaded. */
export interface CompiledRules {
  readonly rules: readonly CompiledRule[];
}

/** What a rule is matched against: one event, its exception chain and its candidate frames. */
export interface RuleSubject {
  service: string;
  /** Every exception in the chain, the top one first. */
  exceptions: readonly { type: string; message: string }[];
  /** The frames frame matchers look at: in-app ones, or all when none is in-app. */
  frames: readonly { function: string; module: string; file: string }[];
}

/** Compiles validated rules (the output of {@link fingerprintRulesSchema}). */
export function compileFingerprintRules(rules: readonly FingerprintRule[]): CompiledRules {
  return {
    rules: rules.map((r) => ({
      type: compile(r.match.type, ''),
      message: compile(r.match.message, 'i'),
      module: compile(r.match.module, ''),
      function: compile(r.match.function, ''),
      file: compile(r.match.file, ''),
      service: compile(r.match.service, ''),
      fingerprint: [...r.fingerprint],
    })),
  };
}

function compile(source: string | undefined, flags: string): RegExp | undefined {
  return source === undefined ? undefined : new RegExp(source, flags);
}

/**
 * The first rule matching the subject, or undefined. Exception matchers may each match a
 * different exception of the chain; frame matchers must all match the same frame (as in Sentry).
 */
export function matchRule(compiled: CompiledRules | undefined, subject: RuleSubject): CompiledRule | undefined {
  if (!compiled) return undefined;
  return compiled.rules.find((rule) => {
    if (rule.service && !rule.service.test(subject.service)) return false;
    if (rule.type && !subject.exceptions.some((e) => rule.type!.test(e.type))) return false;
    if (rule.message && !subject.exceptions.some((e) => rule.message!.test(e.message))) return false;
    if (!rule.module && !rule.function && !rule.file) return true;
    return subject.frames.some(
      (f) => (!rule.module || rule.module.test(f.module)) && (!rule.function || rule.function.test(f.function)) && (!rule.file || rule.file.test(f.file)),
    );
  });
}
