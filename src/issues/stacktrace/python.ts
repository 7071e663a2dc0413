/**
 * Python tracebacks: `Traceback (most recent call last):`, `  File "path", line N, in func` lines
 * oldest first, then `module.Type: message`. A chained traceback prints the cause first, then
 * "The above exception was the direct cause…" (`raise … from`) or "During handling of the above
 * exception…" (implicit context), then the exception raised; both links become `cause`, as
 * Sentry's Python SDK reports `__cause__` and `__context__` alike.
 */
import type { StackTrace } from '../types.ts';
import { FrameList, chain } from './common.ts';

/** A Python frame line; the detector in `index.ts` uses the same test. */
export const PY_FRAME = /^\s*File "([^"]*)", line (\d+)(?:, in (.*))?$/;
const SEPARATOR = /^(?:The above exception was the direct cause of the following exception:|During handling of the above exception, another exception occurred:)$/;
const EXCEPTION = /^([A-Za-z_][\w.]*)(?:: ?(.*))?$/;

/** Parses a Python traceback; undefined when it has no frame. */
export function parsePython(lines: readonly string[]): StackTrace | undefined {
  const blocks: StackTrace[] = [];
  let frames = new FrameList('python');
  let type = '';
  let message: string[] | undefined;
  const flush = () => {
    if (frames.length > 0 || type !== '') blocks.push({ platform: 'python', type, message: (message ?? []).join('\n').trim(), frames: frames.toFrames(false) });
    frames = new FrameList('python');
    type = '';
    message = undefined;
  };
  for (const line of lines) {
    const trimmed = line.trim();
    if (SEPARATOR.test(trimmed) || trimmed === 'Traceback (most recent call last):') {
      if (frames.length > 0 || type !== '') flush();
      continue;
    }
    const frame = PY_FRAME.exec(line);
    if (frame) {
      if (message) flush();
      const file = frame[1];
      frames.add(frame[3] ?? '', moduleOf(file), file, Number(frame[2]));
      continue;
    }
    if (message) {
      message.push(line);
      continue;
    }
    // Source lines and `^^^^` markers are indented; the exception line is not.
    if (frames.length > 0 && line !== '' && !/^\s/.test(line)) {
      const m = EXCEPTION.exec(line);
      if (m) {
        type = m[1];
        message = [m[2] ?? ''];
      }
    }
  }
  flush();
  const withFrames = blocks.filter((b) => b.frames.length > 0);
  if (withFrames.length === 0) return undefined;
  // Printed oldest cause first; the last block is the exception that was raised.
  return chain(withFrames.reverse());
}

/**
 * The dotted module of an installed package or standard-library file (`django.db.models.query`);
 * `''` for application files, whose import root the text does not tell.
 */
export function moduleOf(file: string): string {
  const m = /[/\\](?:site-packages|dist-packages|lib[/\\]python\d(?:\.\d+)?)[/\\](.+)\.py$/.exec(file);
  if (!m) return '';
  return m[1]
    .replace(/^(?:site|dist)-packages[/\\]/, '')
    .replace(/[/\\]__init__$/, '')
    .replace(/[/\\]/g, '.');
}
