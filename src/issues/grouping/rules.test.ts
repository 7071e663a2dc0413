import { describe, expect, it } from 'vitest';
import { compileFingerprintRules, fingerprintRulesSchema, matchRule, type RuleSubject } from './rules.ts';

const subject = (over: Partial<RuleSubject> = {}): RuleSubject => ({
  service: 'checkout',
  exceptions: [
    { type: 'com.acme.PaymentException', message: 'Card declined for order 4521' },
    { type: 'java.net.SocketTimeoutException', message: 'Read timed out' },
  ],
  frames: [
    { function: 'charge', module: 'com.acme.PaymentService', file: 'PaymentService.java' },
    { function: 'post', module: 'com.acme.GatewayClient', file: 'GatewayClient.java' },
  ],
  ...over,
});

const compile = (rules: unknown) => compileFingerprintRules(fingerprintRulesSchema.parse(rules));

describe('fingerprint rules', () => {
  it('defaults to no rules', () => {
    expect(fingerprintRulesSchema.parse(undefined)).toEqual([]);
  });

  it.each([
    [[{ match: { type: '(' }, fingerprint: ['x'] }], ['0', 'match', 'type']],
    [[{ match: {}, fingerprint: ['x'] }], ['0', 'match']],
    [[{ match: { type: 'X' }, fingerprint: [] }], ['0', 'fingerprint']],
    [[{ match: { type: 'X', level: 'error' }, fingerprint: ['x'] }], ['0', 'match']],
  ])('rejects %j, naming the field', (rules, path) => {
    const result = fingerprintRulesSchema.safeParse(rules);
    expect(result.success).toBe(false);
    expect(result.error!.issues[0].path.map(String)).toEqual(path);
  });

  it('says why a regular expression is invalid', () => {
    const result = fingerprintRulesSchema.safeParse([{ match: { function: '[' }, fingerprint: ['x'] }]);
    expect(result.error!.issues[0].message).toMatch(/^must be a valid regular expression \(.+\)$/);
  });

  it.each([
    ['type', { type: 'OutOfMemory' }],
    ['message', { message: 'disk full' }],
    ['module', { module: 'Inventory' }],
    ['function', { function: '^refund$' }],
    ['file', { file: 'Refund' }],
  ])('does not match when the %s matcher alone matches nothing', (_name, match) => {
    expect(matchRule(compile([{ match, fingerprint: ['x'] }]), subject())).toBeUndefined();
  });

  it('matches a rule without frame matchers on an event without frames', () => {
    expect(matchRule(compile([{ match: { type: 'Payment' }, fingerprint: ['x'] }]), subject({ frames: [] }))?.fingerprint).toEqual(['x']);
  });

  it('matches type and message against any exception of the chain, the message case-insensitively', () => {
    const rules = compile([{ match: { type: 'SocketTimeout', message: '^card declined' }, fingerprint: ['gateway-timeout'] }]);
    expect(matchRule(rules, subject())?.fingerprint).toEqual(['gateway-timeout']);
  });

  it('needs every given matcher to match', () => {
    const rules = compile([{ match: { type: 'SocketTimeout', service: '^billing$' }, fingerprint: ['x'] }]);
    expect(matchRule(rules, subject())).toBeUndefined();
    expect(matchRule(rules, subject({ service: 'billing' }))).toBeDefined();
  });

  it('needs the frame matchers to match the same frame', () => {
    const same = compile([{ match: { module: 'GatewayClient', function: '^post$' }, fingerprint: ['x'] }]);
    const split = compile([{ match: { module: 'GatewayClient', function: '^charge$' }, fingerprint: ['x'] }]);
    expect(matchRule(same, subject())).toBeDefined();
    expect(matchRule(split, subject())).toBeUndefined();
  });

  it('picks the first matching rule', () => {
    const rules = compile([
      { match: { service: 'nothing' }, fingerprint: ['a'] },
      { match: { file: 'Gateway' }, fingerprint: ['b'] },
      { match: { type: 'Payment' }, fingerprint: ['c'] },
    ]);
    expect(matchRule(rules, subject())?.fingerprint).toEqual(['b']);
  });
});
