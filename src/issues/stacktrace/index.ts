/**
 * Stack trace parsing: detects the format of a trace's text and parses it into frames ordered
 * oldest call first, with in-app flags and the cause chain. Pure and portable (no Node-only
 * API), so the browser SDK can run it. Never throws; linear in the text's length, which is
 * capped (see `common.ts`).
 */
import type { Platform, StackTrace } from '../types.ts';
import { splitLines } from './common.ts';
import { DOTNET_FRAME, parseDotnet } from './dotnet.ts';
import { GECKO_FRAME, parseFirefox } from './firefox.ts';
import { GO_FILE_LINE, GO_GOROUTINE, parseGo } from './go.ts';
import { JAVA_FRAME, JAVA_MORE, parseJava } from './java.ts';
import { PY_FRAME, parsePython } from './python.ts';
import { V8_FRAME, parseV8 } from './v8.ts';

export { isInApp } from './inApp.ts';

/** What the caller already knows about the error, from the resource and the exception attributes. */
export interface ParseHint {
  /** Runtime, e.g. from `telemetry.sdk.language`; its parser is tried first. */
  platform?: Platform;
  /** `exception.type`, used when the text has no header (Firefox and Safari traces). */
  type?: string;
  /** `exception.message`, used when the text has no header. */
  message?: string;
}

type Format = 'python' | 'go' | 'dotnet' | 'java' | 'v8' | 'gecko';

/** Lines that only one format writes; on a tie the earlier format wins (Java lines also look like V8 ones). */
const SIGNALS: readonly [Format, RegExp][] = [
  ['python', /^Traceback \(most recent call last\):/],
  ['python', PY_FRAME],
  ['go', GO_GOROUTINE],
  ['go', GO_FILE_LINE],
  ['dotnet', DOTNET_FRAME],
  ['dotnet', /^\s*--- End of (?:inner exception |stack trace from previous location)/],
  ['java', JAVA_FRAME],
  ['java', JAVA_MORE],
  ['java', /^Caused by: /],
  ['v8', V8_FRAME],
  ['gecko', GECKO_FRAME],
];
const ORDER: readonly Format[] = ['python', 'go', 'dotnet', 'java', 'v8', 'gecko'];
/** Lines looked at to detect the format. */
const DETECT_LINES = 400;

const PARSERS: Record<Format, (lines: readonly string[], hint: ParseHint) => StackTrace | undefined> = {
  python: (l) => parsePython(l),
  go: (l) => parseGo(l),
  dotnet: (l) => parseDotnet(l),
  java: (l) => parseJava(l),
  v8: (l, h) => parseV8(l, h.platform === 'javascript' || h.platform === 'node' ? h.platform : undefined),
  gecko: (l) => parseFirefox(l),
};

/**
 * Parses a stack trace in any supported format: V8 (Chrome, Node.js), Firefox, Safari, Python,
 * JVM (Java, Kotlin, with `Caused by`), Go panics and .NET. Returns undefined when the text holds
 * no frame it recognizes. The hint's platform breaks ties and its type and message fill in a
 * missing header.
 */
export function parseStackTrace(text: string, hint: ParseHint = {}): StackTrace | undefined {
  try {
    if (typeof text !== 'string' || text.length === 0) return undefined;
    const lines = splitLines(text);
    for (const format of candidates(lines, hint.platform)) {
      const trace = PARSERS[format](lines, hint);
      if (trace && trace.frames.length > 0) {
        if (trace.type === '') trace.type = hint.type ?? '';
        if (trace.message === '') trace.message = hint.message ?? '';
        return trace;
      }
    }
    return undefined;
  } catch {
    // A parser bug must not lose the occurrence: it is grouped by its message instead.
    return undefined;
  }
}

/** Formats with at least one signal line, best first; the hinted platform's formats lead. */
function candidates(lines: readonly string[], platform: Platform | undefined): Format[] {
  const score = new Map<Format, number>();
  const n = Math.min(lines.length, DETECT_LINES);
  for (let i = 0; i < n; i++) {
    for (const [format, re] of SIGNALS) if (re.test(lines[i])) score.set(format, (score.get(format) ?? 0) + 1);
  }
  const hinted = hintedFormats(platform);
  return ORDER.filter((f) => score.has(f)).sort((a, b) => {
    const ha = hinted.includes(a) ? 1 : 0;
    const hb = hinted.includes(b) ? 1 : 0;
    return hb - ha || score.get(b)! - score.get(a)! || ORDER.indexOf(a) - ORDER.indexOf(b);
  });
}

function hintedFormats(platform: Platform | undefined): Format[] {
  switch (platform) {
    case 'javascript':
    case 'node':
      return ['v8', 'gecko'];
    case 'python':
    case 'go':
    case 'dotnet':
    case 'java':
      return [platform];
    default:
      return [];
  }
}
