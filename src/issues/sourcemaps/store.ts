import { createHash } from 'node:crypto';

import type { ClickHouseClient } from '@clickhouse/client';

import { TtlLru } from './cache.ts';
import { DecodedSourceMap } from './decoded.ts';
import { SOURCEMAPS_TABLE, sourceMapQueries, type ListRow } from './queries.ts';
import { candidateFileUrls } from './urls.ts';
import { SourceMapInvalid, validateUpload } from './validate.ts';

/** Options of a {@link SourceMapStore}; every field but the table has a default. */
export interface SourceMapStoreOptions {
  /** Table name. Default `otelhouse_sourcemaps`. */
  table?: string;
  /** Largest accepted map, in bytes of JSON. Default 50 MiB. */
  maxMapBytes?: number;
  /** Most lookups (found or not) kept in memory. Default 500. */
  cacheMaxEntries?: number;
  /** Most memory the decoded maps in the cache may hold, in bytes. Default 256 MiB. */
  cacheMaxBytes?: number;
  /** How long a found map stays cached, in ms; bounds how late another gateway sees a re-upload. Default 5 min. */
  cacheTtlMs?: number;
  /** How long "no map for this file" stays cached, in ms, so frames without maps cost no queries. Default 30 s. */
  notFoundTtlMs?: number;
  /** Called when a lookup fails (query or decoding error); the lookup then answers "no map". */
  onError?: (err: unknown) => void;
  /** Clock, for tests. */
  now?: () => number;
}

/** What the list API shows about one stored map. */
export interface SourceMapInfo {
  release: string;
  fileUrl: string;
  /** SHA-256 of the stored JSON, lowercase hex. */
  digest: string;
  sizeBytes: number;
  /** ISO 8601. */
  uploadedAt: string;
}

/** What symbolication needs from a store. */
export interface SourceMapLookup {
  /** The decoded map serving `fileUrl` in `release`, or `undefined`. Never rejects. */
  get(release: string, fileUrl: string): Promise<DecodedSourceMap | undefined>;
}

const MAX_RELEASE = 250;
const MAX_FILE_URL = 2048;
const LIST_LIMIT = 10_000;
const MAX_KNOWN_RELEASES = 100_000;

/**
 * Source maps per (release, minified file URL) in ClickHouse, with an in-memory LRU of decoded
 * maps in front, which also remembers misses briefly. A frame's file matches an upload exactly,
 * then without query and fragment, then by path against an upload named `~/path`.
 */
export class SourceMapStore implements SourceMapLookup {
  private readonly sql: ReturnType<typeof sourceMapQueries>;
  private readonly cache: TtlLru<DecodedSourceMap | null>;
  private readonly inflight = new Map<string, Promise<DecodedSourceMap | undefined>>();
  /**
   * Releases that have maps, re-read every `notFoundTtlMs`: frames of any other release cost no
   * query at all, whatever file URLs senders put in them.
   */
  private releases: { names: Set<string>; loadedAtMs: number } | undefined;
  private releasesLoading: Promise<void> | undefined;
  /** Bumped by every write, so a lookup that started before it does not cache a stale answer. */
  private generation = 0;
  private readonly opts: Required<Omit<SourceMapStoreOptions, 'onError'>> & Pick<SourceMapStoreOptions, 'onError'>;

  constructor(
    private readonly client: ClickHouseClient,
    database: string,
    options: SourceMapStoreOptions = {},
  ) {
    this.opts = {
      table: SOURCEMAPS_TABLE,
      maxMapBytes: 50 * 1024 * 1024,
      cacheMaxEntries: 500,
      cacheMaxBytes: 256 * 1024 * 1024,
      cacheTtlMs: 5 * 60_000,
      notFoundTtlMs: 30_000,
      now: Date.now,
      ...options,
    };
    this.sql = sourceMapQueries(database, this.opts.table);
    this.cache = new TtlLru({ maxEntries: this.opts.cacheMaxEntries, maxBytes: this.opts.cacheMaxBytes }, this.opts.now);
  }

  /** Largest accepted map, in bytes of JSON. */
  get maxMapBytes(): number {
    return this.opts.maxMapBytes;
  }

  /**
   * Validates and stores a map for `release` and `fileUrl`, replacing any earlier one. Throws
   * {@link SourceMapInvalid} (bad release, URL or map) or `SourceMapTooLarge` (over `maxMapBytes`).
   */
  async put(release: string, fileUrl: string, sourceMap: unknown): Promise<SourceMapInfo> {
    checkKey(release, fileUrl);
    const { content } = await validateUpload(sourceMap, this.opts.maxMapBytes);
    const digest = createHash('sha256').update(content).digest('hex');
    // The time answered is the time stored (and listed): the replacing version.
    const uploadedAt = this.opts.now();
    await this.client.insert({
      table: this.sql.table,
      values: [{ Release: release, FileUrl: fileUrl, Content: content, Digest: digest, UploadedAt: uploadedAt }],
      format: 'JSONEachRow',
    });
    this.invalidate(release);
    return { release, fileUrl, digest, sizeBytes: Buffer.byteLength(content), uploadedAt: new Date(uploadedAt).toISOString() };
  }

  async get(release: string, fileUrl: string): Promise<DecodedSourceMap | undefined> {
    if (!release || !fileUrl) return undefined;
    if (!(await this.mayHaveMaps(release))) return undefined;
    const key = `${release}\u0000${fileUrl}`;
    const hit = this.cache.get(key);
    if (hit) return hit.value ?? undefined;
    let pending = this.inflight.get(key);
    if (pending === undefined) {
      pending = this.load(release, fileUrl, key).finally(() => this.inflight.delete(key));
      this.inflight.set(key, pending);
    }
    return pending;
  }

  /** Stored maps, of one release or of all, ordered by release and file URL (at most 10,000). */
  async list(release?: string): Promise<SourceMapInfo[]> {
    const found =
      release === undefined
        ? await this.select<ListRow>(this.sql.listAll, { limit: LIST_LIMIT })
        : await this.select<ListRow>(this.sql.listRelease, { release, limit: LIST_LIMIT });
    return found.map((r) => ({
      release: r.Release,
      fileUrl: r.FileUrl,
      digest: r.Digest,
      sizeBytes: Number(r.SizeBytes),
      uploadedAt: new Date(Number(r.UploadedAtMs)).toISOString(),
    }));
  }

  /** Deletes the map of one file, or every map of the release when `fileUrl` is omitted. */
  async delete(release: string, fileUrl?: string): Promise<void> {
    if (fileUrl === undefined) await this.client.command({ query: this.sql.deleteRelease, query_params: { release } });
    else await this.client.command({ query: this.sql.deleteFile, query_params: { release, fileUrl } });
    this.invalidate(release);
  }

  private async load(release: string, fileUrl: string, key: string): Promise<DecodedSourceMap | undefined> {
    const generation = this.generation;
    let map: DecodedSourceMap | null = null;
    try {
      const candidates = candidateFileUrls(fileUrl);
      const found = await this.select<{ FileUrl: string; Content: string }>(this.sql.find, { release, fileUrls: candidates });
      const best = candidates.map((c) => found.find((r) => r.FileUrl === c)).find((r) => r !== undefined);
      if (best) map = await DecodedSourceMap.parse(best.Content);
    } catch (err) {
      // Remembered as a miss for notFoundTtlMs: a broken map or an unreachable store must not cost a query per frame.
      this.opts.onError?.(err);
    }
    if (generation === this.generation) {
      if (map) this.cache.set(key, map, map.bytes, this.opts.cacheTtlMs);
      else this.cache.set(key, null, key.length * 2 + 64, this.opts.notFoundTtlMs);
    }
    return map ?? undefined;
  }

  private invalidate(release: string): void {
    this.generation++;
    this.cache.deletePrefix(`${release}\u0000`);
    this.releases = undefined;
  }

  /** False only when the release is known to have no maps; true when unknown (the lookup decides). */
  private async mayHaveMaps(release: string): Promise<boolean> {
    if (this.releases === undefined || this.opts.now() - this.releases.loadedAtMs >= this.opts.notFoundTtlMs) {
      this.releasesLoading ??= this.select<{ Release: string }>(this.sql.releases, { limit: MAX_KNOWN_RELEASES })
        .then((rows) => {
          // At the bound the list may be incomplete: leave every release to its own lookup.
          this.releases = rows.length < MAX_KNOWN_RELEASES ? { names: new Set(rows.map((r) => r.Release)), loadedAtMs: this.opts.now() } : undefined;
        })
        .catch((err) => {
          this.releases = undefined;
          this.opts.onError?.(err);
        })
        .finally(() => (this.releasesLoading = undefined));
      await this.releasesLoading;
    }
    return this.releases === undefined || this.releases.names.has(release);
  }

  private async select<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const result = await this.client.query({ query, format: 'JSONEachRow', query_params: params });
    return result.json<T>();
  }
}

function checkKey(release: string, fileUrl: string): void {
  if (!release || release.length > MAX_RELEASE || /[\u0000-\u001f]/.test(release)) {
    throw new SourceMapInvalid(`release must be 1 to ${MAX_RELEASE} characters without control characters`, 'release');
  }
  if (!fileUrl || fileUrl.length > MAX_FILE_URL || /[\u0000-\u001f\s]/.test(fileUrl)) {
    throw new SourceMapInvalid(`fileUrl must be 1 to ${MAX_FILE_URL} characters without spaces or control characters`, 'fileUrl');
  }
}
