import { describe, expect, it } from 'vitest';

import type { Frame } from '../types.ts';
import { formatV8Frame, formatV8Stack, stackHeader } from './format.ts';

const frame = (overrides: Partial<Frame>): Frame => ({ function: 'f', module: '', file: 'src/a.ts', line: 3, column: 7, inApp: true, ...overrides });

describe('V8 stack text', () => {
  it.each([
    [frame({}), '    at f (src/a.ts:3:7)'],
    [frame({ function: '' }), '    at src/a.ts:3:7'],
    [frame({ column: 0 }), '    at f (src/a.ts:3)'],
    [frame({ line: 0, column: 0 }), '    at f (src/a.ts)'],
    [frame({ file: '', line: 0, column: 0 }), '    at f (<anonymous>)'],
  ])('%j is printed as %s', (f, text) => {
    expect(formatV8Frame(f)).toBe(text);
  });

  it('prints the header, then the frame that threw first', () => {
    const frames = [frame({ function: 'main', line: 1 }), frame({ function: 'thrower', line: 9 })];
    expect(formatV8Stack('Error: boom', frames)).toBe('Error: boom\n    at thrower (src/a.ts:9:7)\n    at main (src/a.ts:1:7)');
  });

  it.each([
    ['a V8 stack', 'TypeError: x is undefined\n    at a (app.js:1:2)\n    at b (app.js:3:4)', 'TypeError: x is undefined'],
    ['a multi-line message', 'Error: first\nsecond line\n    at a (app.js:1:2)', 'Error: first\nsecond line'],
    ['a Firefox stack', 'TypeError: x is undefined\na@https://cdn.example.com/app.js:1:2\n@https://cdn.example.com/app.js:3:4', 'TypeError: x is undefined'],
    ['a header alone', 'Error: no frames', 'Error: no frames'],
  ])('keeps the header of %s', (_, stack, header) => {
    expect(stackHeader(stack)).toBe(header);
  });
});
