import { describe, expect, it } from 'vitest';
import { redactionConfigSchema } from './config.ts';
import { BUILTIN_RULES, Redactor } from './engine/index.ts';
import { PROVIDER_DETECTORS } from './engine/providers.ts';
import { corpus } from './fixtures/corpus.ts';
import { providerCases, providerCorpus } from './fixtures/providers.ts';

const redactor = new Redactor(redactionConfigSchema.parse({}));

describe('the provider corpus with the default rules (issue 18)', () => {
  it('holds at least 150 credentials and 150 look-alikes', () => {
    expect(providerCorpus.secrets.length).toBeGreaterThanOrEqual(150);
    expect(providerCorpus.lookAlikes.length).toBeGreaterThanOrEqual(150);
  });

  it.each(providerCases.map((c) => [c.text.length > 90 ? `${c.text.slice(0, 90)}…` : c.text, c.rules.join(',') || 'unchanged', c] as const))(
    '%j → %s',
    (_text, _rules, c) => {
      const tally = redactor.tally();
      const out = redactor.text(c.text, tally);
      expect(out).toBe(c.expected ?? c.text);
      // The summary names the rule that fired.
      expect(tally.rules()).toEqual(c.rules);
    },
  );
});

describe('each built-in rule', () => {
  const fired = new Set(providerCases.flatMap((c) => c.rules));
  it.each(BUILTIN_RULES)('%s fires on a case of its own in the corpora (removing it fails them)', (rule) => {
    expect(fired.has(rule) || corpus.some((c) => c.rules.includes(rule))).toBe(true);
  });

  it.each(Object.keys(PROVIDER_DETECTORS).filter((rule) => rule !== 'aws_secret_key'))('%s: its mask keeps only the prefix naming the kind of key, and it can be turned off alone', (rule) => {
    const c = providerCases.find((x) => x.rules.length === 1 && x.rules[0] === rule && x.text === x.text.trim() && !x.text.includes(' '))!;
    expect(c, `a bare ${rule} case`).toBeDefined();
    const masked = new Redactor(redactionConfigSchema.parse({ rules: { [rule]: 'mask' } })).text(c.text, redactor.tally()) as string;
    expect(masked).toMatch(/\*\*\*\*$/);
    expect(masked.length).toBeLessThan(24);
    expect(c.text.startsWith(masked.slice(0, -4))).toBe(true);
    expect(new Redactor(redactionConfigSchema.parse({ rules: { [rule]: 'off' } })).text(c.text, redactor.tally())).toBe(c.text);
  });

  it('aws_secret_key masks the secret beside its key id, and only beside one', () => {
    const masking = new Redactor(redactionConfigSchema.parse({ rules: { aws_secret_key: 'mask', aws_access_key: 'off' } }));
    expect(masking.text('AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', redactor.tally())).toBe('AKIAIOSFODNN7EXAMPLE ****');
    expect(masking.text('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', redactor.tally())).toBe('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    const far = `AKIAIOSFODNN7EXAMPLE ${'x '.repeat(120)}wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY`;
    expect(masking.text(far, redactor.tally())).toBe(far);
  });
});
