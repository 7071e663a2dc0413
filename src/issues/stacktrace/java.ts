/**
 * JVM stack traces (Java, Kotlin, Scala, Android): a `pkg.Type: message` header, `\tat
 * pkg.Class.method(File.java:42)` lines innermost first, then `Caused by: …` blocks whose
 * `... N more` stands for the last N frames of the enclosing trace (filled back in, so every
 * exception in the chain has its whole stack). `Suppressed: …` blocks are skipped: they are other
 * failures, not the cause. Logback's `~[jar:version]` suffixes and `... N common frames omitted`
 * are understood.
 */
import type { StackTrace } from '../types.ts';
import { FrameList, chain, headerFrom } from './common.ts';

/** A JVM frame line; the detector in `index.ts` uses the same test. */
export const JAVA_FRAME = /^\s*at ([^\s(]+)\(([^()]*)\)(?:\s*~?\[[^\]]*\])?\s*$/;
/** `... 12 more` / `... 12 common frames omitted`. */
export const JAVA_MORE = /^\s*\.\.\. (\d+) (?:more|common frames omitted)\s*$/;
const CAUSED_BY = /^\s*Caused by: (.*)$/;
const SUPPRESSED = /^(\s*)Suppressed: /;

interface Block {
  header: string[];
  frames: FrameList;
}

/** Parses a JVM trace; undefined when it has no frame. */
export function parseJava(lines: readonly string[]): StackTrace | undefined {
  const blocks: Block[] = [{ header: [], frames: new FrameList('java') }];
  let block = blocks[0];
  let skipIndent = -1;
  for (const line of lines) {
    const indent = line.length - line.trimStart().length;
    if (skipIndent >= 0) {
      if (indent > skipIndent || (indent === skipIndent && !/^\s*Suppressed: /.test(line) && line.trim() !== '')) continue;
      skipIndent = -1;
    }
    const suppressed = SUPPRESSED.exec(line);
    if (suppressed && block.frames.length > 0) {
      skipIndent = suppressed[1].length;
      continue;
    }
    const cause = CAUSED_BY.exec(line);
    if (cause && block.frames.length > 0) {
      block = { header: [cause[1]], frames: new FrameList('java') };
      blocks.push(block);
      continue;
    }
    const frame = JAVA_FRAME.exec(line);
    if (frame) {
      addFrame(block.frames, frame[1], frame[2]);
      continue;
    }
    const more = JAVA_MORE.exec(line);
    if (more && blocks.length > 1) {
      const enclosing = blocks[blocks.length - 2].frames;
      for (const f of enclosing.tail(Number(more[1]))) block.frames.push({ ...f });
      continue;
    }
    if (block.frames.length === 0) block.header.push(line);
  }
  const parsed = blocks.filter((b) => b.frames.length > 0);
  if (parsed.length === 0) return undefined;
  return chain(parsed.map((b) => ({ platform: 'java', ...headerFrom(b.header), frames: b.frames.toFrames(true) })));
}

function addFrame(frames: FrameList, qualified: string, where: string): void {
  // `java.base/java.util.ArrayList.forEach`, `app//com.acme.Main.main`: JPMS module and class loader
  // prefixes. A lambda class (`Foo$$Lambda$12/0x…`) also holds a `/`, after a `$`.
  const name = qualified.replace(/^(?:[\w.-]*(?:@[\w.+-]*)?\/)+/, '');
  const dot = name.lastIndexOf('.');
  const module = dot > 0 ? name.slice(0, dot) : '';
  const fn = dot > 0 ? name.slice(dot + 1) : name;
  const colon = where.lastIndexOf(':');
  const line = colon > 0 && /^\d+$/.test(where.slice(colon + 1)) ? Number(where.slice(colon + 1)) : 0;
  const file = colon > 0 && line > 0 ? where.slice(0, colon) : where;
  frames.add(fn, module, file === 'Unknown Source' || file === 'Native Method' || file === '<generated>' ? '' : file, line);
}
