import { tokenize, type Token } from './tokens.ts';

/**
 * Function scopes of an original JavaScript/TypeScript source, so a minified frame can be named
 * after the function that encloses its original position — what Sentry does with its scope index
 * (symbolic's `js-source-scopes`), here computed from the source map's `sourcesContent`.
 * Heuristic by nature: a name it cannot find is `''`, and the caller falls back to other clues.
 */

/** A function body as character offsets `[start, end)`, and the name it was declared with (`''` if anonymous). */
export interface FunctionScope {
  start: number;
  end: number;
  name: string;
}

const OPEN = new Set(['(', '[', '{', '${']);
const CLOSE = new Set([')', ']', '}']);
/** `keyword (…) {` opens a block, not a method. */
const CONTROL = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'function']);
const DECLARATION = new Set(['const', 'let', 'var', 'readonly', 'private', 'public', 'protected', 'static', 'declare']);

/** Every function body in `source`, ordered by start offset. Never throws. */
export function functionScopes(source: string): FunctionScope[] {
  const t = tokenize(source);
  const { match, parent } = brackets(t);
  const classNames = new Map<number, string | undefined>();
  const at = (i: number): string => (i >= 0 && i < t.length ? t[i]!.value : '');
  const isId = (i: number): boolean => i >= 0 && i < t.length && t[i]!.kind === 'id';
  const endOf = (open: number): number => (match[open]! >= 0 ? t[match[open]!]!.start + 1 : source.length);

  /** Index of `(` of a parameter list ending at or just before `i` (TS return types allowed). */
  const paramsOpen = (i: number): number => {
    let close = -1;
    if (at(i) === ')') close = i;
    // Only a type can sit between `)` and the body: `): Promise<T> {`, `): string[] {`.
    else if (isId(i) || at(i) === '>' || at(i) === ']') {
      for (let j = i; j >= 0 && j > i - 40; j--) {
        const v = at(j);
        if (v === ';' || v === '{' || v === '}' || v === '=>') break;
        if (v === ')' && at(j + 1) === ':' && parent[j] === parent[i]) {
          close = j;
          break;
        }
      }
    }
    return close >= 0 ? match[close]! : -1;
  };

  /** Skips a TS type-parameter list `<…>` ending at `i`; returns the index before it. */
  const skipGenerics = (i: number): number => {
    if (at(i) !== '>') return i;
    let depth = 0;
    for (let j = i; j >= 0 && j > i - 60; j--) {
      if (at(j) === '>') depth++;
      else if (at(j) === '<' && --depth === 0) return j - 1;
    }
    return i;
  };

  /** The name a function expression starting at token `s` is assigned to. */
  const assignedName = (s: number): string => {
    if (at(s - 1) === 'async') s--;
    const t1 = s - 1;
    if (at(t1) === '=') return isId(t1 - 1) && at(t1 - 2) !== ':' ? at(t1 - 1) : annotatedName(t1 - 1);
    if (at(t1) === ':' && isId(t1 - 1)) return at(t1 - 1);
    return '';
  };

  /** `name: Type = …`: walks back over the type annotation to the declared name. */
  const annotatedName = (from: number): string => {
    for (let j = from; j > 0 && j > from - 24; j--) {
      const v = at(j);
      if (v === ';' || v === '{' || v === '}' || v === '=') break;
      const before = at(j - 2);
      if (v === ':' && isId(j - 1) && (DECLARATION.has(before) || [';', '{', '}', ',', '('].includes(before) || j - 2 < 0)) return at(j - 1);
    }
    return '';
  };

  /** `class Name … {` → `Name`; `undefined` when the brace does not open a class body. */
  const className = (brace: number): string | undefined => {
    if (classNames.has(brace)) return classNames.get(brace);
    let name: string | undefined;
    for (let j = brace - 1; j >= 0 && j > brace - 32; j--) {
      const v = at(j);
      if (v === ';' || v === '{' || v === '}') break;
      if (v === 'class' && isId(j)) {
        name = isId(j + 1) && at(j + 1) !== 'extends' && j + 1 < brace ? at(j + 1) : assignedName(j);
        break;
      }
    }
    classNames.set(brace, name);
    return name;
  };

  /** Name of an arrow function whose `=>` is token `arrow`. */
  const arrowName = (arrow: number): string => {
    const single = isId(arrow - 1) && at(arrow - 2) !== ':';
    const start = single ? arrow - 1 : paramsOpen(arrow - 1);
    return start < 0 ? '' : assignedName(skipGenerics(start - 1) + 1);
  };

  /** The function a `{` at token `i` opens the body of, or `undefined` for any other brace. */
  const functionAt = (i: number): string | undefined => {
    if (at(i - 1) === '=>') return arrowName(i - 1);
    const open = paramsOpen(i - 1);
    if (open < 0) return undefined;
    const h = skipGenerics(open - 1);
    const head = at(h);
    if (at(h) === '*' && at(h - 1) === 'function') return assignedName(h - 1);
    if (!isId(h)) return at(h) === ']' || t[h]?.kind === 'x' ? '' : undefined;
    if (at(h - 1) === 'function' || (at(h - 1) === '*' && at(h - 2) === 'function')) return head;
    if (head === 'function') return assignedName(h);
    if (CONTROL.has(head)) return undefined;
    const cls = parent[h]! >= 0 && at(parent[h]!) === '{' ? className(parent[h]!) : undefined;
    if (!cls) return head;
    return head === 'constructor' ? `new ${cls}` : `${cls}.${head}`;
  };

  const scopes: FunctionScope[] = [];
  for (let i = 0; i < t.length; i++) {
    const v = t[i]!.value;
    if (t[i]!.kind !== 'p') continue;
    if (v === '{') {
      const name = functionAt(i);
      if (name !== undefined) scopes.push({ start: t[i]!.start, end: endOf(i), name });
    } else if (v === '=>' && at(i + 1) !== '{' && i + 1 < t.length) {
      scopes.push({ start: t[i + 1]!.start, end: expressionEnd(t, match, i + 1, source.length), name: arrowName(i) });
    }
  }
  return scopes.sort((a, b) => a.start - b.start);
}

/** The innermost function containing `offset`: its name, `''` when anonymous, `undefined` when none. */
export function enclosingFunction(scopes: readonly FunctionScope[], offset: number): string | undefined {
  let lo = 0;
  let hi = scopes.length - 1;
  let last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (scopes[mid]!.start <= offset) {
      last = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  for (let i = last; i >= 0; i--) if (offset < scopes[i]!.end) return scopes[i]!.name;
  return undefined;
}

/** Pairs brackets: `match[i]` is the partner of bracket token `i` (-1 if unbalanced), `parent[i]` the innermost open bracket holding token `i`. */
function brackets(t: readonly Token[]): { match: Int32Array; parent: Int32Array } {
  const match = new Int32Array(t.length).fill(-1);
  const parent = new Int32Array(t.length).fill(-1);
  const stack: number[] = [];
  for (let i = 0; i < t.length; i++) {
    parent[i] = stack.at(-1) ?? -1;
    if (t[i]!.kind !== 'p') continue;
    if (OPEN.has(t[i]!.value)) stack.push(i);
    else if (CLOSE.has(t[i]!.value) && stack.length) {
      const open = stack.pop()!;
      match[open] = i;
      match[i] = open;
      parent[i] = stack.at(-1) ?? -1;
    }
  }
  return { match, parent };
}

/** Where an arrow's expression body starting at token `from` ends: the first `,` `;` or unmatched closing bracket. */
function expressionEnd(t: readonly Token[], match: Int32Array, from: number, sourceEnd: number): number {
  for (let k = from; k < t.length; k++) {
    const v = t[k]!.value;
    if (t[k]!.kind !== 'p') continue;
    if (OPEN.has(v)) {
      if (match[k]! < 0) return sourceEnd;
      k = match[k]!;
    } else if (v === ',' || v === ';' || CLOSE.has(v)) return t[k]!.start;
  }
  return sourceEnd;
}
