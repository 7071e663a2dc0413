import type { EncodedRecord } from './otlpJson.ts';

export type Signal = EncodedRecord['signal'];
export const SIGNALS: readonly Signal[] = ['logs', 'traces'];
/** OTLP `SeverityNumber` of ERROR: records at or above it are written ahead at once. */
const ERROR_SEVERITY = 17;
const DROP_REASONS = ['overflow', 'expired', 'rejected', 'throttled'] as const;
const noDrops = (): DropCounts => ({ overflow: 0, expired: 0, rejected: 0, throttled: 0 });

/**
 * A record in the queue: its signal, scope and severity, its OTLP/JSON text (kept as text: a
 * third of the memory of the object it was, and never serialized again), its place (`seq`,
 * increasing), size, and when it was made.
 */
export interface QueuedRecord extends Pick<EncodedRecord, 'signal' | 'scope' | 'severity'> {
  json: string;
  seq: number;
  bytes: number;
  createdMs: number;
}

/**
 * Why records were dropped on the client (reported to the gateway with the next logs): the queue
 * was full, a record too old, refused by the gateway, or over a throttled policy's rate.
 */
export type DropReason = (typeof DROP_REASONS)[number];
export type DropCounts = Record<DropReason, number>;

/**
 * Node's count of UTF-8 bytes, where the SDK runs in Node: native, an order of magnitude faster
 * than a loop in JavaScript. A page may have `Buffer` and `process` polyfills (slower than the loop),
 * or anything else under those names: they are left alone, and nothing here throws.
 */
export function nativeUtf8Length(g: { Buffer?: { byteLength?: unknown }; process?: { versions?: { node?: unknown } } } = globalThis): ((text: string) => number) | undefined {
  try {
    if (typeof g.process?.versions?.node !== 'string') return undefined;
    const buffer = g.Buffer;
    const count = buffer?.byteLength;
    if (typeof count !== 'function' || count.call(buffer, 'é\u{1f389}', 'utf8') !== 6) return undefined;
    return (text) => count.call(buffer, text, 'utf8') as number;
  } catch {
    return undefined;
  }
}
const NON_ASCII = /[^\x00-\x7f]/;

/** Bytes of `text` in UTF-8 (what a request carries; JSON.stringify leaves no lone surrogates). */
export const utf8Length: (text: string) => number = nativeUtf8Length() ?? portableUtf8Length;

/**
 * {@link utf8Length} without Node: text that is all ASCII (most telemetry) is its own length, found
 * by one native regex scan, which costs far less than the loop while a page's code is still cold.
 */
export function portableUtf8Length(text: string): number {
  if (!NON_ASCII.test(text)) return text.length;
  let bytes = text.length;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) continue;
    // 2 bytes below U+0800, 3 above, 4 for a surrogate pair (2 code units).
    bytes += c < 0x800 || (c >= 0xd800 && c <= 0xdfff) ? 1 : 2;
  }
  return bytes;
}

/** A batch handed out: its id, its records, and (logs) the drop counts it reports. */
export interface Batch {
  id: string;
  records: QueuedRecord[];
  report?: PendingBatch['report'];
}

/** A batch handed to the transport: resent with the same id and records until it is answered. */
export interface PendingBatch {
  id: string;
  seqs: number[];
  /** Logs only: the drops not yet reported when the batch was made, sent with it (at `atMs`). */
  report?: { atMs: number; dropped: DropCounts };
}

/** Records dropped so far, and how many of them the gateway has been told of. */
export interface DropLedger {
  dropped: DropCounts;
  reported: DropCounts;
}

/** What a store holds: the records not yet acknowledged, each signal's batches in flight (oldest first), the drop counts. */
export interface StoreState {
  records: QueuedRecord[];
  batches: Partial<Record<Signal, PendingBatch[]>>;
  drops?: DropLedger;
}

/** One durable change: records added, records removed, a signal's batches in flight replaced, the drop counts. */
export interface StoreChange {
  put?: QueuedRecord[];
  remove?: number[];
  batch?: { signal: Signal; pending: PendingBatch[] };
  drops?: DropLedger;
  /**
   * `false`: written in order but not synced on its own (the next synced change, or the system,
   * makes it durable). For what a crash may lose at no cost: an answered batch's removal, whose loss
   * only resends the batch under its id, which the gateway stores once.
   */
  sync?: false;
}

/**
 * Where the queue survives the tab or the process: IndexedDB in browsers and workers, a file in
 * Node. `commit` resolves once the change is durable; changes apply in the order committed.
 * `commitSync`, where the platform has one (Node), is for the last moment of a crashing process.
 */
export interface RecordStore {
  load(): Promise<StoreState>;
  commit(change: StoreChange): Promise<void>;
  commitSync?(change: StoreChange): void;
  /** Where the platform can write synchronously (a page's localStorage): the batches in flight, read back at load. */
  saveInFlightSync?(batches: Record<Signal, PendingBatch[]>): void;
  close(): Promise<void>;
}

export interface QueueOptions {
  /** Bytes of queued records at most (their OTLP/JSON); the oldest, lowest-severity go first. */
  maxBytes: number;
  /** Age at which an undelivered record is dropped. */
  maxAgeMs: number;
  /** How soon a record is durable after it is made. */
  persistDelayMs: number;
  now?: () => number;
}

/**
 * The write-ahead record queue. Every record is committed to the store within `persistDelayMs` of
 * being made, and only durable records are handed out for sending, so what was sent can always be
 * sent again. A batch handed out is committed as in flight first: until it is answered, and after
 * a crash or a reload, the same batch (same id, same records) is resent, oldest first, and the
 * gateway's batch-id check stores it once.
 */
export class RecordQueue {
  private readonly records = new Map<number, QueuedRecord>();
  private readonly batches: Record<Signal, PendingBatch[]> = { logs: [], traces: [] };
  /** Each severity's records, oldest first (eviction takes the lowest severity's oldest). */
  private readonly bySeverity = new Map<number, Set<number>>();
  /** Where eviction stopped in each severity's records (a Set's iterator goes on past deletions and sees additions until it ends). */
  private readonly evictFrom = new Map<number, Iterator<number>>();
  /** The records of every batch in flight: never evicted, never put in another batch. */
  private readonly inFlightSeqs = new Set<number>();
  private nextSeq = 1;
  private durableSeq = 0;
  /** Highest seq handed to the store (durable, or its commit under way): a removal up to it must be committed too. */
  private handedSeq = 0;
  private bytes = 0;
  private unsaved: QueuedRecord[] = [];
  private unsavedRemovals: number[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Whether the pending persist is an error's, due at once. */
  private urgent = false;
  private saving: Promise<void> = Promise.resolve();
  readonly dropped: DropCounts = noDrops();
  private readonly reported: DropCounts = noDrops();
  private readonly now: () => number;
  /** Called when records became durable (delivery may start). */
  onDurable: () => void = () => {};

  private constructor(
    private readonly store: RecordStore,
    private readonly options: QueueOptions,
  ) {
    this.now = options.now ?? Date.now;
  }

  static async open(store: RecordStore, options: QueueOptions): Promise<RecordQueue> {
    const queue = new RecordQueue(store, options);
    await queue.reload();
    return queue;
  }

  /**
   * Replaces what is in memory with what the store holds: at open, and when a page comes back from
   * the back/forward cache (while it was frozen, another page may have delivered its records).
   * Records not yet durable are committed first.
   */
  async reload(): Promise<void> {
    await this.persist();
    await this.saving.catch(() => {});
    const state = await this.store.load();
    this.records.clear();
    this.bySeverity.clear();
    this.evictFrom.clear();
    this.bytes = 0;
    for (const r of state.records.sort((a, b) => a.seq - b.seq)) this.remember(r);
    const seqs = [...state.records.map((r) => r.seq), ...SIGNALS.flatMap((s) => state.batches[s] ?? []).flatMap((b) => b.seqs)];
    this.nextSeq = Math.max(this.nextSeq, ...seqs.map((s) => s + 1));
    this.durableSeq = this.handedSeq = this.nextSeq - 1;
    for (const signal of SIGNALS) this.batches[signal] = [...(state.batches[signal] ?? [])];
    this.inFlightSeqs.clear();
    for (const signal of SIGNALS) for (const b of this.batches[signal]) for (const seq of b.seqs) this.inFlightSeqs.add(seq);
    Object.assign(this.dropped, state.drops?.dropped);
    Object.assign(this.reported, state.drops?.reported);
    this.dropExpired();
  }

  /** Adds a record; it is durable within `persistDelayMs` (an error at once). */
  add(record: EncodedRecord): void {
    const json = record.json ?? JSON.stringify(record.record);
    const queued: QueuedRecord = { signal: record.signal, scope: record.scope, severity: record.severity, json, seq: this.nextSeq++, bytes: utf8Length(json), createdMs: this.now() };
    this.remember(queued);
    this.unsaved.push(queued);
    this.evict();
    // An error is written ahead at once: a crash may follow it.
    if (queued.severity >= ERROR_SEVERITY && this.timer && !this.urgent) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.timer === undefined) {
      this.urgent = queued.severity >= ERROR_SEVERITY;
      this.timer = setTimeout(() => void this.persist(), this.urgent ? 0 : this.options.persistDelayMs);
    }
  }

  /** Commits what is not durable yet; resolves once it is. */
  persist(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // A record removed before it was handed to the store is simply not put.
    const put = this.unsaved.filter((r) => this.records.has(r.seq));
    const remove = this.unsavedRemovals;
    this.unsaved = [];
    this.unsavedRemovals = [];
    if (put.length === 0 && remove.length === 0) return this.saving;
    const upTo = put.length ? put[put.length - 1]!.seq : this.durableSeq;
    this.handedSeq = Math.max(this.handedSeq, upTo);
    const drops = this.drops();
    // A failed commit fails its callers, never the commits after it.
    this.saving = this.saving.catch(() => {}).then(async () => {
      await this.store.commit({ put, remove, drops });
      this.durableSeq = Math.max(this.durableSeq, upTo);
      this.onDurable();
    });
    return this.saving;
  }

  /** For a process about to die: commits what is not durable yet, synchronously, where the store can. */
  persistSync(): void {
    if (!this.store.commitSync) return;
    const put = this.unsaved.filter((r) => this.records.has(r.seq));
    this.unsaved = [];
    if (put.length === 0) return;
    this.store.commitSync({ put });
    this.durableSeq = this.handedSeq = Math.max(this.durableSeq, put[put.length - 1]!.seq);
  }

  /**
   * The batch of `signal` to send: the oldest in flight (resent as it was, without records dropped
   * since), else a new one (see {@link another}). Undefined when there is nothing durable to send.
   */
  async next(signal: Signal, maxRecords: number, maxBytes: number, newId: () => string): Promise<Batch | undefined> {
    this.dropExpired();
    for (;;) {
      const pending = this.batches[signal][0];
      if (!pending) break;
      const records = pending.seqs.flatMap((seq) => this.records.get(seq) ?? []);
      if (records.length || pending.report) return { id: pending.id, records, report: pending.report };
      await this.settle(signal, pending.id, 'acknowledged');
    }
    return this.another(signal, maxRecords, maxBytes, newId);
  }

  /**
   * A new batch of `signal`: up to `maxRecords` / `maxBytes` of its oldest durable records not in a
   * batch in flight (logs: with the drops not yet reported), committed as in flight before it is
   * returned, after those already in flight.
   */
  async another(signal: Signal, maxRecords: number, maxBytes: number, newId: () => string): Promise<Batch | undefined> {
    const batch = this.take(signal, maxRecords, maxBytes, newId, this.durableSeq);
    await this.saving;
    return batch;
  }

  /**
   * For a page going away, at once: a new batch as {@link another} makes, but of every record
   * (what is not durable yet is committed first, in the same order), its commit started and not
   * waited for — the page may be gone before it completes, the request must leave now.
   */
  anotherNow(signal: Signal, maxRecords: number, maxBytes: number, newId: () => string): Batch | undefined {
    void this.persist();
    return this.take(signal, maxRecords, maxBytes, newId, this.lastSeq);
  }

  /** Saves the batches in flight synchronously where the store can (a page going away). */
  saveInFlightNow(): void {
    this.store.saveInFlightSync?.({ logs: [...this.batches.logs], traces: [...this.batches.traces] });
  }

  /** The batches of `signal` in flight, oldest first (an unload resends them). */
  inFlight(signal: Signal): Batch[] {
    return this.batches[signal].map((b) => ({ id: b.id, records: b.seqs.flatMap((seq) => this.records.get(seq) ?? []), report: b.report }));
  }

  private take(signal: Signal, maxRecords: number, maxBytes: number, newId: () => string, upToSeq: number): Batch | undefined {
    const records: QueuedRecord[] = [];
    let size = 0;
    for (const r of this.records.values()) {
      if (r.seq > upToSeq || records.length >= maxRecords) break;
      if (r.signal !== signal || this.inFlightSeqs.has(r.seq)) continue;
      if (records.length && size + r.bytes > maxBytes) break;
      records.push(r);
      size += r.bytes;
    }
    const unreported = this.unreported();
    const report = signal === 'logs' && unreported ? { atMs: this.now(), dropped: unreported } : undefined;
    if (!records.length && !report) return undefined;
    const batch: PendingBatch = { id: newId(), seqs: records.map((r) => r.seq), ...(report ? { report } : {}) };
    this.batches[signal].push(batch);
    for (const seq of batch.seqs) this.inFlightSeqs.add(seq);
    void this.commit({ batch: { signal, pending: [...this.batches[signal]] }, drops: this.drops() }).catch(() => {});
    return { id: batch.id, records, report };
  }

  /** Batch `id` was answered: acknowledged (its records leave), or refused for good (dropped, counted). */
  async settle(signal: Signal, id: string, outcome: 'acknowledged' | 'rejected'): Promise<void> {
    const batch = this.batches[signal].find((b) => b.id === id);
    if (!batch) return;
    const gone = batch.seqs.filter((seq) => this.records.has(seq));
    for (const seq of gone) this.forget(seq);
    if (outcome === 'rejected') this.dropped.rejected += gone.length;
    else if (batch.report) for (const reason of DROP_REASONS) this.reported[reason] += batch.report.dropped[reason] ?? 0;
    this.batches[signal] = this.batches[signal].filter((b) => b !== batch);
    for (const seq of batch.seqs) this.inFlightSeqs.delete(seq);
    // Not synced: lost in a crash, the batch is resent under its id and the gateway stores it once.
    await this.commit({ remove: batch.seqs, batch: { signal, pending: [...this.batches[signal]] }, drops: this.drops(), sync: false });
  }

  /** Records of `signal` waiting, durable or not (for flush and health). */
  waiting(signal?: Signal): number {
    let n = 0;
    for (const r of this.records.values()) if (signal === undefined || r.signal === signal) n++;
    return n;
  }

  /** Highest sequence number handed out so far. */
  get lastSeq(): number {
    return this.nextSeq - 1;
  }

  /** Whether any record of `signal` up to `seq` is still queued. */
  holds(signal: Signal, seq: number): boolean {
    for (const r of this.records.values()) {
      if (r.seq > seq) return false;
      if (r.signal === signal) return true;
    }
    return false;
  }

  /** Records not yet durable in the store. */
  get unsavedRecords(): number {
    let n = 0;
    for (const seq of this.records.keys()) if (seq > this.durableSeq) n++;
    return n;
  }

  get size(): { records: number; bytes: number } {
    return { records: this.records.size, bytes: this.bytes };
  }

  /** Drops every record (opt-out) and forgets the batches in flight. */
  async clear(): Promise<void> {
    const all = [...this.records.keys()];
    for (const seq of all) this.forget(seq);
    this.unsaved = [];
    this.unsavedRemovals = [];
    for (const signal of SIGNALS) this.batches[signal] = [];
    this.inFlightSeqs.clear();
    await this.commit({ remove: all, batch: { signal: 'logs', pending: [] } });
    await this.commit({ batch: { signal: 'traces', pending: [] } });
  }

  async close(): Promise<void> {
    await this.persist();
    await this.saving;
    await this.store.close();
  }

  /** Records the client chose not to queue (over a throttled rate): told to the gateway like the queue's own drops. */
  countDrop(reason: DropReason, n = 1): void {
    this.dropped[reason] += n;
  }

  private drops(): DropLedger {
    return { dropped: { ...this.dropped }, reported: { ...this.reported } };
  }

  /** Drops the gateway has not been told of (and is not being told of by a batch in flight); undefined when none. */
  private unreported(): DropCounts | undefined {
    const inFlight = this.batches.logs.flatMap((b) => (b.report ? [b.report.dropped] : []));
    const counts = noDrops();
    let any = false;
    for (const reason of DROP_REASONS) {
      counts[reason] = this.dropped[reason] - this.reported[reason] - inFlight.reduce((n, d) => n + (d[reason] ?? 0), 0);
      if (counts[reason] > 0) any = true;
    }
    return any ? counts : undefined;
  }

  private commit(change: StoreChange): Promise<void> {
    this.saving = this.saving.catch(() => {}).then(() => this.store.commit(change));
    return this.saving;
  }

  private remember(r: QueuedRecord): void {
    this.records.set(r.seq, r);
    this.bytes += r.bytes;
    let seqs = this.bySeverity.get(r.severity);
    if (!seqs) this.bySeverity.set(r.severity, (seqs = new Set()));
    seqs.add(r.seq);
  }

  private forget(seq: number): void {
    const r = this.records.get(seq);
    if (!r) return;
    this.records.delete(seq);
    this.bytes -= r.bytes;
    const seqs = this.bySeverity.get(r.severity)!;
    seqs.delete(seq);
    if (seqs.size === 0) {
      this.bySeverity.delete(r.severity);
      this.evictFrom.delete(r.severity);
    }
    if (seq <= this.handedSeq) this.unsavedRemovals.push(seq);
  }

  /**
   * Over `maxBytes`: the lowest severity goes first, the oldest of it first; records in flight
   * stay (they stay in flight until answered, so eviction passes them once for good). Each
   * severity's records are kept oldest first and eviction resumes where it stopped, so a full
   * queue evicts in constant time per record instead of sorting the queue on every add.
   */
  private evict(): void {
    if (this.bytes <= this.options.maxBytes) return;
    for (const severity of [...this.bySeverity.keys()].sort((a, b) => a - b)) {
      const seqs = this.bySeverity.get(severity)!;
      let from = this.evictFrom.get(severity) ?? seqs.values();
      for (;;) {
        if (this.bytes <= this.options.maxBytes) {
          this.evictFrom.set(severity, from);
          return;
        }
        const next = from.next();
        if (next.done) break;
        if (this.inFlightSeqs.has(next.value)) continue;
        this.forget(next.value);
        this.dropped.overflow++;
      }
      // Only records in flight (or none) are left of this severity: start again from the first next time.
      this.evictFrom.delete(severity);
    }
  }

  private dropExpired(): void {
    const oldest = this.now() - this.options.maxAgeMs;
    for (const r of this.records.values()) {
      if (r.createdMs >= oldest) continue;
      this.forget(r.seq);
      this.dropped.expired++;
    }
  }
}
