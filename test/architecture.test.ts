import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The dependency rules between the top-level folders of src/ (DESIGN "Layout"), checked on the
// source text: every relative import of every non-test file, `import type` and `export … from`
// included, because a type-only cycle still ties two folders together. Files directly in src/ form
// the folder `.`; helpers shared by tests (`testing.ts`, fixtures) count, tests and benches do not.

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const srcDir = join(root, 'src');

/** The composition root: may import anything, and nothing imports it. */
const compositionRoot = new Set(['src/main.ts', 'src/gateway.ts']);
/** Lower layers every part may use; they must not depend on any feature. */
const lowerLayers = ['storage', 'http'];
const features = ['control', 'issues', 'exporters', 'processors', 'query', 'receiver'];

interface Edge {
  from: string;
  to: string;
  /** `src/…/file.ts:line → src/…/target.ts` of one import along this edge. */
  at: string;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    // Tests and benchmarks beside the code are not part of the product; helpers they share are.
    return name.endsWith('.ts') && !/\.(test|bench)\.ts$/.test(name) ? [path] : [];
  });
}

const rel = (path: string): string => relative(root, path).split(sep).join('/');

/** `.` for files directly in src/, else the first folder under src/. */
function folderOf(file: string): string {
  const parts = relative(srcDir, file).split(sep);
  return parts.length === 1 ? '.' : parts[0];
}

function resolveImport(fromFile: string, spec: string): string {
  const base = resolve(dirname(fromFile), spec);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    try {
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // try the next spelling
    }
  }
  throw new Error(`${rel(fromFile)}: cannot resolve import '${spec}'`);
}

/** Every import between two different top-level folders, composition root excluded as a source. */
function folderEdges(): { edges: Edge[]; intoRoot: string[] } {
  const edges: Edge[] = [];
  const intoRoot: string[] = [];
  for (const file of sourceFiles(srcDir)) {
    const text = readFileSync(file, 'utf8');
    for (const ref of ts.preProcessFile(text, true, true).importedFiles) {
      if (!ref.fileName.startsWith('.')) continue;
      const target = resolveImport(file, ref.fileName);
      if (!target.startsWith(srcDir + sep)) continue;
      const at = `${rel(file)}:${text.slice(0, ref.pos).split('\n').length}`;
      if (compositionRoot.has(rel(target)) && !compositionRoot.has(rel(file))) intoRoot.push(`${at} imports ${rel(target)}`);
      if (compositionRoot.has(rel(file))) continue;
      const from = folderOf(file);
      const to = folderOf(target);
      if (from !== to) edges.push({ from, to, at: `${at} → ${rel(target)}` });
    }
  }
  return { edges, intoRoot };
}

/**
 * Folder-level cycles: the shortest cycle through each folder (each set of folders reported once),
 * every edge named by one import's file:line.
 */
function cycles(edges: Edge[]): string[] {
  const next = new Map<string, Map<string, string>>();
  for (const e of edges) {
    if (!next.has(e.from)) next.set(e.from, new Map());
    if (!next.get(e.from)!.has(e.to)) next.get(e.from)!.set(e.to, e.at);
  }
  const found: string[] = [];
  const seen = new Set<string>();
  for (const start of [...next.keys()].sort()) {
    // Breadth-first from start back to start gives the shortest cycle through it.
    const via = new Map<string, string>();
    const queue = [start];
    let closed = false;
    while (queue.length > 0 && !closed) {
      const node = queue.shift()!;
      for (const to of [...(next.get(node)?.keys() ?? [])].sort()) {
        if (to === start) {
          via.set(start, node);
          closed = true;
          break;
        }
        if (!via.has(to)) {
          via.set(to, node);
          queue.push(to);
        }
      }
    }
    if (!closed) continue;
    const back: string[] = [];
    for (let node = via.get(start)!; node !== start; node = via.get(node)!) back.unshift(node);
    const path = [start, ...back];
    const key = [...path].sort().join(',');
    if (seen.has(key)) continue;
    seen.add(key);
    const steps = path.map((from, i) => {
      const to = path[(i + 1) % path.length];
      return `  ${from} → ${to}: ${next.get(from)!.get(to)}`;
    });
    found.push(`${[...path, start].join(' → ')}\n${steps.join('\n')}`);
  }
  return found;
}

describe('dependencies between the top-level folders of src/', () => {
  const { edges, intoRoot } = folderEdges();

  it('form no cycle, type-only imports included', () => {
    expect(cycles(edges), 'folder-level import cycles').toEqual([]);
  });

  it('never run into the composition root (main.ts, gateway.ts)', () => {
    expect(intoRoot).toEqual([]);
  });

  it('leave config/ to the composition root: components own their schemas, config/ composes them', () => {
    expect(edges.filter((e) => e.to === 'config').map((e) => e.at)).toEqual([]);
  });

  it.each(lowerLayers)('keep src/%s/ below every feature folder', (layer) => {
    const upward = edges.filter((e) => e.from === layer && features.includes(e.to)).map((e) => e.at);
    expect(upward).toEqual([]);
  });

  it('sees the imports it checks (a guard against a walker that finds nothing)', () => {
    expect(edges.length).toBeGreaterThan(50);
    expect(edges.some((e) => e.from === 'receiver' && e.to === 'batch')).toBe(true);
  });
});
