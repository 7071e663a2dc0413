import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('the rule engine', () => {
  it('has no Node-only dependency, so the browser SDK can run the same rules', () => {
    const dir = new URL('.', import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const code = readFileSync(new URL(file, dir), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect([file, /from '(node:|[a-z])/.test(code.replace(/from '@noble\/hashes\/[a-z0-9]+\.js'/g, ''))]).toEqual([file, false]);
      expect([file, /\b(Buffer|process|require)\b/.test(code)]).toEqual([file, false]);
    }
  });
});
