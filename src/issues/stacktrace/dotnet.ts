/**
 * .NET exception text (`Exception.ToString()`): a header chaining inner exceptions with ` ---> `,
 * then `   at Ns.Type.Method(Args) in /path/File.cs:line 42` lines innermost first. The frames of
 * the innermost exception come first; each `--- End of inner exception stack trace ---` closes
 * one level, so the next segment belongs to the exception one level out. `--- End of stack trace
 * from previous location ---` (async rethrow boundaries) is only a separator. Async state machine
 * frames (`<PlaceAsync>d__5.MoveNext`) are read as the method they implement.
 */
import type { StackTrace } from '../types.ts';
import { FrameList, chain, parseHeader } from './common.ts';

/** A .NET frame line (without Java's `(File.java:12)` locations); the detector uses the same test. */
// Parameters are empty or hold a space (`Int32 id`); Java's `(File.java:12)` never does.
export const DOTNET_FRAME = /^\s*at [^\s(]+\((?!Native Method\)|Unknown Source)(?:[^() ]* [^()]*)?\)(?: in (.+):line (\d+))?\s*$/;
const END_INNER = /^\s*--- End of inner exception stack trace ---\s*$/;
const END_ASYNC = /^\s*--- End of stack trace from previous location(?: where exception was thrown)? ---\s*$/;

/** Parses .NET exception text; undefined when it has no frame. */
export function parseDotnet(lines: readonly string[]): StackTrace | undefined {
  const header: string[] = [];
  const segments: FrameList[] = [new FrameList('dotnet')];
  for (const line of lines) {
    if (END_INNER.test(line)) {
      segments.push(new FrameList('dotnet'));
      continue;
    }
    if (END_ASYNC.test(line)) continue;
    const m = DOTNET_FRAME.exec(line);
    if (m) addFrame(segments[segments.length - 1], line, m[1] ?? '', Number(m[2] ?? 0));
    else if (segments.length === 1 && segments[0].length === 0) header.push(line);
  }
  if (segments.every((s) => s.length === 0)) return undefined;
  // `Outer: msg ---> Inner: msg ---> Innermost: msg`, on one line (.NET Framework) or several (.NET Core).
  const exceptions = header
    .join('\n')
    .split(/\s*--->\s*/)
    .map((text) => {
      const [first = '', ...rest] = text.trim().split('\n');
      const h = parseHeader(first) ?? { type: '', message: first };
      return { type: h.type, message: [h.message, ...rest].join('\n').trim() };
    });
  // Segment k (0 = first printed) holds the frames of the k-th exception from the innermost.
  const traces: StackTrace[] = exceptions.map((e, i) => {
    const segment = segments[exceptions.length - 1 - i];
    return { platform: 'dotnet', ...e, frames: segment ? segment.toFrames(true) : [] };
  });
  return chain(traces);
}

function addFrame(frames: FrameList, line: string, file: string, lineNo: number): void {
  const text = line.trim().slice(3);
  const name = text.slice(0, text.indexOf('('));
  // `Ns.Type..ctor`, `Ns.Type.Method[T]`: split at the dot before the method (generic arguments hold none).
  const ctor = name.search(/\.\.c?ctor$/);
  const bracket = name.indexOf('[');
  const dot = ctor > 0 ? ctor : name.lastIndexOf('.', bracket > 0 ? bracket : name.length);
  let module = dot > 0 ? name.slice(0, dot) : '';
  let fn = dot > 0 ? name.slice(dot + 1) : name;
  // `Ns.Type.<PlaceAsync>d__5.MoveNext` is the async method `Ns.Type.PlaceAsync`, as .NET 6+ prints it.
  const asyncMethod = fn === 'MoveNext' ? /^(.*)\.<([^<>]+)>d__\d+$/.exec(module) : null;
  if (asyncMethod) [module, fn] = [asyncMethod[1], asyncMethod[2]];
  frames.add(fn, module, file, lineNo);
}
