import { describe, expect, it } from 'vitest';

import { runs } from './idbStore.ts';

describe('runs (the range deletes of a commit)', () => {
  it('groups seqs into runs of consecutive numbers, whatever their order and repeats', () => {
    expect(runs([])).toEqual([]);
    expect(runs([7])).toEqual([[7, 7]]);
    expect(runs([3, 1, 2, 5, 9, 8, 2])).toEqual([[1, 3], [5, 5], [8, 9]]);
    expect(runs(Array.from({ length: 512 }, (_, i) => 1000 + i))).toEqual([[1000, 1511]]);
  });
});
