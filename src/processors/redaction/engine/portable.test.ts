import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('the rule engine', () => {
  it('imports no package and nothing Node-only (only the HMAC, kept apart, does), so the SDK runs the same rules', () => {
    const dir = new URL('.', import.meta.url);
    const sources = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'hmac.ts');
    expect(sources.length).toBeGreaterThan(10);
    for (const file of sources) {
      const code = readFileSync(new URL(file, dir), 'utf8').replace(/\/\*[\s\S]*?\*\/|\/\/.*$/gm, '');
      expect([file, /from '(node:|[a-z@])/.test(code)]).toEqual([file, false]);
      expect([file, /\b(Buffer|process|require)\b/.test(code)]).toEqual([file, false]);
    }
  });
});
