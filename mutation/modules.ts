/**
 * The modules whose mistakes lose or leak data, for `npm run mutate` (issue 19, point 5): what
 * Stryker mutates in each and the unit tests that must kill the mutants. The tests are the fast,
 * in-process ones of the module, without the embedded engine (Stryker's vitest runner reuses one
 * worker across runs, and chDB binds one data directory per process); the end-to-end tests that
 * start a gateway or a browser cover the same code but would make a run take hours. A mutant the
 * tests miss is either killed by a new test or explained in `mutation/explained.json`.
 */
export interface MutationModule {
  name: string;
  /** Files Stryker mutates (globs). */
  mutate: string[];
  /** Test files run against each mutant (globs). */
  tests: string[];
}

export const MODULES: MutationModule[] = [
  {
    name: 'wal',
    mutate: ['src/storage/wal/*.ts', 'src/exporters/wal/*.ts', '!**/*.test.ts', '!**/*.bench.ts', '!**/testing.ts'],
    tests: ['src/storage/wal/*.test.ts', 'src/exporters/wal/*.test.ts'],
  },
  {
    name: 'redaction',
    mutate: ['src/processors/redaction/engine/*.ts', '!**/*.test.ts', '!**/*.bench.ts', '!**/index.ts'],
    tests: ['src/processors/redaction/**/*.test.ts'],
  },
  {
    name: 'debug-gate',
    mutate: ['src/processors/debugsessions/*.ts', '!**/*.test.ts', '!**/*.bench.ts'],
    tests: ['src/processors/debugsessions/*.test.ts'],
  },
  {
    name: 'sampling',
    mutate: ['src/processors/sampling/*.ts', '!**/*.test.ts', '!**/*.bench.ts'],
    tests: ['src/processors/sampling/*.test.ts'],
  },
  {
    name: 'grouping',
    mutate: ['src/issues/grouping/*.ts', '!**/*.test.ts', '!**/*.bench.ts'],
    tests: ['src/issues/grouping/*.test.ts'],
  },
  {
    name: 'auth',
    mutate: ['src/http/auth.ts', 'src/receiver/tenants.ts'],
    tests: ['src/http/auth.test.ts', 'src/receiver/tenants.test.ts'],
  },
];
