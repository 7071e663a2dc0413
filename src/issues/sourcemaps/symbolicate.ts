import type { Frame } from '../types.ts';
import type { DecodedSourceMap, OriginalPosition } from './decoded.ts';
import type { SourceMapLookup } from './store.ts';
import { isInAppSource, originalFilePath } from './urls.ts';

/** Distinct files of one stack trace that are looked up; real bundles have a handful. */
const MAX_FILES_PER_TRACE = 16;

/** Frames after symbolication, and how many of them a source map resolved. */
export interface SymbolicationResult {
  /** Same order and length as the input; frames without a map are the input objects, unchanged. */
  frames: Frame[];
  symbolicated: number;
}

/**
 * Maps minified JavaScript frames (file, line and column known) to their original source, line,
 * column and function through the source maps uploaded for `release`. Never throws: a missing or
 * broken map leaves its frames as they were.
 *
 * The original function name is chosen the way Sentry does: the name of the original function
 * that encloses the position (from the map's `sourcesContent`); else the identifier the caller
 * called it by (the named mapping at the caller frame's position); else the minified name.
 * Frames are in {@link StackTrace} order, oldest call first, so a frame's caller is the one before it.
 */
export async function symbolicate(frames: readonly Frame[], release: string, store: SourceMapLookup): Promise<SymbolicationResult> {
  if (!release) return { frames: [...frames], symbolicated: 0 };
  const maps = new Map<string, DecodedSourceMap | undefined>();
  for (const frame of frames) {
    if (!mappable(frame) || maps.has(frame.file)) continue;
    // Bounded: a trace naming hundreds of distinct files cannot cost hundreds of lookups.
    if (maps.size >= MAX_FILES_PER_TRACE) break;
    maps.set(frame.file, await store.get(release, frame.file).catch(() => undefined));
  }
  const positions = frames.map((frame) => {
    try {
      return mappable(frame) ? maps.get(frame.file)?.lookup(frame.line, frame.column) : undefined;
    } catch {
      return undefined;
    }
  });
  let symbolicated = 0;
  const out = frames.map((frame, i) => {
    const pos = positions[i];
    const map = maps.get(frame.file);
    if (pos === undefined || map === undefined) return frame;
    symbolicated++;
    const file = originalFilePath(pos.source);
    return {
      function: originalFunction(frame.function, pos, map, positions[i - 1]),
      // The module a parser derived from the minified file no longer applies.
      module: '',
      file,
      line: pos.line,
      column: pos.column,
      inApp: isInAppSource(file),
    };
  });
  return { frames: out, symbolicated };
}

function mappable(frame: Frame): boolean {
  return frame.file !== '' && frame.line > 0 && frame.column > 0 && !/^(node|native|internal)[:/]/.test(frame.file);
}

function originalFunction(minified: string, pos: OriginalPosition, map: DecodedSourceMap, caller: OriginalPosition | undefined): string {
  let name: string | undefined;
  try {
    name = map.enclosingFunction(pos) || caller?.name;
  } catch {
    name = caller?.name;
  }
  if (!name) return minified;
  // V8 prefixes the receiver (`Object.applyDiscount`); when the method name survived minification, keep what V8 said.
  return minified === name || minified.endsWith(`.${name}`) ? minified : name;
}
