/**
 * Redactions counted per rule while one record (or one resource or scope) is processed, then
 * summed into the batch's totals. Allocation-free on records without redactions.
 */
export class Tally {
  /** Redactions on the current record. */
  total = 0;
  private readonly counts: Uint32Array;
  private readonly hit: number[] = [];

  /** `names[i]` is the name of rule `i`. */
  constructor(readonly names: readonly string[]) {
    this.counts = new Uint32Array(names.length);
  }

  add(rule: number): void {
    if (this.counts[rule]++ === 0) this.hit.push(rule);
    this.total++;
  }

  /** Distinct names of the rules that fired on the current record, sorted. */
  rules(): string[] {
    if (this.hit.length === 1) return [this.names[this.hit[0]]];
    return this.hit.map((i) => this.names[i]).sort();
  }

  /** Adds the current record's counts to `totals` (per rule) and starts the next record. */
  flush(totals: Float64Array): void {
    for (const i of this.hit) {
      totals[i] += this.counts[i];
      this.counts[i] = 0;
    }
    this.hit.length = 0;
    this.total = 0;
  }
}
