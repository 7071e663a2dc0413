/**
 * One POST of one alert body: the transport the webhook queue wraps with retries, backoff and a
 * bound. Never rejects; every outcome is a {@link DeliveryResult}.
 */

/** `success`; `failure` (not worth retrying); `retryable`, with the receiver's `Retry-After` when it gave one. */
export type DeliveryResult =
  | { kind: 'success'; status: number }
  | { kind: 'failure'; status?: number; reason: string }
  | { kind: 'retryable'; status?: number; afterMs?: number; reason: string };

/** Options of one attempt. */
export interface PostOptions {
  headers?: Record<string, string>;
  /** The attempt is aborted (and retryable) after this long, response body included. */
  timeoutMs: number;
  /** Aborts the attempt early (shutdown). */
  signal?: AbortSignal;
  /** Injected in tests; the Node 20 global `fetch` otherwise. */
  fetch?: typeof fetch;
}

/** POSTs `body` as JSON to `url` and classifies the outcome. */
export async function postJson(url: string, body: string, options: PostOptions): Promise<DeliveryResult> {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, options.timeoutMs);
  timer.unref();
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted) controller.abort();
  try {
    const response = await (options.fetch ?? fetch)(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'otelhouse-alerts', ...options.headers },
      body,
      // A webhook that redirects is misconfigured; following would also resend the headers elsewhere.
      redirect: 'manual',
      signal: controller.signal,
    });
    // Read the (small) answer so the connection can be reused; its content does not matter.
    await response.arrayBuffer().catch(() => undefined);
    return classifyResponse(response.status, response.headers.get('retry-after'));
  } catch (err) {
    if (timedOut) return { kind: 'retryable', reason: `timed out after ${options.timeoutMs} ms` };
    if (controller.signal.aborted) return { kind: 'failure', reason: 'aborted' };
    return { kind: 'retryable', reason: describe(err) };
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

/** 2xx succeeds; 408, 429 and 5xx are retried (429/503 after `Retry-After`); anything else fails for good. */
export function classifyResponse(status: number, retryAfter: string | null, nowMs = Date.now()): DeliveryResult {
  if (status >= 200 && status < 300) return { kind: 'success', status };
  if (status === 408 || status === 429 || status >= 500) {
    const afterMs = parseRetryAfter(retryAfter, nowMs);
    return { kind: 'retryable', status, reason: `HTTP ${status}`, ...(afterMs === undefined ? {} : { afterMs }) };
  }
  return { kind: 'failure', status, reason: `HTTP ${status}` };
}

/** `Retry-After` (RFC 9110 §10.2.3) as milliseconds from now: delay-seconds or an HTTP-date; undefined when absent or invalid. */
export function parseRetryAfter(value: string | null, nowMs = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  // An HTTP-date names its month; without this, Date.parse would read '-5' as a year.
  const date = /[a-z]/i.test(trimmed) ? Date.parse(trimmed) : Number.NaN;
  return Number.isNaN(date) ? undefined : Math.max(0, date - nowMs);
}

function describe(err: unknown): string {
  // undici puts the useful part (ECONNREFUSED, ENOTFOUND…) in `cause`.
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  if (cause?.code) return cause.code;
  if (cause?.message) return cause.message;
  return err instanceof Error ? err.message : String(err);
}
