/**
 * `npm run mutate [module…]`: Stryker (issue 19, point 5) over the modules whose mistakes lose or
 * leak data (`mutation/modules.ts`), one module at a time, each against its own unit tests, with
 * the TypeScript checker and incremental mode (only what changed since the last run is mutated
 * again; the per-module state is in `mutation/.cache/`). Writes each module's mutation score and
 * every surviving mutant, with its explanation from `mutation/explained.json` where one is given,
 * to `bench/results/mutation.json` (merged with the modules a partial run leaves out). Not part of
 * `npm test`.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, matchesGlob, relative, resolve } from 'node:path';
import { Stryker } from '@stryker-mutator/core';
import type { MutantResult } from '@stryker-mutator/api/core';
import { MODULES } from '../mutation/modules.ts';

const root = resolve(import.meta.dirname, '..');
const TARGET = 0.8;
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !MODULES.some((m) => m.name === w));
if (unknown.length) {
  console.error(`unknown module(s) ${unknown.join(', ')}; expected some of ${MODULES.map((m) => m.name).join(', ')}`);
  process.exit(2);
}
const modules = wanted.length ? wanted.map((w) => MODULES.find((m) => m.name === w)!) : MODULES;
/** Explanations: `mutation/explained.json` and every file of `mutation/explained/` (one per module, or per part of a module's sources). */
const explainedDir = join(root, 'mutation', 'explained');
const explained = Object.assign(
  JSON.parse(readFileSync(join(root, 'mutation', 'explained.json'), 'utf8')) as Record<string, string>,
  ...(existsSync(explainedDir) ? readdirSync(explainedDir).filter((f) => f.endsWith('.json')).sort().map((f) => JSON.parse(readFileSync(join(explainedDir, f), 'utf8')) as Record<string, string>) : []),
);
const resultsFile = join(root, 'bench', 'results', 'mutation.json');
const previous = existsSync(resultsFile) ? (JSON.parse(readFileSync(resultsFile, 'utf8')) as { modules?: Record<string, unknown> }) : {};

/** The key a survivor is explained under: file, line, mutator and replacement. */
const keyOf = (m: MutantResult) => `${relative(root, m.fileName)}:${m.location.start.line}:${m.mutatorName}:${m.replacement ?? ''}`;

const report: Record<string, unknown> = { ...previous.modules };
const runStarted = Date.now();
for (const module of modules) {
  const work = join(root, 'mutation', '.work');
  mkdirSync(work, { recursive: true });
  mkdirSync(join(root, 'mutation', '.cache'), { recursive: true });
  const vitestConfig = join(work, `vitest.${module.name}.config.ts`);
  writeFileSync(vitestConfig, `import { defineConfig } from 'vitest/config';
// The portability checks read the source text, which Stryker instruments: they are not about behaviour.
// \`isolate: false\`: the module graph is kept from one mutant run to the next instead of imported again for each (about 2.7 times
// faster per run on the redaction tests). Stryker switches mutants at run time, and static mutants (evaluated once at import) are ignored.
export default defineConfig({ test: { include: ${JSON.stringify(module.tests)}, exclude: ['**/node_modules/**', '**/portable.test.ts'], isolate: false, testTimeout: 60_000, hookTimeout: 60_000 } });
`);
  const started = Date.now();
  console.log(`\n== ${module.name}: mutating ${module.mutate.join(' ')}`);
  // Stryker's incremental mode carries over the results of every file in its last report, even of a
  // file the module no longer mutates (a benchmark left out since): those are dropped before the run.
  const incrementalFile = join(root, 'mutation', '.cache', `${module.name}.json`);
  if (existsSync(incrementalFile)) {
    const cache = JSON.parse(readFileSync(incrementalFile, 'utf8')) as { files: Record<string, unknown> };
    const stale = Object.keys(cache.files).filter((file) => !mutated(module, file));
    if (stale.length > 0) {
      for (const file of stale) delete cache.files[file];
      writeFileSync(incrementalFile, JSON.stringify(cache));
    }
  }
  let results: MutantResult[];
  try {
    results = await new Stryker({
    mutate: module.mutate,
    testRunner: 'vitest',
    // Stryker's runner takes vitest's threads pool, one test at a time per worker: the module tests run in-process, without the embedded engine.
    vitest: { configFile: vitestConfig, related: false },
    checkers: ['typescript'],
    tsconfigFile: 'tsconfig.json',
    typescriptChecker: { prioritizePerformanceOverAccuracy: true },
    coverageAnalysis: 'perTest',
    ignoreStatic: true,
    incremental: true,
    incrementalFile: join('mutation', '.cache', `${module.name}.json`),
    concurrency: 2,
    timeoutMS: 15_000,
    reporters: ['progress-append-only'],
    tempDirName: join('mutation', '.work', `stryker-${module.name}`),
    plugins: ['@stryker-mutator/vitest-runner', '@stryker-mutator/typescript-checker'],
    // The sandbox needs no data directories, results or the mirror of public repositories.
    ignorePatterns: ['data', 'bench/results', 'mutation/.work', 'mutation/.cache', '.scratch'],
    }).runMutationTest();
  } catch (err) {
    // One module's failure (its tests crash under Stryker's runner) leaves the others to run.
    report[module.name] = { error: (err as Error).message.split('\n')[0], minutes: Math.round((Date.now() - started) / 6000) / 10 };
    console.error(`== ${module.name}: failed: ${(err as Error).message.split('\n')[0]}`);
    save();
    continue;
  }
  results = results.filter((r) => mutated(module, relative(root, r.fileName)));
  const count = (status: MutantResult['status']) => results.filter((r) => r.status === status).length;
  const detected = count('Killed') + count('Timeout');
  const undetected = count('Survived') + count('NoCoverage');
  const score = detected + undetected === 0 ? 1 : detected / (detected + undetected);
  const survivors = results
    .filter((r) => r.status === 'Survived' || r.status === 'NoCoverage')
    .map((r) => ({ status: r.status, at: `${relative(root, r.fileName)}:${r.location.start.line}:${r.location.start.column}`, mutator: r.mutatorName, replacement: r.replacement, why: explained[keyOf(r)] ?? null }))
    .sort((a, b) => a.at.localeCompare(b.at, undefined, { numeric: true }));
  report[module.name] = {
    score: Math.round(score * 1000) / 10,
    met: score >= TARGET,
    killed: count('Killed'),
    timeout: count('Timeout'),
    survived: count('Survived'),
    noCoverage: count('NoCoverage'),
    invalid: count('CompileError') + count('RuntimeError'),
    ignored: count('Ignored'),
    unexplained: survivors.filter((s) => s.why === null).length,
    minutes: Math.round((Date.now() - started) / 6000) / 10,
    survivors,
  };
  console.log(`== ${module.name}: ${(score * 100).toFixed(1)} % killed (${detected} of ${detected + undetected}), ${survivors.filter((s) => s.why === null).length} survivors unexplained`);
  // After each module: a run stopped midway keeps what it measured.
  save();
}
save();
console.log(`\n${resultsFile}`);
// As a check: a module under the target, with a survivor nobody explained, or whose run failed, fails the command.
const short = modules.flatMap((m) => {
  const r = report[m.name] as { met?: boolean; unexplained?: number; error?: string };
  if (r.error !== undefined) return [`${m.name} (its run failed)`];
  return !r.met || (r.unexplained ?? 0) > 0 ? [`${m.name} (${r.met ? '' : 'under the target, '}${r.unexplained} survivors unexplained)`] : [];
});
if (short.length > 0) {
  console.error(`short of the target: ${short.join(', ')}`);
  process.exitCode = 1;
}

/** Whether the module mutates `file` (relative to the root): matched by one of its patterns and by none of its `!` exclusions. */
function mutated(module: (typeof MODULES)[number], file: string): boolean {
  const patterns = module.mutate.filter((p) => !p.startsWith('!'));
  const exclusions = module.mutate.filter((p) => p.startsWith('!')).map((p) => p.slice(1));
  return patterns.some((p) => matchesGlob(file, p)) && !exclusions.some((p) => matchesGlob(file, p));
}

function save(): void {
  // The whole run's time: the target is a run of every module within 30 minutes, incremental.
  const run = { modules: modules.map((m) => m.name), minutes: Math.round((Date.now() - runStarted) / 6000) / 10 };
  writeFileSync(resultsFile, `${JSON.stringify({ target: `>= ${TARGET * 100} % of mutants killed per module, every survivor killed or explained; a run of every module within 30 minutes`, date: new Date().toISOString(), run, modules: report }, null, 2)}\n`);
}
