import { describe, expect, it } from 'vitest';
import { parseStackTrace } from '../stacktrace/index.ts';
import { fingerprint } from './fingerprint.ts';
import { corpus, type CorpusEvent } from './fixtures/corpus.ts';

function group(e: CorpusEvent) {
  const stack = e.stacktrace === '' ? undefined : parseStackTrace(e.stacktrace, { platform: e.platform, type: e.type, message: e.message });
  return { stack, result: fingerprint({ service: e.service, type: e.type, message: e.message, stack }) };
}

const grouped = corpus.map((e) => ({ event: e, ...group(e) }));

/** Pairwise precision and recall of the fingerprints against the expected groups. */
function pairwise() {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  const mistakes: string[] = [];
  for (let i = 0; i < grouped.length; i++) {
    for (let j = i + 1; j < grouped.length; j++) {
      const a = grouped[i];
      const b = grouped[j];
      const expected = a.event.group === b.event.group;
      const actual = a.result.fingerprint === b.result.fingerprint;
      if (expected && actual) tp++;
      else if (actual) fp++;
      else if (expected) fn++;
      if (expected !== actual) mistakes.push(`${expected ? 'split' : 'merged'}: ${a.event.group} (${a.event.variant}) / ${b.event.group} (${b.event.variant})`);
    }
  }
  return { precision: tp / (tp + fp), recall: tp / (tp + fn), tp, fp, fn, mistakes };
}

describe('the grouping corpus', () => {
  it('holds at least 60 realistic events across every trace format, with repeats and true negatives', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(60);
    const platforms = new Set(grouped.map((g) => g.stack?.platform ?? 'none'));
    expect([...platforms].sort()).toEqual(['dotnet', 'go', 'java', 'javascript', 'node', 'none', 'python']);
    const formats = new Set(corpus.map((e) => (/^\s*at /m.test(e.stacktrace) && e.platform === 'javascript' ? 'chrome' : /global code@/.test(e.stacktrace) ? 'safari' : /^\w*@https/m.test(e.stacktrace) ? 'firefox' : 'other')));
    expect(formats).toEqual(new Set(['chrome', 'firefox', 'safari', 'other']));
    const sizes = new Map<string, number>();
    for (const e of corpus) sizes.set(e.group, (sizes.get(e.group) ?? 0) + 1);
    expect([...sizes.values()].filter((n) => n > 1).length).toBeGreaterThanOrEqual(25);
  });

  it.each(grouped.map((g) => [g.event.group, g.event.variant, g] as const))('parses %s (%s) and groups it by its stack when it has one', (_group, _variant, g) => {
    if (g.event.stacktrace === '') {
      expect(g.result.method).toBe('message');
      return;
    }
    expect(g.stack?.frames.length).toBeGreaterThan(0);
    expect(['in_app', 'all_frames']).toContain(g.result.method);
    expect(g.result.components.some((c) => /:\d+\b|line \d+/.test(c.replace(/<int>|<hex>/g, '')))).toBe(false);
  });

  it('reaches pairwise precision and recall of at least 0.95', () => {
    const { precision, recall, tp, fp, fn, mistakes } = pairwise();
    console.log(
      `grouping corpus: ${corpus.length} events, ${new Set(corpus.map((e) => e.group)).size} groups; ` +
        `pairwise precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)} (tp ${tp}, fp ${fp}, fn ${fn})` +
        (mistakes.length > 0 ? `\n  ${mistakes.join('\n  ')}` : ''),
    );
    expect(precision).toBeGreaterThanOrEqual(0.95);
    expect(recall).toBeGreaterThanOrEqual(0.95);
  });
});
