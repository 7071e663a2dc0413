import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../errors.ts';
import { buildProcessors } from '../registry.ts';
import { redactionConfigSchema } from './config.ts';

const build = (options: Record<string, unknown>) => () => buildProcessors([{ type: 'redaction', ...options }]);

describe('the redaction config', () => {
  it('defaults to every built-in rule with placeholders, the default denylist, nothing allowed', () => {
    expect(redactionConfigSchema.parse({})).toEqual({
      rules: {},
      defaultMethod: 'placeholder',
      allowKeys: [],
      allowValues: [],
      denyKeys: [],
      defaultDenyKeys: true,
      customRules: [],
      keyRules: [],
      scanNumbers: false,
      summary: 'full',
    });
    expect(buildProcessors([{ type: 'redaction' }])[0].name).toBe('redaction');
  });

  it('requires hashSecret when a rule hashes, naming the field and the rule', () => {
    expect(build({ rules: { email: 'hash' } })).toThrow(ConfigError);
    expect(build({ rules: { email: 'hash' } })).toThrow('processors[0].hashSecret = missing: required because rules.email uses the hash method');
    expect(build({ defaultMethod: 'hash' })).toThrow('processors[0].hashSecret = missing: required because defaultMethod uses the hash method');
    expect(build({ customRules: [{ name: 'x', pattern: 'x', method: 'hash' }] })).toThrow('required because customRules[0] uses the hash method');
  });

  it('rejects a short hashSecret without printing it', () => {
    const attempt = build({ rules: { email: 'hash' }, hashSecret: 'hunter2' });
    expect(attempt).toThrow('processors[0].hashSecret.length = 7: must be at least 32 characters');
    expect(attempt).not.toThrow(/hunter2/);
  });

  it('rejects unknown rules, methods and options', () => {
    expect(build({ rules: { emial: 'mask' } })).toThrow(/processors\[0\]\.rules = .*Unrecognized key: "emial"/);
    expect(build({ rules: { email: 'blur' } })).toThrow(/processors\[0\]\.rules\.email = "blur": Invalid option/);
    expect(build({ defaultMethod: 'nope' })).toThrow(/processors\[0\]\.defaultMethod = "nope"/);
    expect(build({ sumary: 'off' })).toThrow(/Unrecognized key: "sumary"/);
    expect(build({ summary: 'loud' })).toThrow(/processors\[0\]\.summary = "loud"/);
  });

  it('validates custom rules at start: regex, flags, group, empty matches and names', () => {
    expect(build({ customRules: [{ name: 'x', pattern: '(unclosed' }] })).toThrow(/processors\[0\]\.customRules\.0\.pattern = "\(unclosed": must be a valid regular expression/);
    expect(build({ customRules: [{ name: 'x', pattern: 'a*' }] })).toThrow(/customRules\.0\.pattern = "a\*": must not match the empty string/);
    expect(build({ customRules: [{ name: 'x', pattern: 'a(b)', group: 2 }] })).toThrow(/customRules\.0\.pattern = "a\(b\)": has no capturing group 2/);
    expect(build({ customRules: [{ name: 'x', pattern: 'a', flags: 'g' }] })).toThrow(/customRules\.0\.flags = "g"/);
    expect(build({ customRules: [{ name: 'email', pattern: 'a' }] })).toThrow(/customRules\.0\.name = "email": must differ/);
    expect(build({ customRules: [{ name: 'a', pattern: 'a' }, { name: 'a', pattern: 'b' }] })).toThrow(/customRules\.1\.name = "a": must differ/);
    expect(build({ customRules: [{ name: 'Bad Name', pattern: 'a' }] })).toThrow(/customRules\.0\.name = "Bad Name": must be a lowercase identifier/);
  });

  it('validates regex entries of the allow-lists and the denylist', () => {
    expect(build({ allowValues: ['/(/'] })).toThrow(/processors\[0\]\.allowValues\.0 = "\/\(\/": must be a valid regular expression/);
    expect(build({ allowKeys: ['/[/'] })).toThrow(/processors\[0\]\.allowKeys\.0/);
    expect(build({ denyKeys: ['/)/'] })).toThrow(/processors\[0\]\.denyKeys\.0/);
    expect(build({ allowKeys: ['exact.key', '/^debug\\./i'], denyKeys: ['pin'] })).not.toThrow();
  });
});
