import { describe, expect, it } from 'vitest';
import { parseStackTrace } from './index.ts';
import { SAMPLES } from './fixtures/traces.ts';

const frames = (text: string) => parseStackTrace(text)?.frames.map((f) => [f.function, f.file, f.line, f.column, f.inApp]);

describe('Firefox and Safari stack traces', () => {
  it('reads a Firefox trace oldest call first, keeping nested and async names as printed', () => {
    expect(parseStackTrace(SAMPLES.firefox)?.platform).toBe('javascript');
    expect(frames(SAMPLES.firefox)).toEqual([
      ['', 'https://shop.example.com/assets/index-BvQ3xk1a.js', 1, 99, true],
      ['submit', 'https://shop.example.com/assets/index-BvQ3xk1a.js', 50, 1, true],
      ['handleClick/<', 'https://shop.example.com/assets/index-BvQ3xk1a.js', 40, 12, true],
      ['CartList', 'https://shop.example.com/assets/index-BvQ3xk1a.js', 12, 3456, true],
    ]);
  });

  it('reads a Safari trace with native code and global code frames', () => {
    expect(frames(SAMPLES.safari)).toEqual([
      ['global code', 'https://shop.example.com/assets/index-BvQ3xk1a.js', 1, 99, true],
      ['map', '[native code]', 0, 0, false],
      ['CartList', 'https://shop.example.com/assets/index-BvQ3xk1a.js', 12, 3456, true],
    ]);
  });

  it('takes type and message from the hint, since error.stack has no header', () => {
    expect(parseStackTrace(SAMPLES.safari, { type: 'TypeError', message: "undefined is not an object (evaluating 'e.items.map')" })).toMatchObject({
      type: 'TypeError',
      message: "undefined is not an object (evaluating 'e.items.map')",
    });
  });

  it('reads a header line when a client prepends one', () => {
    expect(parseStackTrace(`RangeError: Maximum call stack size exceeded\n${SAMPLES.firefox}`)).toMatchObject({ type: 'RangeError', message: 'Maximum call stack size exceeded' });
  });

  it("gives eval'd code no file of its own, and marks extension frames not in-app", () => {
    const text = `run@https://shop.example.com/app.js line 12 > eval:1:5
inject@moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc/content.js:33:7
[native code]
start@https://shop.example.com/app.js:12:1`;
    expect(frames(text)).toEqual([
      ['start', 'https://shop.example.com/app.js', 12, 1, true],
      ['', '[native code]', 0, 0, false],
      ['inject', 'moz-extension://2c127fa4-62c7-7e4f-90e5-472b45eecfdc/content.js', 33, 7, false],
      ['run', 'https://shop.example.com/app.js', 0, 0, true],
    ]);
  });
});
