import type { DropLedger, PendingBatch, QueuedRecord, RecordStore, Signal, StoreChange, StoreState } from '../core/queue.ts';

/**
 * The browser and worker SDK's queue store, in IndexedDB (`otelhouse-sdk`), shared by every tab
 * and worker of an origin. Each page (or worker) writes its own partition, so queues never mix;
 * `partitions` lists them all, for a page to adopt those whose page is gone (see `tabs.ts`).
 * A commit is one transaction: durable when it completes, which survives the tab's crash.
 */

const DB_NAME = 'otelhouse-sdk';

interface PartitionState {
  p: string;
  batches: Partial<Record<Signal, PendingBatch[]>>;
  drops?: DropLedger;
  createdMs: number;
}

/** Opens (creating on first use) the SDK's database. */
export function openDatabase(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => {
      const db = request.result;
      db.createObjectStore('records', { keyPath: ['p', 'seq'] });
      db.createObjectStore('partitions', { keyPath: 'p' });
      db.createObjectStore('meta');
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

function done(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
    tx.onabort = () => reject(tx.error ?? new Error('IndexedDB transaction aborted'));
  });
}

function result<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** The ids of every partition in the database. */
export async function partitions(db: IDBDatabase): Promise<string[]> {
  const tx = db.transaction('partitions', 'readonly');
  return (await result(tx.objectStore('partitions').getAllKeys())) as string[];
}

/**
 * What a page needs of the shared `meta` store at start, read in one transaction; an
 * `installationId` is made (and stored, in the same transaction) when there is none.
 */
export async function startMeta(db: IDBDatabase): Promise<Record<'installationId' | 'optedOut' | 'config', string | undefined>> {
  const tx = db.transaction('meta', 'readwrite');
  const store = tx.objectStore('meta');
  const read = (key: string) => result(store.get(key)) as Promise<string | undefined>;
  let [installationId, optedOut, config] = await Promise.all([read('installationId'), read('optedOut'), read('config')]);
  if (installationId === undefined) store.put((installationId = crypto.randomUUID()), 'installationId');
  await done(tx);
  return { installationId, optedOut, config };
}

export async function setMeta(db: IDBDatabase, key: string, value: string | undefined): Promise<void> {
  const tx = db.transaction('meta', 'readwrite');
  if (value === undefined) tx.objectStore('meta').delete(key);
  else tx.objectStore('meta').put(value, key);
  await done(tx);
}

export class IdbStore implements RecordStore {
  private state: PartitionState;

  constructor(
    private readonly db: IDBDatabase,
    readonly partition: string,
  ) {
    this.state = { p: partition, batches: {}, createdMs: Date.now() };
  }

  async load(): Promise<StoreState> {
    const tx = this.db.transaction(['records', 'partitions'], 'readwrite');
    const range = IDBKeyRange.bound([this.partition, 0], [this.partition, Number.MAX_SAFE_INTEGER]);
    const records = (await result(tx.objectStore('records').getAll(range))) as Array<QueuedRecord & { p?: string }>;
    const state = (await result(tx.objectStore('partitions').get(this.partition))) as PartitionState | undefined;
    if (state) this.state = state;
    else tx.objectStore('partitions').put(this.state);
    await done(tx);
    for (const r of records) delete r.p;
    // Batches an unload sent whose commit may not have completed: the same ids again, never new ones.
    for (const [signal, saved] of Object.entries(this.savedInFlight()) as Array<[Signal, PendingBatch[]]>) {
      const known = new Set((this.state.batches[signal] ?? []).map((b) => b.id));
      const merged = [...(this.state.batches[signal] ?? []), ...saved.filter((b) => !known.has(b.id))];
      this.state.batches[signal] = merged.sort((a, b) => (a.seqs[0] ?? 0) - (b.seqs[0] ?? 0));
    }
    return { records, batches: { ...this.state.batches }, drops: this.state.drops };
  }

  saveInFlightSync(batches: Record<Signal, PendingBatch[]>): void {
    try {
      globalThis.localStorage?.setItem(this.savedKey, JSON.stringify(batches));
    } catch {
      // no localStorage (a worker) or it is full: the store's own commit is all there is
    }
  }

  private get savedKey(): string {
    return `otelhouse-sdk-in-flight-${this.partition}`;
  }

  private savedInFlight(): Partial<Record<Signal, PendingBatch[]>> {
    try {
      const text = globalThis.localStorage?.getItem(this.savedKey);
      return text ? (JSON.parse(text) as Partial<Record<Signal, PendingBatch[]>>) : {};
    } catch {
      return {};
    }
  }

  async commit(change: StoreChange): Promise<void> {
    // A change that need not be synced on its own is a relaxed transaction (no flush to disk of its own); others keep the browser's default.
    const tx = this.db.transaction(['records', 'partitions'], 'readwrite', change.sync === false ? { durability: 'relaxed' } : undefined);
    const records = tx.objectStore('records');
    for (const r of change.put ?? []) records.put({ ...r, p: this.partition });
    // Removals come in runs of consecutive seqs (a batch's records): one range delete per run.
    for (const [from, to] of runs(change.remove ?? [])) records.delete(from === to ? [this.partition, from] : IDBKeyRange.bound([this.partition, from], [this.partition, to]));
    if (change.batch || change.drops) {
      if (change.batch) this.state.batches[change.batch.signal] = change.batch.pending;
      if (change.drops) this.state.drops = change.drops;
      tx.objectStore('partitions').put(this.state);
    }
    await done(tx);
  }

  /** Removes the partition (its records and state): once an adopted partition is delivered. */
  async drop(): Promise<void> {
    const tx = this.db.transaction(['records', 'partitions'], 'readwrite');
    tx.objectStore('records').delete(IDBKeyRange.bound([this.partition, 0], [this.partition, Number.MAX_SAFE_INTEGER]));
    tx.objectStore('partitions').delete(this.partition);
    await done(tx);
    try {
      globalThis.localStorage?.removeItem(this.savedKey);
    } catch {
      // no localStorage
    }
  }

  async close(): Promise<void> {
    // The database is shared by the page's stores; it closes with the page.
  }
}

/** `seqs` as runs of consecutive numbers, `[first, last]` each, in ascending order. */
export function runs(seqs: readonly number[]): Array<[number, number]> {
  const sorted = [...seqs].sort((a, b) => a - b);
  const out: Array<[number, number]> = [];
  for (const seq of sorted) {
    const last = out[out.length - 1];
    if (last && seq <= last[1] + 1) last[1] = Math.max(last[1], seq);
    else out.push([seq, seq]);
  }
  return out;
}
