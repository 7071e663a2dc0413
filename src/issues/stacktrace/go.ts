/**
 * Go panics and goroutine dumps: `panic: message` (or `fatal error: …`), then `goroutine N
 * [running]:` and pairs of lines, innermost first:
 *
 *     github.com/acme/shop/orders.(*Service).Place(0xc000010000, {0x8a1f40, 0x2a})
 *     	/src/shop/orders/service.go:87 +0x12a
 *
 * Only the first goroutine is read: it is the one that panicked (the others in a
 * `GOTRACEBACK=all` dump are bystanders). The same pairs without a goroutine header, as
 * `github.com/pkg/errors` prints with `%+v`, are read too.
 */
import type { StackTrace } from '../types.ts';
import { FrameList, openingParen } from './common.ts';

/** The file line of a Go frame; the detector in `index.ts` uses the same test. */
export const GO_FILE_LINE = /^\t(\S.*?):(\d+)(?: \+0x[0-9a-f]+)?(?: fp=0x[0-9a-f]+ sp=0x[0-9a-f]+ pc=0x[0-9a-f]+)?\s*$/;
/** `goroutine 1 [running]:`. */
export const GO_GOROUTINE = /^goroutine \d+ (?:gp=0x[0-9a-f]+ m=\S+ mp=0x[0-9a-f]+ )?\[[^\]]*\]:\s*$/;
const PANIC = /^(panic|fatal error): (.*?)(?: \[recovered(?:, repanicked)?\])?\s*$/;

/** Parses a Go panic or error stack; undefined when it has no frame. */
export function parseGo(lines: readonly string[]): StackTrace | undefined {
  const frames = new FrameList('go');
  let type = '';
  let message = '';
  const header: string[] = [];
  let goroutines = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (GO_GOROUTINE.test(line)) {
      if (++goroutines > 1) break;
      continue;
    }
    const file = i + 1 < lines.length ? GO_FILE_LINE.exec(lines[i + 1]) : null;
    if (file && line !== '' && !/^\s/.test(line)) {
      addFrame(frames, line, file[1], Number(file[2]));
      i++;
      continue;
    }
    if (frames.length > 0) {
      if (goroutines === 0 && line.trim() !== '' && !/^\.\.\.\d* ?additional frames elided/.test(line)) break;
      continue;
    }
    const panic = PANIC.exec(line);
    if (panic && type === '') {
      [type, message] = panicType(panic[1], panic[2]);
    } else if (goroutines === 0 && line.trim() !== '' && !line.startsWith('[signal ') && !line.startsWith('\t')) header.push(line.trim());
  }
  if (frames.length === 0) return undefined;
  if (type === '' && message === '') message = header.join('\n');
  return { platform: 'go', type, message, frames: frames.toFrames(true) };
}

/** `runtime error: …` panics come from the runtime (`runtime.Error`); others carry the value passed to `panic`. */
function panicType(kind: string, text: string): [string, string] {
  if (kind === 'fatal error') return ['fatal error', text];
  if (text.startsWith('runtime error: ')) return ['runtime.Error', text.slice(15)];
  return ['panic', text];
}

function addFrame(frames: FrameList, text: string, file: string, line: number): void {
  let name = text.replace(/^created by /, '').replace(/ in goroutine \d+$/, '');
  const open = openingParen(name);
  if (open > 0) name = name.slice(0, open);
  // The package path ends at the first `.` after its last `/`: `github.com/acme/shop/orders.(*Service).Place`.
  const slash = name.lastIndexOf('/');
  const dot = name.indexOf('.', slash + 1);
  const module = dot > 0 ? name.slice(0, dot) : '';
  const fn = dot > 0 ? name.slice(dot + 1) : name;
  frames.add(fn, module, file, line);
}
