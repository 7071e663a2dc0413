import { describe, expect, it } from 'vitest';
import { redactionConfigSchema } from '../config.ts';
import { corpus } from '../fixtures/corpus.ts';
import { providerCases } from '../fixtures/providers.ts';
import { AT, CARD_DIGITS, DOTTED, PHONE_DIGITS, features } from './features.ts';
import { Redactor } from './redactor.ts';

const options = redactionConfigSchema.parse({});
const withPrefilter = new Redactor(options);
const withoutPrefilter = new Redactor(options, { prefilter: false });

function same(text: string): void {
  const a = withPrefilter.tally();
  const b = withoutPrefilter.tally();
  const out = withPrefilter.text(text, a);
  expect({ text, out, rules: a.rules() }).toEqual({ text, out: withoutPrefilter.text(text, b), rules: b.rules() });
}

// Fragments that build near-misses and hits: digits in groups, separators, markers of every detector.
const FRAGMENTS = [
  '4242', '42', '4', '123', '45', '6789', '0', '1', '415', '555', '2671', '020', '7946', '+', '+1', '+44', '(', ')', ' ', '-', '.', '/', ':', '::', '=',
  '@', 'a', 'x', 'DE89', '3704', 'GB82', 'WEST', 'eyJ', 'hbGci', 'Bearer ', 'bearer', '-----BEGIN ', 'PRIVATE KEY', '-----', 'AKIA', 'IOSFODNN7EXAMPLE',
  'ghp_', 'sk_live_', 'xoxb-', 'AIza', 'npm_', 'glpat-', 'SG.', 'sk-proj-', 'hvs.', 'NRAK-', 'SK', 'Q~', ':AA', '1//0', '%2F%2F0', '%3AAA', 'IQoJ', 'EAAA', 'xapp-', 'dp.pt.', 'KEY-', 'MTIzNDU2Nzg5MDEyMzQ1Njc4', 'deadbeefdeadbeefdeadbeefdeadbeef', 'abcdef12', 'https://', 'u:p@', 'example.com', 'password', 'token', '"', "'", 'v', 'Chrome/', 'fe80', 'ffff', '10', '255', '%eth0', '_', 'é',
];

let seed = 12345;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;

describe('the prefilter', () => {
  it('sets the bits its detectors rely on', () => {
    expect(features('jane@example.com') & AT).toBe(AT);
    expect(features('4242 4242 4242 4242') & CARD_DIGITS).toBe(CARD_DIGITS);
    expect(features('call 415-555-2671') & PHONE_DIGITS).toBe(PHONE_DIGITS);
    expect(features('from 10.0.0.1') & DOTTED).toBe(DOTTED);
  });

  it('leaves typical clean values without a bit, so no detector runs on them', () => {
    for (const clean of ['GET', '/api/v1/orders/100234', 'shop.example.com', 'postgresql', 'OrderRepository.findItems', '7f3a9c1e-5b2d-4e8f-a1c3-9d7e5f3b1a2c', 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.61 Safari/537.36']) {
      expect([clean, features(clean)]).toEqual([clean, 0]);
    }
  });

  it('never changes a result on the corpora, alone or inside other text', () => {
    for (const { text } of [...corpus, ...providerCases]) {
      for (const [before, after] of [['', ''], ['x ', ' y'], ['(', ')'], ['a=', '&b'], ['"', '"'], ['v', ''], ['1.', '.2'], ['-', '-'], ['+', ''], ['//', '@']]) {
        same(before + text + after);
      }
    }
  });

  it('never changes a result on 20 000 random strings built from detector fragments', () => {
    for (let i = 0; i < 20_000; i++) {
      let text = '';
      const parts = 1 + Math.floor(random() * 12);
      for (let p = 0; p < parts; p++) text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)];
      same(text);
    }
  });
});
