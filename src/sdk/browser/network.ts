import { context, SpanKind, SpanStatusCode, type Span } from '@opentelemetry/api';

import type { Client, InitOptions } from '../core/client.ts';
import type { Call, CallRecorder } from './instrument.ts';

/**
 * Network spans (issue 14, point 7; the full build): each fetch/XHR a CLIENT span with
 * `http.request.method`, the sanitized `url.full`, `server.address` and
 * `http.response.status_code` (4xx, 5xx and no answer are errors); its W3C `traceparent` sent to
 * the page's own origin and to `tracePropagationTargets` only; headers recorded only when listed
 * in `recordHeaders`.
 */
export function networkSpans(client: () => Client | undefined, options: InitOptions): CallRecorder {
  const network = new Network(client, options);
  return (method, rawUrl, url, crumb) => network.start(method, rawUrl, url, crumb);
}

class Network {
  private readonly targets: Array<string | RegExp>;
  private readonly recorded: string[];

  constructor(
    private readonly client: () => Client | undefined,
    options: InitOptions,
  ) {
    this.targets = options.tracePropagationTargets ?? [];
    this.recorded = (options.recordHeaders ?? []).map((h) => h.toLowerCase());
  }

  start(method: string, rawUrl: string, url: string, crumb: (status: number) => void): Call {
    const c = this.client();
    let span: Span | undefined;
    if (c) {
      let server = '';
      try {
        server = new URL(rawUrl).hostname;
      } catch {
        // not a URL: no server.address
      }
      span = c.tracer.startSpan(method, { kind: SpanKind.CLIENT, attributes: { 'http.request.method': method, 'url.full': url, ...(server ? { 'server.address': server } : {}) } }, context.active());
      if (!span.isRecording()) span = undefined;
    }
    const sc = span?.spanContext();
    const propagate = sc && this.propagates(rawUrl);
    const record = (prefix: string, headers: HeadersInit | Headers | undefined) => {
      if (!span || this.recorded.length === 0 || !headers) return;
      const h = headers instanceof Headers ? headers : new Headers(headers);
      for (const name of this.recorded) {
        const value = h.get(name);
        if (value !== null) span.setAttribute(`${prefix}.${name}`, [value]);
      }
    };
    return {
      ...(propagate ? { traceparent: `00-${sc.traceId}-${sc.spanId}-0${sc.traceFlags & 1}` } : {}),
      ...(propagate && sc.traceState ? { tracestate: sc.traceState.serialize() } : {}),
      requestHeaders: (headers) => record('http.request.header', headers),
      end: (status, headers, error) => {
        crumb(status);
        if (!span) return;
        if (status > 0) span.setAttribute('http.response.status_code', status);
        record('http.response.header', headers);
        // Client spans: 4xx and 5xx are errors, and so is no answer.
        if (status === 0 || status >= 400) {
          span.setStatus({ code: SpanStatusCode.ERROR });
          span.setAttribute('error.type', status === 0 ? (error instanceof Error ? error.name : 'network') : String(status));
        }
        span.end();
      },
    };
  }

  /** The page's own origin, or one the app listed. */
  private propagates(url: string): boolean {
    if (typeof location !== 'undefined') {
      try {
        if (new URL(url).origin === location.origin) return true;
      } catch {
        return false;
      }
    }
    return this.targets.some((t) => (typeof t === 'string' ? url === t || url.startsWith(t.endsWith('/') ? t : `${t}/`) : t.test(url)));
  }
}
