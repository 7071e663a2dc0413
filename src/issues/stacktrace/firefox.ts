/**
 * Firefox (SpiderMonkey) and Safari (JavaScriptCore) stack traces: `fn@url:line:col` lines,
 * innermost first, with no header (`error.stack` carries none; a `Type: message` first line is
 * read when a client prepends one). The two engines share the shape, so one parser reads both;
 * what differs is only what each writes where a name or a location is missing:
 *
 * - Firefox: `@url…` for anonymous functions, `outer/<` and `outer/inner` for nested ones,
 *   `async*fn@…` at async boundaries, `url line 12 > eval:1:5` for eval'd code.
 * - Safari: `global code@…`, `module code@…`, `eval code@…`, and `fn@[native code]` (or a bare
 *   `[native code]`) for built-ins.
 */
import type { StackTrace } from '../types.ts';
import { FrameList, headerFrom, splitLocation } from './common.ts';

/** A Firefox or Safari frame line; the detector in `index.ts` uses the same test. */
export const GECKO_FRAME = /^\s*[^@\s]*(?: code)?@(?:.*:\d+:\d+|\[native code\])\s*$|^\s*\[native code\]\s*$/;

/** Parses a Firefox or Safari trace; undefined when it has no frame. */
export function parseFirefox(lines: readonly string[]): StackTrace | undefined {
  const frames = new FrameList('javascript');
  const header: string[] = [];
  for (const line of lines) {
    if (!GECKO_FRAME.test(line)) {
      if (frames.length === 0) header.push(line);
      continue;
    }
    const text = line.trim();
    const at = text.indexOf('@');
    if (at < 0) {
      frames.add('', '', '[native code]');
      continue;
    }
    let fn = text.slice(0, at);
    if (fn.startsWith('async*')) fn = fn.slice(6);
    let loc = text.slice(at + 1);
    // `https://x/app.js line 12 > eval:1:5`: the eval'd code has no file of its own.
    const evalAt = loc.indexOf(' line ');
    if (evalAt > 0 && / > (?:eval|Function)\b/.test(loc)) loc = `${loc.slice(0, evalAt)}:0:0`;
    if (loc === '[native code]') frames.add(fn, '', loc);
    else {
      const { file, line: ln, column } = splitLocation(loc);
      frames.add(fn, '', file, ln, column);
    }
  }
  if (frames.length === 0) return undefined;
  return { platform: 'javascript', ...headerFrom(header), frames: frames.toFrames(true) };
}
