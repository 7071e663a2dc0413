import { describe, expect, it } from 'vitest';
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
  const timed = (text: string) => {
    const start = performance.now();
    const trace = parseStackTrace(text);
    return { trace, ms: performance.now() - start };
  };

  it('keeps the first and last frames of a 100 000-frame trace, in bounded time', () => {
    const lines = ['RangeError: Maximum call stack size exceeded'];
    for (let i = 0; i < 100_000; i++) lines.push(`    at fn${i} (/app/src/recurse.js:${i + 1}:7)`);
    const { trace, ms } = timed(lines.join('\n'));
    expect(trace!.frames).toHaveLength(MAX_FRAMES);
    expect(trace!.frames[MAX_FRAMES - 1].function).toBe('fn0'); // the throw site
    expect(trace!.frames[0].function).toBe('fn99999'); // the entry point
    expect(ms).toBeLessThan(2_000);
  });

  it('caps a cause chain', () => {
    const blocks = ['java.lang.RuntimeException: top', '\tat com.acme.A.a(A.java:1)'];
    for (let i = 0; i < 5_000; i++) blocks.push(`Caused by: java.lang.RuntimeException: level ${i}`, '\tat com.acme.A.a(A.java:1)', '\t... 1 more');
    let depth = 0;
    for (let t = parseStackTrace(blocks.join('\n')); t; t = t.cause) depth++;
    expect(depth).toBe(MAX_CAUSES + 1);
  });

  it.each([
    ['a 10 MB line', 'a'.repeat(10_000_000)],
    ['an unclosed V8 frame', `    at ${'('.repeat(200_000)}`],
    ['colon-digit runs', `    at x (${':1'.repeat(500_000)}`],
    ['at-signs', '@'.repeat(1_000_000)],
    ['an unterminated Python frame', `  File "${'x'.repeat(1_000_000)}`],
    ['a Go file line of offsets', `main.f()\n\t${':1 +0x1'.repeat(200_000)}`],
    ['spaces in .NET parentheses', `   at A.b(${' '.repeat(500_000)}`],
    ['100 000 short lines of junk', 'at (x:\n'.repeat(100_000)],
    ['100 000 Caused by lines', 'Caused by: x\n'.repeat(100_000)],
    ['100 000 .NET separators', '--- End of inner exception stack trace ---\n'.repeat(100_000)],
  ])('parses %s without throwing, in linear time', (_name, text) => {
    const { ms } = timed(text);
    expect(ms).toBeLessThan(2_000);
  });
});
