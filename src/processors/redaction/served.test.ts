import { describe, expect, it } from 'vitest';
import { clientRedactionSchema, servedRedaction } from './served.ts';

const SECRET = 'k'.repeat(40);
const parse = (v: unknown) => clientRedactionSchema.parse(v);

describe('the redaction rules served to SDKs', () => {
  it("serve the chain's first redaction processor, hashing turned into placeholders and the secret left out", () => {
    const chain = [
      { type: 'filter' },
      { type: 'redaction', name: 'pii', rules: { email: 'hash', ip: 'off' }, hashSecret: SECRET, allowKeys: ['support.email'], customRules: [{ name: 'order', pattern: 'ORD-\\d+', method: 'hash' }] },
      { type: 'redaction', name: 'second', defaultMethod: 'off' },
    ];
    const served = servedRedaction(parse(undefined), chain)!;
    expect(JSON.stringify(served)).not.toContain(SECRET);
    expect(served).not.toHaveProperty('hashSecret');
    expect(served.rules).toEqual({ email: 'placeholder', ip: 'off' });
    expect(served.defaultMethod).toBe('placeholder');
    expect(served.allowKeys).toEqual(['support.email']);
    expect(served.customRules).toEqual([{ name: 'order', pattern: 'ORD-\\d+', method: 'placeholder' }]);
  });

  it('serve every rule when the chain redacts nothing, so clients stay safe with gateway redaction off', () => {
    const served = servedRedaction(parse('pipeline'), [{ type: 'sampling' }])!;
    expect(served).toMatchObject({ rules: {}, defaultMethod: 'placeholder', defaultDenyKeys: true, customRules: [] });
  });

  it('serve the options given, or nothing when turned off', () => {
    expect(servedRedaction(parse({ defaultMethod: 'hash', hashSecret: SECRET, rules: { card: 'mask' } }), [])).toMatchObject({ defaultMethod: 'placeholder', rules: { card: 'mask' } });
    expect(servedRedaction(parse(false), [{ type: 'redaction' }])).toBeNull();
    expect(() => parse({ rules: { nosuch: 'mask' } })).toThrow();
  });
});
