/**
 * The prefilter path by path: each text holds one secret whose rule needs a bit that only one
 * branch of `features` can set (the filler around it sets none), so a branch that fails to set its
 * bit loses that redaction. Each case checks the secret is real (the rule fires with the prefilter
 * off), that the bit is set, and that the output is the same with the prefilter on and off.
 */
import { describe, expect, it } from 'vitest';
import { redactionConfigSchema } from '../config.ts';
import { AT, AWS, CARD_DIGITS, COLONS, DASHES, DOTTED, EYJ, GITHUB, IBAN_START, PAIR, PHONE_DIGITS, PROVIDER, SCHEME, SLACK, SSN_DIGITS, STRIPE, features } from './features.ts';
import { Redactor } from './redactor.ts';

/** Letters that start no prefix and make no bit. */
const quiet = (n: number) => 'cdfghijmnpqtuvwyz'.repeat(10).slice(0, n);
const HEX31 = '0123456789abcdef0123456789abcde';
const HEX36 = '0123456789abcdef0123456789abcdef0123';

// [text, the bits its rule needs, the rules that fire without the prefilter]
const CASES: [string, number, string[]][] = [
  // Twilio: 'SK' and a hex digit, every one of them (the '0'..'9', 'a'..'f' and 'A'..'F' bounds).
  ...[...'0123456789abcdefABCDEF'].map((h): [string, number, string[]] => [`twilio SK${h}${HEX31} ok`, PROVIDER, ['twilio_key']]),
  [`twilio SK${HEX31}f`, PROVIDER, ['twilio_key']],
  // The 'A' branches: an 'A' starting an AWS-like run must not hide a provider's 'A'.
  [`google AIza${quiet(35)} ok`, PROVIDER, ['google_api_key']],
  [`google AIzaA${quiet(34)} ok`, PROVIDER, ['google_api_key']],
  [`square EAAA${quiet(60)} ok`, PROVIDER, ['square_token']],
  [`square EAAAA${quiet(59)} ok`, PROVIDER, ['square_token']],
  [`square EAAAAIA${quiet(57)} ok`, PROVIDER, ['square_token']],
  [`newrelic ${HEX36}NRAL ok`, PROVIDER, ['newrelic_key']],
  [`newrelic ${HEX36}NRAL A`, PROVIDER, ['newrelic_key']],
  [`newrelic ${HEX36}NRAL`, PROVIDER, ['newrelic_key']],
  [`newrelic NRAK-A${quiet(20)} ok`, PROVIDER, ['newrelic_key']],
  ['key AKIAIOSFODNN7EXAMPLE ok', AWS, ['aws_access_key']],
  ['key ASIAIOSFODNN7EXAMPLE ok', AWS, ['aws_access_key']],
  ['key ABIAIOSFODNN7EXAMPLE ok', AWS, ['aws_access_key']],
  ['key ACCAIOSFODNN7EXAMPLE ok', AWS, ['aws_access_key']],
  ['AKIAIOSFODNN7EXAMPLE', AWS, ['aws_access_key']],
  // An IBAN right after digits and ':' or '=' (those end the digit run, so its start is seen).
  ['iban 1:BA391290079401028494 ok', IBAN_START, ['iban']],
  ['iban 1=BA391290079401028494 ok', IBAN_START, ['iban']],
  ['BA391290079401028494', IBAN_START, ['iban']],
  // Google refresh tokens and Telegram bot tokens, plain and percent-encoded, at the start or not.
  [`refresh 1%2F%2F0${quiet(40)} ok`, PROVIDER, ['google_oauth_token']],
  [`1%2F%2F0${quiet(40)}`, PROVIDER, ['google_oauth_token']],
  [`refresh 1//0${quiet(40)} ok`, PROVIDER, ['google_oauth_token']],
  [`1//0${quiet(40)}`, PROVIDER, ['google_oauth_token']],
  [`x ya29.${quiet(30)}`, PROVIDER, ['google_oauth_token']],
  [`telegram 123456789%3AAA${quiet(33)} ok`, PROVIDER, ['telegram_token']],
  [`telegram 123456789:AA${quiet(33)} ok`, PROVIDER | PAIR, ['telegram_token']],
  [`session IQoJb3JpZ2luX2Vj${quiet(120)} ok`, PROVIDER, ['aws_session_token']],
  [`azure cdf8Q~${quiet(32)} ok`, PROVIDER, ['azure_client_secret']],
  [`https://discord.com/api/webhooks/123456789012345678/${quiet(68)} ok`, PROVIDER, ['discord_token']],
  [`://discord.com/api/webhooks/123456789012345678/${quiet(68)}`, PROVIDER, ['discord_token']],
  // A JWT at the very start, whose payload is no 'eyJ'.
  [`eyJhbGciOiJIUzI1NiJ9.${quiet(20)}.${quiet(20)}`, EYJ, ['jwt']],
  [`jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.${quiet(20)} ok`, EYJ, ['jwt']],
  // Stripe and GitHub prefixes ending at '_'.
  [`whsec_${quiet(32)}`, STRIPE, ['stripe_key']],
  [`hook whsec_${quiet(32)} ok`, STRIPE, ['stripe_key']],
  [`sk_live_${quiet(20)} ok`, STRIPE, ['stripe_key']],
  [`rk_test_${quiet(20)} ok`, STRIPE, ['stripe_key']],
  [`github_pat_11${quiet(40)} ok`, GITHUB, ['github_token']],
  // Slack.
  [`xoxb-123456789012-${quiet(20)} ok`, SLACK, ['slack_token']],
  [`xapp-1-A${quiet(10)}-1234567890123-${HEX31}0 ok`, SLACK, ['slack_token']],
  [`https://hooks.slack.com/services/T00000000/B00000000/${quiet(24)} ok`, SLACK, ['slack_token']],
  // The rest of the bits.
  [`url https://u:p${quiet(3)}@host.example ok`, AT | SCHEME, ['url_credentials']],
  ['mail jane%40example.com ok', AT, ['email']],
  ['x%40example.com', AT, ['email']],
  [`-----BEGIN PRIVATE KEY-----\n${quiet(40)}`, DASHES, ['private_key']],
  ['-----BEGIN RSA PRIVATE KEY-----', DASHES, ['private_key']],
  ['ssn 123-45-6789 ok', SSN_DIGITS, ['ssn']],
  // After 8 digits and '--' (the detector accepts it: no digit touches the '-' before it), the count is past 9 at the SSN's dashes.
  ['12345678--123-45-6789', SSN_DIGITS, ['ssn']],
  ['ref 12345678--123-45-6789 ok', SSN_DIGITS, ['ssn']],
  ['card 4242 4242 4242 4242 ok', CARD_DIGITS, ['card']],
  ['call 415-555-2671 ok', PHONE_DIGITS, ['phone']],
  ['call +44 20 7946 0958 ok', PHONE_DIGITS, ['phone']],
  ['ip 10.1.2.3 ok', DOTTED, ['ip']],
  ['v1. 10.0.0.1', DOTTED, ['ip']],
  ['a1.(10.0.0.1)', DOTTED, ['ip']],
  ['ip fe80::1 ok', COLONS, ['ip']],
];

describe('the prefilter, one detector path at a time', () => {
  it.each(CASES)('%j sets the bits its rule needs and redacts as without the prefilter', (text, bits, rules) => {
    // Fresh redactors: nothing remembered from another test run.
    const options = redactionConfigSchema.parse({});
    const withPrefilter = new Redactor(options);
    const withoutPrefilter = new Redactor(options, { prefilter: false });
    const a = withPrefilter.tally();
    const b = withoutPrefilter.tally();
    const expected = withoutPrefilter.text(text, b);
    expect(b.rules()).toEqual(rules);
    expect(expected).not.toBe(text);
    expect(features(text) & bits).toBe(bits);
    expect(withPrefilter.text(text, a)).toBe(expected);
    expect(a.rules()).toEqual(rules);
  });
});
