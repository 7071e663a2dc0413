import type { Frame } from '../types.ts';

/**
 * V8-style stack text from frames, so a stored `exception.stacktrace` shows the symbolicated
 * frames: the header kept as it was, then one `    at fn (file:line:col)` line per frame, the
 * frame that threw first (V8 order; {@link Frame} lists are oldest call first).
 */
export function formatV8Stack(header: string, frames: readonly Frame[]): string {
  const lines = header === '' ? [] : [header];
  for (let i = frames.length - 1; i >= 0; i--) lines.push(formatV8Frame(frames[i]!));
  return lines.join('\n');
}

/** One frame as V8 prints it: `    at fn (file:line:col)`, or `    at file:line:col` without a function name. */
export function formatV8Frame(frame: Frame): string {
  let location = frame.file || '<anonymous>';
  if (frame.line > 0) location += frame.column > 0 ? `:${frame.line}:${frame.column}` : `:${frame.line}`;
  return frame.function === '' ? `    at ${location}` : `    at ${frame.function} (${location})`;
}

/**
 * The header of a stack text: every line before the first frame line (`    at …` in V8,
 * `fn@file:line:col` in Firefox and Safari), e.g. `TypeError: item 42 has no price`. A message
 * may span lines; all of them are kept.
 */
export function stackHeader(stack: string): string {
  const lines = stack.split('\n');
  const first = lines.findIndex((l) => /^\s+at\s/.test(l) || /^[^\s@]*@\S+:\d+(:\d+)?\s*$/.test(l));
  return (first < 0 ? lines : lines.slice(0, first)).join('\n').trimEnd();
}
