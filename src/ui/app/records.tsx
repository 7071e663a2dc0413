/**
 * A debug session's records, in tabs (issue 15, point 2): Timeline (breadcrumbs, errors and
 * events in order), Logs (level and text filters, coloured by level), Network (HTTP client spans),
 * Traces (a list, then one trace's waterfall). Each tab re-reads every 5 s while shown, so new
 * records appear without a reload. Only the documented query API: `/api/logs`, `/api/search`
 * (TraceQL), `/api/debug-sessions/:id/records` and `/api/v2/traces/:id`.
 */
import type { LogView } from '../../query/telemetry/logs.ts';
import { useEffect, useRef, useState } from 'preact/hooks';

import { api } from './api.ts';
import { Head, Problem, useDebounced, useLive, inputValue } from './live.tsx';

const ATTR = 'otelhouse.debug_session.id';
/** What the Network tab shows of a client span (OTel HTTP semantic conventions). */
const NETWORK_ATTRIBUTES = ['http.request.method', 'url.full', 'http.response.status_code'];

interface MatchedSpan { spanID: string; name: string; startTimeUnixNano: string; durationNanos: string; attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string } }> }
interface TraceSummary { traceID: string; rootServiceName: string; rootTraceName: string; startTimeUnixNano: string; durationMs: number; spanSets?: Array<{ spans: MatchedSpan[] }> }

const levelClass = (n: number) => (n >= 17 ? 'lvl-error' : n >= 13 ? 'lvl-warn' : n >= 9 ? 'lvl-info' : n >= 5 ? 'lvl-debug' : 'lvl-trace');
const msOf = (nanos: string) => Number(nanos.slice(0, -6) || '0');
const clock = (ms: number) => new Date(ms).toLocaleTimeString(undefined, { hour12: false }) + `.${String(Math.floor(ms % 1000)).padStart(3, '0')}`;
const attrOf = (s: MatchedSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v?.stringValue ?? v?.intValue ?? '';
};

function sessionLogs(id: string, extra: Record<string, string> = {}, limit = 200): Promise<{ logs: LogView[] }> {
  const q = new URLSearchParams({ [`attr.${ATTR}`]: id, limit: String(limit), ...extra });
  return api(`/api/logs?${q}`);
}

export function LogsTab({ id }: { id: string }) {
  const [severity, setSeverity] = useState('trace');
  const [textInput, setTextInput] = useState('');
  const text = useDebounced(textInput);
  const { data, error } = useLive(() => sessionLogs(id, { severity, ...(text ? { text } : {}) }), [id, severity, text]);
  return (
    <>
      <div class="filters" role="search" aria-label="Filter logs">
        <label>
          Lowest level
          <select value={severity} onChange={(e) => setSeverity(inputValue(e))}>
            {['trace', 'debug', 'info', 'warn', 'error', 'fatal'].map((l) => (
              <option value={l}>{l}</option>
            ))}
          </select>
        </label>
        <label>
          Search
          <input type="search" value={textInput} onInput={(e) => setTextInput(inputValue(e))} />
        </label>
      </div>
      <Problem error={error} />
      {data && data.logs.length === 0 && <p class="muted">No logs yet.</p>}
      {data && data.logs.length > 0 && (
        <table class="list logs">
          <caption class="visually-hidden">The session's logs, newest first</caption>
          <Head columns={['Time', 'Level', 'Service', 'Message']} />
          <tbody>
            {data.logs.map((l) => (
              <tr class={levelClass(l.severityNumber)} data-level={l.severityText}>
                <td class="mono">{clock(msOf(l.timeUnixNano))}</td>
                <td>
                  <span class="level">{l.severityText || String(l.severityNumber)}</span>
                </td>
                <td>{l.serviceName}</td>
                <td class="message">{l.eventName ? `${l.eventName} ${l.body}`.trim() : l.body}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** The session's client spans (fetch and XHR), newest first: method, sanitized URL, status, duration. */
export function NetworkTab({ id }: { id: string }) {
  const { data, error } = useLive(async () => {
    // Tempo's search returns the attributes its query names: each is named (present or not) so it comes back.
    const named = NETWORK_ATTRIBUTES.map((k) => `(span.${k} != nil || span.${k} = nil)`).join(' && ');
    const q = new URLSearchParams({ q: `{ resource.${ATTR} = "${id.replace(/["\\]/g, '\\$&')}" && kind = client && ${named} }`, limit: '50', spss: '100' });
    const found = await api<{ traces: TraceSummary[] }>(`/api/search?${q}`);
    return found.traces.flatMap((t) => (t.spanSets ?? []).flatMap((s) => s.spans.map((span) => ({ traceId: t.traceID, span })))).sort((a, b) => msOf(b.span.startTimeUnixNano) - msOf(a.span.startTimeUnixNano));
  }, [id]);
  return (
    <>
      <Problem error={error} />
      {data && data.length === 0 && <p class="muted">No HTTP requests yet.</p>}
      {data && data.length > 0 && (
        <table class="list">
          <caption class="visually-hidden">HTTP requests the client made, newest first</caption>
          <Head columns={['Time', 'Method', 'URL', ['Status', 'num'], ['Duration', 'num']]} />
          <tbody>
            {data.map(({ span }) => {
              const status = attrOf(span, 'http.response.status_code');
              return (
                <tr class={Number(status) >= 400 || status === '0' ? 'lvl-error' : ''}>
                  <td class="mono">{clock(msOf(span.startTimeUnixNano))}</td>
                  <td>{attrOf(span, 'http.request.method') || span.name}</td>
                  <td class="message">{attrOf(span, 'url.full')}</td>
                  <td class="num">{status || '—'}</td>
                  <td class="num">{(Number(span.durationNanos) / 1e6).toFixed(1)} ms</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}

interface Breadcrumb { t: number; category: string; message?: string; data?: Record<string, unknown> }

/** Breadcrumbs (carried by the error records), errors and named events, oldest first. */
export function TimelineTab({ id }: { id: string }) {
  const { data, error } = useLive(async () => {
    const { logs } = await sessionLogs(id, {}, 500);
    const items: Array<{ ms: number; kind: 'crumb' | 'error' | 'event'; title: string; detail: string }> = [];
    const seen = new Set<string>();
    for (const l of logs) {
      const ms = msOf(l.timeUnixNano);
      if (l.severityNumber >= 17) items.push({ ms, kind: 'error', title: l.attributes['exception.type'] || l.severityText || 'ERROR', detail: l.attributes['exception.message'] || l.body });
      else if (l.eventName) items.push({ ms, kind: 'event', title: l.eventName, detail: l.body });
      let crumbs: Breadcrumb[] = [];
      try {
        crumbs = l.attributes['otelhouse.breadcrumbs'] ? (JSON.parse(l.attributes['otelhouse.breadcrumbs']) as Breadcrumb[]) : [];
      } catch {
        crumbs = [];
      }
      for (const c of crumbs) {
        const detail = c.message ?? Object.entries(c.data ?? {}).map(([k, v]) => `${k}=${String(v)}`).join(' ');
        const key = `${c.t}|${c.category}|${detail}`;
        if (seen.has(key)) continue;
        seen.add(key);
        items.push({ ms: c.t, kind: 'crumb', title: c.category, detail });
      }
    }
    return items.sort((a, b) => a.ms - b.ms);
  }, [id]);
  return (
    <>
      <Problem error={error} />
      {data && data.length === 0 && <p class="muted">No breadcrumbs, errors or events yet.</p>}
      {data && data.length > 0 && (
        <ol class="timeline">
          {data.map((item) => (
            <li class={`tl-${item.kind}`} data-kind={item.kind}>
              <span class="mono">{clock(item.ms)}</span> <strong>{item.title}</strong> <span>{item.detail}</span>
            </li>
          ))}
        </ol>
      )}
    </>
  );
}

interface OtlpSpan { traceId: string; spanId: string; parentSpanId?: string; name: string; kind?: number; startTimeUnixNano: string; endTimeUnixNano: string; status?: { code?: number } }

/** The session's traces, then one trace's waterfall. */
export function TracesTab({ id }: { id: string }) {
  const [open, setOpen] = useState<string | undefined>();
  const { data, error } = useLive(() => api<{ traces: TraceSummary[] }>(`/api/debug-sessions/${encodeURIComponent(id)}/records?limit=1&traces=50`), [id]);
  if (open) return <Waterfall traceId={open} onBack={() => setOpen(undefined)} />;
  return (
    <>
      <Problem error={error} />
      {data && data.traces.length === 0 && <p class="muted">No traces yet.</p>}
      {data && data.traces.length > 0 && (
        <table class="list">
          <caption class="visually-hidden">The session's traces, newest first</caption>
          <Head columns={['Started', 'Root', 'Service', ['Duration', 'num']]} />
          <tbody>
            {data.traces.map((t) => (
              <tr data-trace={t.traceID}>
                <td class="mono">{clock(msOf(t.startTimeUnixNano))}</td>
                <td>
                  <button type="button" class="link" onClick={() => setOpen(t.traceID)}>
                    {t.rootTraceName || t.traceID}
                  </button>
                </td>
                <td>{t.rootServiceName}</td>
                <td class="num">{t.durationMs} ms</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function Waterfall({ traceId, onBack }: { traceId: string; onBack: () => void }) {
  const back = useRef<HTMLButtonElement>(null);
  useEffect(() => back.current?.focus(), []);
  const { data, error } = useLive(async () => {
    const t = await api<{ trace: { resourceSpans?: Array<{ resource?: { attributes?: Array<{ key: string; value: { stringValue?: string } }> }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }> } }>(`/api/v2/traces/${traceId}`);
    const spans = (t.trace.resourceSpans ?? []).flatMap((rs) => {
      const service = rs.resource?.attributes?.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
      return (rs.scopeSpans ?? []).flatMap((ss) => (ss.spans ?? []).map((s) => ({ ...s, service })));
    });
    // Depth-first from the roots, children by start time: the waterfall's rows.
    const children = new Map<string, typeof spans>();
    const ids = new Set(spans.map((s) => s.spanId));
    for (const s of spans) {
      const parent = s.parentSpanId && ids.has(s.parentSpanId) ? s.parentSpanId : '';
      children.set(parent, [...(children.get(parent) ?? []), s]);
    }
    const rows: Array<{ span: (typeof spans)[number]; depth: number }> = [];
    const walk = (parent: string, depth: number) => {
      for (const s of (children.get(parent) ?? []).sort((a, b) => Number(BigInt(a.startTimeUnixNano) - BigInt(b.startTimeUnixNano)))) {
        rows.push({ span: s, depth });
        if (depth < 64) walk(s.spanId, depth + 1);
      }
    };
    walk('', 0);
    const start = Math.min(...spans.map((s) => msOf(s.startTimeUnixNano)));
    const end = Math.max(...spans.map((s) => msOf(s.endTimeUnixNano)));
    return { rows, start, total: Math.max(1, end - start) };
  }, [traceId]);
  return (
    <>
      <button type="button" ref={back} onClick={onBack}>
        ← Traces
      </button>
      <h2 class="mono">Trace {traceId}</h2>
      <Problem error={error} />
      {data && (
        <table class="list waterfall">
          <caption class="visually-hidden">The trace's spans as a waterfall</caption>
          <thead>
            <tr>
              <th scope="col">Span</th>
              <th scope="col">Service</th>
              <th scope="col">Timeline ({data.total} ms)</th>
            </tr>
          </thead>
          <tbody>
            {data.rows.map(({ span, depth }) => {
              const from = msOf(span.startTimeUnixNano) - data.start;
              const length = Math.max(0, msOf(span.endTimeUnixNano) - msOf(span.startTimeUnixNano));
              return (
                <tr data-span={span.spanId} class={span.status?.code === 2 ? 'lvl-error' : ''}>
                  <td style={{ paddingLeft: `${0.6 + depth}rem` }}>{span.name}</td>
                  <td>{span.service}</td>
                  <td class="bar-cell">
                    <span class="bar" style={{ marginLeft: `${(from / data.total) * 100}%`, width: `${Math.max(0.5, (length / data.total) * 100)}%` }} />
                    <span class="bar-label">{length} ms</span>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}

/**
 * Every record of the session as JSON lines (a log or a span each, with `signal`), read page by
 * page from the API, then saved by the browser.
 */
export async function downloadRecords(id: string): Promise<number> {
  const lines: string[] = [];
  let cursor: string | undefined;
  let traces: TraceSummary[] = [];
  for (let page = 0; page < 1000; page++) {
    const q = new URLSearchParams({ limit: '1000', traces: '500' });
    if (cursor) q.set('cursor', cursor);
    const answer = await api<{ traces: TraceSummary[]; logs: LogView[]; nextCursor: string | null }>(`/api/debug-sessions/${encodeURIComponent(id)}/records?${q}`);
    if (page === 0) traces = answer.traces;
    for (const l of answer.logs) lines.push(JSON.stringify({ signal: 'log', ...l }));
    if (!answer.nextCursor) break;
    cursor = answer.nextCursor;
  }
  for (const t of traces) {
    const trace = await api<{ trace: { resourceSpans?: Array<{ resource?: unknown; scopeSpans?: Array<{ scope?: unknown; spans?: OtlpSpan[] }> }> } }>(`/api/v2/traces/${t.traceID}`);
    for (const rs of trace.trace.resourceSpans ?? []) for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) lines.push(JSON.stringify({ signal: 'span', resource: rs.resource, scope: ss.scope, ...s }));
  }
  const url = URL.createObjectURL(new Blob(lines.map((l) => `${l}\n`), { type: 'application/x-ndjson' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = `debug-session-${id}.jsonl`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return lines.length;
}
