/**
 * Redactions counted per rule while one record (or one resource or scope) is processed, then
 * summed into the batch's totals. Allocation-free on records without redactions.
 */
export class Tally {
  /** Redactions on the current record. */
  total = 0;
  private readonly counts: Uint32Array;
  /** `hit[0, hits)`: the rules counted on the current record. A count, not `hit.length = 0`: V8
   * frees an array's backing store when its length is set to 0, so each record would allocate. */
  private readonly hit: number[] = [];
  private hits = 0;

  /** `names[i]` is the name of rule `i`. */
  constructor(readonly names: readonly string[]) {
    this.counts = new Uint32Array(names.length);
  }

  add(rule: number): void {
    if (this.counts[rule]++ === 0) this.hit[this.hits++] = rule;
    this.total++;
  }

  /** Distinct names of the rules that fired on the current record, sorted. */
  rules(): string[] {
    if (this.hits === 1) return [this.names[this.hit[0]]];
    const names: string[] = [];
    for (let i = 0; i < this.hits; i++) names.push(this.names[this.hit[i]]);
    return names.sort();
  }

  /** Adds the current record's counts to `totals` (per rule) and starts the next record. */
  flush(totals: Float64Array): void {
    for (let j = 0; j < this.hits; j++) {
      const i = this.hit[j];
      totals[i] += this.counts[i];
      this.counts[i] = 0;
    }
    this.hits = 0;
    this.total = 0;
  }
}
