import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('stack trace parsing and grouping', () => {
  it('have no Node-only dependency, so the browser SDK can run them', () => {
    for (const folder of ['../stacktrace/', './']) {
      const dir = new URL(folder, import.meta.url);
      const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
      expect(sources.length).toBeGreaterThan(3);
      for (const file of sources) {
        const code = readFileSync(new URL(file, dir), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
        const imports = [...code.matchAll(/from '([^']+)'/g)].map((m) => m[1]).filter((p) => !p.startsWith('.') && !/^@noble\/hashes\/[a-z0-9]+\.js$/.test(p) && p !== 'zod');
        expect([file, imports]).toEqual([file, []]);
        expect([file, /\b(Buffer|process|require)\b/.test(code)]).toEqual([file, false]);
      }
    }
  });
});
