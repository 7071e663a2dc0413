import { SourceMapConsumer, type RawIndexMap, type RawSourceMap } from 'source-map';

import { enclosingFunction, functionScopes, type FunctionScope } from './scopes.ts';

/** Where a generated position came from. Lines and columns are 1-based, as in {@link Frame}. */
export interface OriginalPosition {
  /** Original source as the map names it (with `sourceRoot` applied), e.g. `webpack://app/./src/cart.ts`. */
  source: string;
  line: number;
  column: number;
  /** The original identifier at this position (`names`), when the map records one. */
  name: string | undefined;
}

/**
 * A decoded source map, kept as flat typed arrays instead of a live `SourceMapConsumer`: the
 * consumer of `source-map` 0.7 lives in WebAssembly memory and must be destroyed by hand, which
 * does not mix with a shared cache and concurrent lookups. Lookups are synchronous binary
 * searches; memory is ~24 bytes per mapping plus the sources' text.
 */
export class DecodedSourceMap {
  private scopes = new Map<number, FunctionScope[]>();

  private constructor(
    private readonly genLine: Int32Array,
    private readonly genColumn: Int32Array,
    private readonly sourceIdx: Int32Array,
    private readonly origLine: Int32Array,
    private readonly origColumn: Int32Array,
    private readonly nameIdx: Int32Array,
    private readonly sources: readonly string[],
    private readonly sourceIds: ReadonlyMap<string, number>,
    private readonly contents: ReadonlyArray<string | null>,
    private readonly names: readonly string[],
    /** Approximate memory held, in bytes; what the store's cache counts. */
    readonly bytes: number,
  ) {}

  /** Decodes a source map v3 (plain or indexed). Rejects when `source-map` cannot read it. */
  static async parse(map: RawSourceMap | RawIndexMap | string): Promise<DecodedSourceMap> {
    const consumer = await new SourceMapConsumer(map as RawSourceMap);
    try {
      const sourceIds = new Map<string, number>();
      const nameIds = new Map<string, number>();
      const cols: number[][] = [[], [], [], [], [], []];
      consumer.eachMapping((m) => {
        const src = m.source == null ? -1 : intern(sourceIds, m.source);
        cols[0]!.push(m.generatedLine);
        cols[1]!.push(m.generatedColumn);
        cols[2]!.push(src);
        cols[3]!.push(src < 0 ? 0 : m.originalLine);
        cols[4]!.push(src < 0 ? 0 : m.originalColumn);
        cols[5]!.push(m.name == null || src < 0 ? -1 : intern(nameIds, m.name));
      });
      const sources = [...sourceIds.keys()];
      const contents = sources.map((s) => consumer.sourceContentFor(s, true));
      const textBytes = contents.reduce((sum, c) => sum + (c?.length ?? 0) * 2, 0);
      const arrays = cols.map((c) => Int32Array.from(c));
      return new DecodedSourceMap(
        arrays[0]!, arrays[1]!, arrays[2]!, arrays[3]!, arrays[4]!, arrays[5]!,
        sources, sourceIds, contents, [...nameIds.keys()],
        arrays[0]!.length * 24 + textBytes + 1024,
      );
    } finally {
      consumer.destroy();
    }
  }

  /**
   * The original position of a generated one (1-based line and column), using the closest
   * mapping at or before it on the same line, as `originalPositionFor` does by default.
   */
  lookup(line: number, column: number): OriginalPosition | undefined {
    const col0 = column - 1;
    let lo = 0;
    let hi = this.genLine.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const l = this.genLine[mid]!;
      if (l < line || (l === line && this.genColumn[mid]! <= col0)) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found < 0 || this.genLine[found] !== line || this.sourceIdx[found]! < 0) return undefined;
    const name = this.nameIdx[found]!;
    return {
      source: this.sources[this.sourceIdx[found]!]!,
      line: this.origLine[found]!,
      column: this.origColumn[found]! + 1,
      name: name < 0 ? undefined : this.names[name],
    };
  }

  /**
   * The name of the original function enclosing a position, from the source's text
   * (`sourcesContent`): `''` for an anonymous function, `undefined` when the map has no text for
   * that source or the position is outside any function.
   */
  enclosingFunction(pos: OriginalPosition): string | undefined {
    const idx = this.sourceIds.get(pos.source);
    const text = idx === undefined ? null : this.contents[idx];
    if (idx === undefined || !text) return undefined;
    let scopes = this.scopes.get(idx);
    if (scopes === undefined) {
      scopes = functionScopes(text);
      this.scopes.set(idx, scopes);
    }
    const offset = offsetOf(text, pos.line, pos.column);
    return offset < 0 ? undefined : enclosingFunction(scopes, offset);
  }
}

function intern(ids: Map<string, number>, value: string): number {
  let id = ids.get(value);
  if (id === undefined) {
    id = ids.size;
    ids.set(value, id);
  }
  return id;
}

/** Character offset of a 1-based line and column in `text`, or -1 past its end. */
function offsetOf(text: string, line: number, column: number): number {
  let start = 0;
  for (let l = 1; l < line; l++) {
    start = text.indexOf('\n', start) + 1;
    if (start === 0) return -1;
  }
  return start + column - 1;
}
