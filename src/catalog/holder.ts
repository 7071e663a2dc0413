import { statSync } from 'node:fs';
import { catalogNamespaces } from './check.ts';
import type { CatalogConfig } from './config.ts';
import { CatalogError, loadCatalog, type Catalog } from './load.ts';

/** The catalog in force and the namespaces it governs. */
export interface ActiveCatalog {
  catalog: Catalog;
  namespaces: ReadonlySet<string>;
}

/**
 * Holds the catalog: loaded at start (a start with an invalid catalog fails, naming each problem),
 * then reloaded when a file changes: a change that validates replaces it at once; one that does
 * not is reported and the catalog in force stays.
 */
export class CatalogHolder {
  private active: ActiveCatalog;
  private stamps: string;
  private timer: NodeJS.Timeout | undefined;
  private readonly listeners: Array<(active: ActiveCatalog) => void> = [];

  constructor(
    private readonly config: CatalogConfig,
    private readonly on: { reloaded?(catalog: Catalog): void; rejected?(err: CatalogError): void } = {},
  ) {
    this.active = this.load();
    this.stamps = this.stampsNow();
  }

  /** The catalog in force. */
  get current(): ActiveCatalog {
    return this.active;
  }

  /** Calls `listener` with each catalog that replaces the one in force. */
  subscribe(listener: (active: ActiveCatalog) => void): void {
    this.listeners.push(listener);
  }

  /** Starts checking the files for changes. */
  start(): void {
    this.timer ??= setInterval(() => this.check(), this.config.reloadCheckMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Reloads if a file changed since the last load (or check); returns whether the catalog was replaced. */
  check(): boolean {
    const stamps = this.stampsNow();
    if (stamps === this.stamps) return false;
    this.stamps = stamps;
    try {
      this.active = this.load();
    } catch (err) {
      if (!(err instanceof CatalogError)) throw err;
      this.on.rejected?.(err);
      return false;
    }
    this.on.reloaded?.(this.active.catalog);
    for (const listener of this.listeners) listener(this.active);
    return true;
  }

  private load(): ActiveCatalog {
    const catalog = loadCatalog(this.config.files);
    return { catalog, namespaces: catalogNamespaces(catalog, this.config.namespaces) };
  }

  private stampsNow(): string {
    return this.config.files.map((f) => {
      try {
        const s = statSync(f);
        return `${s.mtimeMs}:${s.size}`;
      } catch {
        return 'missing';
      }
    }).join('|');
  }
}
