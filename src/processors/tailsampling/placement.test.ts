import { describe, expect, it } from 'vitest';
import { buildProcessors } from '../registry.ts';

describe('tail sampling in the chain configuration', () => {
  it.each([
    [[{ type: 'tailsampling', policies: [{ type: 'always_sample' }] }, { type: 'redaction' }], /processors\[0\]\.type = "tailsampling": must come after processors\[1\] \(redaction\)/],
    [[{ type: 'tailsampling', policies: [{ type: 'always_sample' }] }, { type: 'tailsampling', policies: [{ type: 'always_sample' }] }], /processors\[1\]\.name = "tailsampling": another tailsampling processor/],
  ])('rejects %j', (entries, message) => {
    expect(() => buildProcessors(entries)).toThrow(message);
  });

  it('accepts tail sampling after redaction, or in memory before it', () => {
    expect(buildProcessors([{ type: 'redaction' }, { type: 'tailsampling', policies: [{ type: 'always_sample' }] }])).toHaveLength(2);
    expect(buildProcessors([{ type: 'tailsampling', durability: 'memory', policies: [{ type: 'always_sample' }] }, { type: 'redaction' }])).toHaveLength(2);
  });
});
