/** Custom rules from config: a named regex, compiled once, redacting the whole match or one group. */
import { maskAllButLast, scan, type Detector, type Findings } from './detector.ts';
import type { RuleSetting } from './rules.ts';

export interface CustomRule {
  /** Rule name, used in `otelhouse.redaction.rules` and the metrics. */
  name: string;
  /** JavaScript regular expression source, without slashes. */
  pattern: string;
  /** RegExp flags: any of `i`, `m`, `s`, `u`. */
  flags?: string;
  /** Capturing group to redact; 0 (the default) redacts the whole match. */
  group?: number;
  /** Method for this rule; the default is `placeholder`. */
  method?: RuleSetting;
  /** Placeholder text; the default is `[<name>]`. */
  placeholder?: string;
}

/** Compiles a custom rule. Throws on an invalid regex (config validation reports it first). */
export function customDetector(rule: CustomRule): Detector {
  const group = rule.group ?? 0;
  const re = new RegExp(rule.pattern, `g${rule.flags ?? ''}${group > 0 ? 'd' : ''}`);
  return {
    rule: rule.name as Detector['rule'],
    trigger: 0, // a custom regex cannot be prefiltered: it runs on every string
    find(s: string, out: Findings, tag: number) {
      scan(re, s, (m) => {
        const span = group > 0 ? m.indices?.[group] : [m.index, m.index + m[0].length];
        if (span && span[1] > span[0]) out.push(span[0], span[1], tag);
        return true;
      });
    },
    mask: (text) => maskAllButLast(text, 0),
  };
}

/** Why a custom rule's pattern is unusable, or null. */
export function customPatternError(rule: Pick<CustomRule, 'pattern' | 'flags' | 'group'>): string | null {
  let re: RegExp;
  try {
    re = new RegExp(rule.pattern, rule.flags ?? '');
  } catch (err) {
    return `must be a valid regular expression (${(err as Error).message})`;
  }
  if (re.test('')) return 'must not match the empty string';
  const groups = new RegExp(`${rule.pattern}|`, rule.flags ?? '').exec('')!.length - 1;
  if ((rule.group ?? 0) > groups) return `has no capturing group ${rule.group}`;
  return null;
}
