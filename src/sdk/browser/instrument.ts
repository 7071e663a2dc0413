import type { Client, InitOptions } from '../core/client.ts';
import { sanitizeUrl } from '../core/url.ts';

/** One fetch/XHR under way: the trace headers it carries, and what ends it. */
export interface Call {
  traceparent?: string;
  tracestate?: string;
  requestHeaders(headers: HeadersInit | undefined): void;
  end(status: number, headers: Headers | undefined, error?: unknown): void;
}

/** Starts the record of a fetch/XHR (`crumb` adds its breadcrumb when it ends). */
export type CallRecorder = (method: string, rawUrl: string, url: string, crumb: (status: number) => void) => Call;

/** The core build's: a breadcrumb per request, no span. */
const crumbOnly: CallRecorder = (_method, _raw, _url, crumb) => ({ requestHeaders: () => {}, end: (status) => crumb(status) });

/**
 * What the browser SDK records without the app's help (issue 14, points 6 and 7):
 * - breadcrumbs: clicks as a CSS selector (never the element's text), navigations (history and
 *   hash changes), console warnings and errors, and each fetch/XHR (method, sanitized URL, status);
 * - network spans (full build): each fetch/XHR a CLIENT span with `http.request.method`, the
 *   sanitized `url.full`, `server.address`, `http.response.status_code`; the W3C `traceparent`
 *   of the span sent to the page's origin and to `tracePropagationTargets` only; headers only
 *   when listed in `recordHeaders`.
 * The SDK's own requests (the gateway's `/v1/` telemetry paths) are left alone. Patched once per
 * realm; every hook acts on the client `init` made last. `recorder` makes the spans (`network.ts`,
 * the full build). With breadcrumbs off, clicks are not listened to and `console` and `history`
 * stay the browser's own (a wrapped `console` shows the SDK as the caller in DevTools).
 */
export function instrument(client: () => Client | undefined, options: InitOptions, recorder: CallRecorder = crumbOnly): void {
  const on = { breadcrumbs: true, network: true, ...options.instrument };
  const crumb = (category: string, message?: string, data?: Record<string, string | number | boolean>) => {
    if (on.breadcrumbs) client()?.addBreadcrumb({ category, ...(message !== undefined ? { message } : {}), ...(data ? { data } : {}) });
  };
  const here = typeof location !== 'undefined' ? location.href : undefined;
  const own = telemetryRequest(absoluteUrl(options.endpoint, here));
  const record = on.network ? recorder : crumbOnly;
  const network = {
    start: (method: string, rawUrl: string): Call => {
      const url = sanitizeUrl(rawUrl);
      return record(method, rawUrl, url, (status) => crumb('http', undefined, { method, url, status_code: status }));
    },
  };

  if (on.breadcrumbs && typeof document !== 'undefined') {
    document.addEventListener('click', (event) => crumb('click', selectorOf(event.target)), { capture: true, passive: true });
  }
  if (on.breadcrumbs && typeof history !== 'undefined') {
    let from = sanitizeUrl(location.href);
    const navigated = () => {
      const to = sanitizeUrl(location.href);
      if (to !== from) crumb('navigation', undefined, { from, to });
      from = to;
    };
    for (const method of ['pushState', 'replaceState'] as const) {
      const original = history[method];
      history[method] = function (this: History, ...args: Parameters<History['pushState']>) {
        const result = original.apply(this, args);
        navigated();
        return result;
      };
    }
    addEventListener('popstate', navigated);
    addEventListener('hashchange', navigated);
  }
  for (const level of on.breadcrumbs ? (['warn', 'error'] as const) : []) {
    const original = console[level];
    console[level] = function (...args: unknown[]) {
      crumb('console', args.map(text).join(' '), { level });
      return original.apply(this, args);
    };
  }
  if (typeof fetch === 'function') {
    const original = fetch;
    globalThis.fetch = function (input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      const absolute = absoluteUrl(url, here);
      if (own(absolute)) return original(input, init);
      const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
      const call = network.start(method, absolute);
      let headers: Headers | undefined;
      if (call.traceparent) {
        headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined));
        headers.set('traceparent', call.traceparent);
        if (call.tracestate) headers.set('tracestate', call.tracestate);
      }
      call.requestHeaders(init?.headers ?? (input instanceof Request ? input.headers : undefined));
      return original(input, headers ? { ...init, headers } : init).then(
        (response) => {
          call.end(response.status, response.headers);
          return response;
        },
        (err: unknown) => {
          call.end(0, undefined, err);
          throw err;
        },
      );
    };
  }
  if (typeof XMLHttpRequest === 'function') {
    const calls = new WeakMap<XMLHttpRequest, { method: string; url: string; headers: Record<string, string>; call?: Call }>();
    const proto = XMLHttpRequest.prototype;
    const { open, send, setRequestHeader } = proto;
    const listening = new WeakSet<XMLHttpRequest>();
    proto.open = function (this: XMLHttpRequest, method: string, url: string | URL, ...rest: unknown[]) {
      calls.set(this, { method: String(method).toUpperCase(), url: absoluteUrl(String(url), here), headers: {} });
      // Listening from open, so the request is recorded before the app's own loadend listeners run.
      if (!listening.has(this)) {
        listening.add(this);
        this.addEventListener('loadend', () => {
          const c = calls.get(this);
          c?.call?.end(this.status, responseHeaders(this));
          if (c) c.call = undefined;
        });
      }
      return (open as (...a: unknown[]) => void).call(this, method, url, ...rest);
    } as XMLHttpRequest['open'];
    proto.setRequestHeader = function (this: XMLHttpRequest, name: string, value: string) {
      const c = calls.get(this);
      if (c) c.headers[name.toLowerCase()] = value;
      return setRequestHeader.call(this, name, value);
    };
    proto.send = function (this: XMLHttpRequest, body?: Document | XMLHttpRequestBodyInit | null) {
      const c = calls.get(this);
      if (c && !own(c.url)) {
        const call = network.start(c.method, c.url);
        if (call.traceparent) {
          setRequestHeader.call(this, 'traceparent', call.traceparent);
          if (call.tracestate) setRequestHeader.call(this, 'tracestate', call.tracestate);
        }
        call.requestHeaders(c.headers);
        c.call = call;
      }
      return send.call(this, body);
    };
  }
}

/**
 * Whether a URL is one of the gateway's telemetry paths (`/v1/logs`, `/v1/traces`, `/v1/metrics`,
 * `/v1/config` under `endpoint`): the SDK's own requests, left alone. The app's other requests to
 * the gateway's origin (a gateway behind the app's own host, as a same-origin proxy) are the app's.
 */
function telemetryRequest(endpoint: string): (url: string) => boolean {
  const base = `${endpoint.replace(/\/+$/, '')}/v1/`;
  return (url) => {
    if (!url.startsWith(base)) return false;
    const path = url.slice(base.length).split(/[?#]/, 1)[0];
    return path === 'logs' || path === 'traces' || path === 'metrics' || path === 'config';
  };
}

function absoluteUrl(url: string, base: string | undefined): string {
  try {
    return new URL(url, base).href;
  } catch {
    return url;
  }
}

function responseHeaders(xhr: XMLHttpRequest): Headers | undefined {
  try {
    const h = new Headers();
    for (const line of xhr.getAllResponseHeaders().trim().split(/[\r\n]+/)) {
      const i = line.indexOf(':');
      if (i > 0) h.append(line.slice(0, i).trim(), line.slice(i + 1).trim());
    }
    return h;
  } catch {
    return undefined;
  }
}

/** A console argument as text; never throws (a hostile toString is caught). */
function text(value: unknown): string {
  try {
    if (typeof value === 'string') return value;
    if (value instanceof Error) return `${value.name}: ${value.message}`;
    return typeof value === 'object' && value !== null ? JSON.stringify(value) ?? String(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

const SELECTOR_ID = /^[A-Za-z][\w-]{0,63}$/;
const SELECTOR_CLASS = /^[A-Za-z_][\w-]{0,63}$/;
const SELECTOR_VALUE = /^[\w-]{1,64}$/;

/**
 * A CSS selector of the clicked element, from the nearest ancestor with an id down: tag, id, up
 * to two classes, and `[data-testid]`/`[name]` when there. Never text or other attributes. Made on
 * every click, so it reads the DOM as little as it can (no arrays; the two attributes only when the
 * element has more than its class).
 */
export function selectorOf(target: EventTarget | null): string {
  let selector = '';
  let el = target instanceof Element ? target : null;
  for (let depth = 0; el && depth < 5; depth++, el = el.parentElement) {
    let part = el.localName;
    const id = el.id;
    if (id && SELECTOR_ID.test(id)) {
      selector = selector ? `${part}#${id} > ${selector}` : `${part}#${id}`;
      break;
    }
    const classes = el.classList;
    for (let i = 0, kept = 0; i < classes.length && kept < 2; i++) {
      const c = classes[i]!;
      if (SELECTOR_CLASS.test(c)) {
        part += `.${c}`;
        kept++;
      }
    }
    if (el.attributes.length > (classes.length ? 1 : 0)) {
      for (const attribute of ['data-testid', 'name']) {
        const value = el.getAttribute(attribute);
        if (value && SELECTOR_VALUE.test(value)) part += `[${attribute}="${value}"]`;
      }
    }
    selector = selector ? `${part} > ${selector}` : part;
  }
  return selector;
}
