import { describe, expect, it } from 'vitest';
import { hostileTraces } from '../fixtures/hostile.ts';
import { MAX_CAUSES, MAX_FRAMES } from './common.ts';
import { parseStackTrace } from './index.ts';
import { SAMPLES } from './fixtures/traces.ts';

describe('format detection', () => {
  it.each([
    ['node', 'node'],
    ['chrome', 'javascript'],
    ['firefox', 'javascript'],
    ['safari', 'javascript'],
    ['python', 'python'],
    ['java', 'java'],
    ['go', 'go'],
    ['dotnet', 'dotnet'],
  ] as const)('detects the %s sample as %s', (sample, platform) => {
    expect(parseStackTrace(SAMPLES[sample])?.platform).toBe(platform);
  });

  it('lets the hinted platform decide between browser and Node.js', () => {
    expect(parseStackTrace(SAMPLES.node, { platform: 'javascript' })?.platform).toBe('javascript');
    expect(parseStackTrace(SAMPLES.chrome, { platform: 'node' })?.platform).toBe('node');
  });

  it('keeps the header type and message over the hint, and uses the hint when there is none', () => {
    expect(parseStackTrace(SAMPLES.java, { type: 'X', message: 'y' })).toMatchObject({ type: 'java.lang.IllegalStateException', message: 'Payment failed for order 4521' });
    expect(parseStackTrace(SAMPLES.firefox, { type: 'TypeError', message: 'boom' })).toMatchObject({ type: 'TypeError', message: 'boom' });
  });

  it.each([
    ['an empty string', ''],
    ['a plain message', 'Something went wrong with order 4521'],
    ['a header without frames', 'TypeError: x is not a function'],
    ['blank lines', '\n\n\r\n'],
    ['binary junk', '\u0000\u0001\uffff@:1:2\u0000'],
  ])('returns undefined for %s', (_name, text) => {
    expect(parseStackTrace(text)).toBeUndefined();
  });

  it('returns undefined rather than throwing on a value that is not a string', () => {
    expect(parseStackTrace(42 as unknown as string)).toBeUndefined();
    expect(parseStackTrace(null as unknown as string)).toBeUndefined();
  });
});

describe('hostile input', () => {
  it('keeps the first and last frames of a 100 000-frame trace', () => {
    const trace = parseStackTrace(hostileTraces[0]![1](1));
    expect(trace!.frames).toHaveLength(MAX_FRAMES);
    expect(trace!.frames[MAX_FRAMES - 1].function).toBe('fn0'); // the throw site
    expect(trace!.frames[0].function).toBe('fn99999'); // the entry point
  });

  it('caps a cause chain', () => {
    const blocks = ['java.lang.RuntimeException: top', '\tat com.acme.A.a(A.java:1)'];
    for (let i = 0; i < 5_000; i++) blocks.push(`Caused by: java.lang.RuntimeException: level ${i}`, '\tat com.acme.A.a(A.java:1)', '\t... 1 more');
    let depth = 0;
    for (let t = parseStackTrace(blocks.join('\n')); t; t = t.cause) depth++;
    expect(depth).toBe(MAX_CAUSES + 1);
  });

  // That each grows linearly with its size is measured by `npm run bench` (phase `hostile`), not timed here.
  it.each(hostileTraces)('parses %s without throwing, within its bounds', (_name, make) => {
    const trace = parseStackTrace(make(1));
    let depth = 0;
    for (let t = trace; t; t = t.cause) {
      expect(t.frames.length).toBeLessThanOrEqual(MAX_FRAMES);
      depth++;
    }
    expect(depth).toBeLessThanOrEqual(MAX_CAUSES + 1);
  });
});
