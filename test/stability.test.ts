/**
 * Values promised to stay the same across processes and versions (issue 19, point 1), pinned.
 * Each is stored or sent somewhere that outlives the process: an issue's fingerprint keys its row
 * and its history, a rollout position decides who is in a partial rollout, a sampling threshold
 * travels in `tracestate` to other tiers, a batch id's ledger key and a segment's insert token are
 * on disk across restarts, an HMAC pseudonym stands for a person in stored rows. A change to any of
 * them fails here with what an upgrade would break; if the change is meant, it needs a migration.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { rolloutPosition } from '../src/control/policies/targeting.ts';
import { insertToken } from '../src/exporters/wal/segments.ts';
import { fingerprint } from '../src/issues/grouping/fingerprint.ts';
import { corpus } from '../src/issues/grouping/fixtures/corpus.ts';
import { parseStackTrace } from '../src/issues/stacktrace/index.ts';
import { redactionConfigSchema } from '../src/processors/redaction/config.ts';
import { hmacHasher } from '../src/processors/redaction/engine/hmac.ts';
import { Redactor } from '../src/processors/redaction/engine/index.ts';
import { probabilityToTh } from '../src/processors/sampling/threshold.ts';
import { BatchLedger } from '../src/receiver/protection/batchLedger.ts';
import { tempDataDir } from './support/gateway.ts';

/** One event per stack parser (and one without a trace), from the grouping corpus, by group and variant. */
const FINGERPRINTS: Array<[group: string, variant: string, parser: string, fingerprint: string]> = [
  ['web-cart-map', 'Chrome, release 1', 'V8 (Chrome)', 'df373c1d3a922149f452e49af9e825b2'],
  ['web-cart-map', 'Firefox, release 2', 'Firefox', 'df373c1d3a922149f452e49af9e825b2'],
  ['api-order-place', 'release 2024-03-05', 'V8 (Node)', 'bc207ed661913414c03b4f92b419f171'],
  ['py-order-missing', 'release 2024.03.05, Python 3.11', 'Python', 'd9dce1f9d42b9f9eb494abc0242bb6b8'],
  ['java-payment-timeout', 'build 1', 'Java', 'ea1588940294afce00287fe7d35238ef'],
  ['go-nil-reserve', 'CI build, goroutine 42', 'Go', 'd3c9dc8ab061ba2baa774538a396af19'],
  ['net-ship-refused', 'build 1', '.NET', 'f7a6c8ac438e8e67310c13d604ca26f4'],
  ['msg-query-timeout', 'request 7f3c…, 30 s', 'none (message only)', '5f11ffe3b0ec1e8a6f3034cecee4fd2e'],
];

describe('stable across versions', () => {
  it.each(FINGERPRINTS)('the fingerprint of %s (%s), parsed as %s', (group, variant, parser, expected) => {
    const e = corpus.find((c) => c.group === group && c.variant === variant);
    expect(e, `corpus event ${group} / ${variant}`).toBeDefined();
    const stack = e!.stacktrace ? parseStackTrace(e!.stacktrace, { platform: e!.platform, type: e!.type, message: e!.message }) : undefined;
    const got = fingerprint({ service: e!.service, type: e!.type, message: e!.message, stack }).fingerprint;
    expect(got, `the ${parser} fingerprint changed: after an upgrade every stored issue of this kind would be re-keyed (a new issue, its history and status left behind) unless the fingerprints are migrated`).toBe(expected);
  });

  it('rollout positions', () => {
    const positions = [['pol_checkout', 'inst-1'], ['pol_checkout', 'inst-2'], ['pol_a', 'user-42'], ['pol_b', 'device-Ω'], ['p', '']].map(([p, k]) => rolloutPosition(p!, k!));
    expect(positions, 'rollout positions changed: after an upgrade every partial rollout would be reshuffled (clients in a 10 % rollout leave it, others join)')
      .toEqual([34.41715722437948, 30.77260199934244, 26.4805031940341, 60.51478951703757, 71.36397066060454]);
  });

  it('sampling thresholds (OTEP 235), as sent in tracestate', () => {
    const table = [1, 0.5, 0.25, 0.1, 0.01, 1 / 3, 0.001].map((p) => [probabilityToTh(p, 4), probabilityToTh(p, 14)]);
    expect(table, 'the th values sent in tracestate changed: other tiers and stored SampleRate weights would disagree with what this version decides').toEqual([
      ['0', '0'], ['8', '8'], ['c', 'c'], ['e666', 'e66666666666'], ['fd70a', 'fd70a3d70a3d'], ['aaab', 'aaaaaaaaaaab'], ['ffbe77', 'ffbe76c8b439'],
    ]);
  });

  it('HMAC pseudonyms of a fixed secret, and the canonical form they are taken of', () => {
    const secret = 'golden-secret-of-at-least-32-characters!';
    const hash = hmacHasher(secret);
    const why = 'the hash method\'s pseudonyms changed: after an upgrade one person would be two (stored rows no longer correlate, erasure by subject misses the old form)';
    expect(['jane.doe@example.com', 'u-42', '4242424242424242', ''].map(hash), why).toEqual([
      'hmac:ebd989dc9a305c7feba0144ae2d9766f', 'hmac:07622c97f4ea9f3735e7742908626f30', 'hmac:68a7d028a43daab2d7e5e06a25b29fde', 'hmac:b1b1c06ee3088a8b921d71bb2319df40',
    ]);
    // The same, by the definition: the first 16 bytes of HMAC-SHA256, in hex.
    expect(hash('u-42')).toBe(`hmac:${createHmac('sha256', secret).update('u-42').digest('hex').slice(0, 32)}`);
    // Spellings of one email, one card are hashed in one canonical form.
    const redactor = new Redactor(redactionConfigSchema.parse({ rules: { email: 'hash', card: 'hash' }, hashSecret: secret }), { hmac: hmacHasher });
    const tally = redactor.tally();
    expect([redactor.text('Jane.Doe@Example.COM', tally), redactor.text('jane.doe%40example.com', tally), redactor.text('4242 4242 4242 4242', tally)], why)
      .toEqual(['hmac:ebd989dc9a305c7feba0144ae2d9766f', 'hmac:ebd989dc9a305c7feba0144ae2d9766f', 'hmac:68a7d028a43daab2d7e5e06a25b29fde']);
  });

  it('batch ids\' ledger keys and the write-ahead log\'s insert tokens', async () => {
    const data = tempDataDir();
    try {
      const ledger = await BatchLedger.open({ dir: data.dir, retentionMs: 3_600_000, maxEntries: 10 });
      expect([ledger.key('logs', '', 'b-0001-abcdef'), ledger.key('traces', 'web', 'b-0001-abcdef')].map((k) => k.toString('base64')),
        'batch ledger keys changed: after an upgrade a batch resent by an SDK would be stored twice (the ledger on disk holds the old keys)')
        .toEqual(['ID/6pqUnZHpXY1UxlaFleA==', 'S5jO20iHcHCQfCi6PYuw4g==']);
      await ledger.close();
    } finally {
      data.remove();
    }
    expect(insertToken('otel_traces', { name: '000000000042-0123456789abcdef.wal' }),
      'insert tokens changed: a segment inserted before an upgrade and retried after it would be stored twice (ClickHouse deduplicates by the token)')
      .toBe('otelhouse-wal-otel_traces-000000000042-0123456789abcdef');
  });
});
