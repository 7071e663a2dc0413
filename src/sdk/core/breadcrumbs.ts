/**
 * Breadcrumbs: what happened just before an error — clicks (as a CSS selector, never text),
 * HTTP requests (method, sanitized URL, status), navigations, console warnings and errors, and
 * the app's own. The last 100, at most 16 KiB of JSON, go with every error record as the
 * `otelhouse.breadcrumbs` attribute (a JSON array; redaction runs on it like on any attribute).
 */

import { utf8Length } from './queue.ts';

export interface Breadcrumb {
  /** `click`, `http`, `navigation`, `console`, or the app's own category. */
  category: string;
  message?: string;
  data?: Record<string, string | number | boolean>;
}

const MAX_CRUMBS = 100;
const MAX_BYTES = 16 * 1024;
/** Longest message kept; a longer one is cut (a breadcrumb is a hint, not a log). */
const MAX_MESSAGE = 300;

export class BreadcrumbRing {
  private readonly texts: string[] = [];
  private readonly sizes: number[] = [];
  /** UTF-8 bytes of {@link json}: the texts, their commas and the brackets. */
  private bytes = 1;

  add(crumb: Breadcrumb, timeMs = Date.now()): void {
    const message = crumb.message === undefined ? undefined : String(crumb.message).slice(0, MAX_MESSAGE);
    const text = JSON.stringify({ t: timeMs, category: String(crumb.category).slice(0, 64), ...(message !== undefined ? { message } : {}), ...(crumb.data ? { data: crumb.data } : {}) });
    const size = utf8Length(text) + 1;
    this.texts.push(text);
    this.sizes.push(size);
    this.bytes += size;
    while (this.texts.length > MAX_CRUMBS || this.bytes > MAX_BYTES) {
      this.texts.shift();
      this.bytes -= this.sizes.shift()!;
    }
  }

  get size(): number {
    return this.texts.length;
  }

  /** The ring as a JSON array, oldest first; undefined when empty. */
  json(): string | undefined {
    return this.texts.length === 0 ? undefined : `[${this.texts.join(',')}]`;
  }
}
