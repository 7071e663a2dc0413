/** What every console page shares: data read again every 5 s while shown, pages of a list, and how errors and loading read. */
import { useEffect, useRef, useState } from 'preact/hooks';

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
  const run = useRef(async () => {});
  useEffect(() => {
    let stopped = false;
    run.current = () =>
      load().then(
        (d) => void (stopped || (setData(d), setError(undefined))),
        (err: unknown) => void (stopped || setError(errorText(err))),
      );
    void run.current();
    const timer = setInterval(() => document.visibilityState === 'visible' && void run.current(), REFRESH_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
  return { data, error, reload: () => run.current() };
}

/**
 * The pages of a cursor-paged list (`{ <key>: T[], nextCursor }`) read so far, read again every
 * 5 s; `more()` adds the next page. `url(cursor)` names a page; when `filters` change, the list
 * starts again from its first page, and what was read under the earlier filters is no longer
 * given (the list is loading, or shows why it cannot load, rather than rows that do not match).
 */
export function usePagedList<T>(key: string, url: (cursor?: string) => string, filters: unknown[]) {
  const filtersKey = JSON.stringify(filters);
  const [pages, setPages] = useState({ count: 1, of: filtersKey });
  const count = pages.of === filtersKey ? pages.count : 1;
  const live = useLive(async () => {
    let items: T[] = [];
    let cursor: string | undefined;
    let next: string | null = null;
    for (let i = 0; i < count; i++) {
      const page = await api<Record<string, unknown>>(url(cursor));
      items = items.concat(page[key] as T[]);
      next = page.nextCursor as string | null;
      if (!next) break;
      cursor = next;
    }
    return { items, nextCursor: next, of: filtersKey };
  }, [filtersKey, count]);
  const data = live.data?.of === filtersKey ? live.data : undefined;
  return { ...live, data, more: () => setPages({ count: count + 1, of: filtersKey }) };
}

/** `value`, once it has not changed for 300 ms, trimmed: a text filter applies as the operator pauses typing. */
export function useDebounced(value: string): string {
  const [settled, setSettled] = useState(value.trim());
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value.trim()), 300);
    return () => clearTimeout(timer);
  }, [value]);
  return settled;
}

/** The value of the input, select or textarea an event came from (not named `valueOf`, which every object has). */
export const inputValue = (event: Event): string => (event.currentTarget as HTMLInputElement).value;

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
