import { describe, expect, it } from 'vitest';
import { redactionConfigSchema } from './config.ts';
import { Redactor } from './engine/index.ts';
import { corpus } from './fixtures/corpus.ts';

const redactor = new Redactor(redactionConfigSchema.parse({}));

describe('the detector corpus with the default rules', () => {
  it('holds at least 200 cases, positive and negative', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(200);
    expect(corpus.filter((c) => c.expected === null).length).toBeGreaterThanOrEqual(80);
    expect(corpus.filter((c) => c.expected !== null).length).toBeGreaterThanOrEqual(100);
  });

  it.each(corpus.map((c) => [c.text, c.expected ?? 'unchanged', c.rules.join(',') || '-', c] as const))(
    '%j → %j (%s)',
    (_text, _expected, _rules, c) => {
      const tally = redactor.tally();
      const out = redactor.text(c.text, tally);
      if (c.expected === null) expect(out).toBe(c.text);
      else expect(out).toBe(c.expected);
      expect(tally.rules()).toEqual(c.rules);
    },
  );
});
