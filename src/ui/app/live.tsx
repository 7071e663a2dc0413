/** What every console page shares: data read again every 5 s while shown, pages of a list, and how errors and loading read. */
import { useEffect, useState } from 'preact/hooks';

import { api } from './api.ts';

export const REFRESH_MS = 5000;

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * `load()` now and every 5 s while the page is visible (new records appear without a reload);
 * again at once when `deps` change. `reload` reads again now (after an action).
 */
export function useLive<T>(load: () => Promise<T>, deps: unknown[]): { data: T | undefined; error: string | undefined; reload: () => Promise<void> } {
  const [data, setData] = useState<T | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [tick, setTick] = useState({ run: async () => {} });
  useEffect(() => {
    let stopped = false;
    const run = () =>
      load().then(
        (d) => void (stopped || (setData(d), setError(undefined))),
        (err: unknown) => void (stopped || setError(errorText(err))),
      );
    setTick({ run });
    void run();
    const timer = setInterval(() => document.visibilityState === 'visible' && void run(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
  return { data, error, reload: () => tick.run() };
}

/**
 * The first `pages` pages of a cursor-paged list (`{ <key>: T[], nextCursor }`), read again every
 * 5 s. `url(cursor)` names a page.
 */
export function usePagedList<T>(key: string, url: (cursor?: string) => string, pages: number, deps: unknown[]) {
  return useLive(async () => {
    let items: T[] = [];
    let cursor: string | undefined;
    let next: string | null = null;
    for (let i = 0; i < pages; i++) {
      const page = await api<Record<string, unknown>>(url(cursor));
      items = items.concat(page[key] as T[]);
      next = page.nextCursor as string | null;
      if (!next) break;
      cursor = next;
    }
    return { items, nextCursor: next };
  }, [...deps, pages]);
}

export function Problem({ error }: { error: string | undefined }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

export function Loading() {
  return (
    <p class="muted" role="status">
      Loading…
    </p>
  );
}

/** A table's column headers; `[label, 'num']` for a right-aligned number column. */
export function Head({ columns }: { columns: Array<string | [string, 'num']> }) {
  return (
    <thead>
      <tr>
        {columns.map((c) =>
          typeof c === 'string' ? (
            <th scope="col">{c}</th>
          ) : (
            <th scope="col" class="num">
              {c[0]}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}
