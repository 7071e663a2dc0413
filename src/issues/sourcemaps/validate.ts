import { DecodedSourceMap } from './decoded.ts';

/** An upload the store refuses as malformed. `field` names the offending input, e.g. `sourceMap.version` or `release`. */
export class SourceMapInvalid extends Error {
  override name = 'SourceMapInvalid';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** A source map over the store's `maxMapBytes`. `field` is `sourceMap`. */
export class SourceMapTooLarge extends Error {
  override name = 'SourceMapTooLarge';
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** An upload that passed every check: the JSON text to store and its decoded form. */
export interface ValidUpload {
  content: string;
  decoded: DecodedSourceMap;
}

/** Anti-XSSI prefix some servers put before JSON (`)]}'`); the source map spec says to skip that line. */
const XSSI = /^\)\]\}'[^\n]*\n/;

/**
 * Checks that `sourceMap` (JSON text or an already parsed object) is a source map v3 that
 * `source-map` can decode, within `maxBytes` of JSON. Throws {@link SourceMapTooLarge} when too large
 * and {@link SourceMapInvalid} naming the problem otherwise.
 */
export async function validateUpload(sourceMap: unknown, maxBytes: number): Promise<ValidUpload> {
  let content: string;
  if (typeof sourceMap === 'string') content = sourceMap.replace(XSSI, '');
  else if (sourceMap !== null && typeof sourceMap === 'object' && !Array.isArray(sourceMap)) content = JSON.stringify(sourceMap);
  else throw new SourceMapInvalid('sourceMap must be a JSON object or a string holding one', 'sourceMap');

  const bytes = Buffer.byteLength(content);
  if (bytes > maxBytes) throw new SourceMapTooLarge(`sourceMap is ${bytes} bytes, over the limit of ${maxBytes} bytes`, 'sourceMap');

  let map: unknown;
  try {
    map = JSON.parse(content);
  } catch {
    throw new SourceMapInvalid('sourceMap is not valid JSON', 'sourceMap');
  }
  checkShape(map);
  try {
    return { content, decoded: await DecodedSourceMap.parse(content) };
  } catch (err) {
    throw new SourceMapInvalid(`sourceMap cannot be decoded: ${(err as Error).message}`, 'sourceMap');
  }
}

function checkShape(map: unknown): void {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) throw new SourceMapInvalid('sourceMap must be a JSON object', 'sourceMap');
  const m = map as Record<string, unknown>;
  if (m.version !== 3) throw new SourceMapInvalid('sourceMap.version must be 3', 'sourceMap.version');
  if (Array.isArray(m.sections)) return; // an index map: the library checks each section
  if (typeof m.mappings !== 'string') throw new SourceMapInvalid('sourceMap.mappings must be a string', 'sourceMap.mappings');
  if (!Array.isArray(m.sources) || !m.sources.every((s) => typeof s === 'string' || s === null)) {
    throw new SourceMapInvalid('sourceMap.sources must be an array of strings', 'sourceMap.sources');
  }
}
