/**
 * V8 stack traces (Chrome, Edge, Node.js, Deno): `    at fn (file:line:col)` lines, innermost
 * first, after a `Type: message` header. Node's `util.inspect` form, with `[cause]: …` blocks, is
 * read as a cause chain.
 */
import type { Platform, StackTrace } from '../types.ts';
import { FrameList, chain, headerFrom, openingParen, splitLocation } from './common.ts';

/** A V8 frame line; the detector in `index.ts` uses the same test. */
export const V8_FRAME = /^\s*at (?:.*:\d+(?::\d+)?\)?|.*\((?:native|<anonymous>|index \d+)\)|<anonymous>)(?: \{)?\s*$/;
const CAUSE = /^\s*\[cause\]: (.*)$/;

/** Parses a V8 trace; undefined when it has no frame. */
export function parseV8(lines: readonly string[], platform?: Platform): StackTrace | undefined {
  const blocks: { header: string[]; frames: FrameList }[] = [];
  let header: string[] = [];
  let frames: FrameList | undefined;
  const flush = () => {
    if (frames) blocks.push({ header, frames });
    frames = undefined;
    header = [];
  };
  for (const line of lines) {
    const cause = CAUSE.exec(line);
    if (cause) {
      flush();
      header = [cause[1]];
    } else if (V8_FRAME.test(line)) {
      // In-app rules are the same for browsers and Node.js, so the platform can be settled later.
      frames ??= new FrameList('javascript');
      const f = parseFrame(line);
      frames.add(f.fn, '', f.file, f.line, f.column);
    } else if (!frames) {
      header.push(line);
    }
  }
  flush();
  if (blocks.length === 0) return undefined;
  const parsed = blocks.map((b) => ({ ...headerFrom(b.header), frames: b.frames.toFrames(true) }));
  const plat = platform ?? detectPlatform(parsed.flatMap((p) => p.frames));
  return chain(parsed.map((p) => ({ platform: plat, ...p })));
}

/** `at fn (loc)`, `at loc`, `at async fn (loc)`, `at eval (eval at x (loc), <anonymous>:1:1)`. */
function parseFrame(line: string): { fn: string; file: string; line: number; column: number } {
  let rest = line.trim().slice(3);
  if (rest.endsWith(' {')) rest = rest.slice(0, -2).trimEnd();
  let fn = '';
  let loc = rest;
  const open = openingParen(rest);
  if (open > 0 && rest[open - 1] === ' ') {
    fn = rest.slice(0, open - 1);
    loc = rest.slice(open + 1, -1);
  }
  if (fn.startsWith('async ')) fn = fn.slice(6);
  if (loc.startsWith('eval at ')) {
    const inner = /\(([^()]+:\d+:\d+)\)/.exec(loc);
    loc = inner ? inner[1] : '<anonymous>';
  }
  if (loc === 'native') return { fn, file: 'native', line: 0, column: 0 };
  if (loc === '<anonymous>' || /^index \d+$/.test(loc)) return { fn, file: '<anonymous>', line: 0, column: 0 };
  return { fn, ...splitLocation(loc) };
}

/** Browser when frames come from web URLs, Node.js when from paths or `node:` modules. */
export function detectPlatform(frames: readonly { file: string }[]): Platform {
  let node = false;
  for (const { file } of frames) {
    if (/^(?:https?|blob|chrome-extension|moz-extension|safari-web-extension|webpack|webpack-internal):/.test(file)) return 'javascript';
    if (/^(?:node:|file:|\/|[A-Za-z]:\\)/.test(file)) node = true;
  }
  return node ? 'node' : 'javascript';
}
