/** Debug sessions: the list (filters, refreshed every 5 s), the "new session" form, and a session's page. */
import { useEffect, useRef, useState } from 'preact/hooks';

import { api, ApiProblem } from './api.ts';
import { Head, Loading, Problem, useDebounced, useLive, usePagedList, inputValue } from './live.tsx';
import { dayStart, minutes, targetText, when } from './format.ts';
import { downloadRecords, LogsTab, NetworkTab, TimelineTab, TracesTab } from './records.tsx';

export interface Session {
  id: string;
  status: string;
  target: Record<string, string>;
  level: string;
  capture: { logs?: boolean; spans?: boolean; network?: boolean };
  durationMinutes: number;
  reason: string;
  consent: { method: string; reference: string; grantedAt: string } | null;
  requireConsent: boolean;
  createdAt: string;
  createdBy: string;
  startsAt: string;
  endsAt: string;
  stats?: { logs: number; spans: number; errors: number; lastSeenAt: string | null };
}

const STATUSES = ['pending', 'active', 'paused', 'completed', 'cancelled', 'expired'];

function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`}>{status}</span>;
}

export function SessionList() {
  const [status, setStatus] = useState('');
  const [serviceText, setServiceText] = useState('');
  const service = useDebounced(serviceText);
  const [date, setDate] = useState('');

  const query = (cursor?: string) => {
    const q = new URLSearchParams({ limit: '50' });
    if (status) q.set('status', status);
    if (service) q.set('service.name', service);
    if (date) {
      q.set('from', dayStart(date));
      q.set('to', dayStart(date, 1));
    }
    if (cursor) q.set('cursor', cursor);
    return `/api/debug-sessions?${q}`;
  };

  // The first `pages` pages again, every 5 s: new sessions and changed stats appear without a reload.
  const { data, error, more } = usePagedList<Session>('sessions', query, [status, service, date]);
  const sessions = data?.items;
  const nextCursor = data?.nextCursor;

  return (
    <section aria-labelledby="sessions-title">
      <div class="title-row">
        <h1 id="sessions-title">Debug sessions</h1>
        <a class="button" href="#/sessions/new">
          New session
        </a>
      </div>
      <form class="filters" role="search" aria-label="Filter sessions" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(inputValue(e))}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option value={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Service
          <input type="search" value={serviceText} placeholder="service.name" onInput={(e) => setServiceText(inputValue(e))} />
        </label>
        <label>
          Running on
          <input type="date" value={date} onChange={(e) => setDate(inputValue(e))} />
        </label>
      </form>
      <Problem error={error} />
      {sessions === undefined ? (
        <Loading />
      ) : sessions.length === 0 ? (
        <p class="muted">No debug sessions match.</p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">Debug sessions, newest first; updated every 5 seconds</caption>
          <Head columns={['Status', 'Service', 'Target', 'Started', 'Ends', ['Records', 'num'], ['Errors', 'num']]} />
          <tbody>
            {sessions.map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td>
                  <StatusBadge status={s.status} />
                </td>
                <td>{s.target['service.name'] ?? <span class="muted">any</span>}</td>
                <td>
                  <a href={`#/sessions/${encodeURIComponent(s.id)}`}>{targetText(s.target)}</a>
                </td>
                <td>{when(s.startsAt)}</td>
                <td>{when(s.endsAt)}</td>
                <td class="num">{(s.stats?.logs ?? 0) + (s.stats?.spans ?? 0)}</td>
                <td class="num">{s.stats?.errors ?? 0}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <button type="button" onClick={more}>
          More sessions
        </button>
      )}
    </section>
  );
}

const TARGET_KINDS = [
  ['app.installation.id', 'Installation id'],
  ['device.id', 'Device id'],
  ['user.id', 'User id'],
  ['session.id', 'Session id'],
] as const;

/** The form's fields, and which API field each one answers for (the problem body's `field`). */
const FIELD_OF: Array<[RegExp, string]> = [
  [/^target\.service\.name$/, 'service'],
  [/^target(\.|$)/, 'target'],
  [/^level$/, 'level'],
  [/^durationMinutes$/, 'duration'],
  [/^capture/, 'capture'],
  [/^consent/, 'consent'],
  [/^reason$/, 'reason'],
];

export function NewSession() {
  const [kind, setKind] = useState<string>('app.installation.id');
  const [value, setValue] = useState('');
  const [service, setService] = useState('');
  const [level, setLevel] = useState('debug');
  const [duration, setDuration] = useState('60');
  const [capture, setCapture] = useState({ logs: true, spans: true, network: false });
  const [consentMethod, setConsentMethod] = useState('');
  const [consentReference, setConsentReference] = useState('');
  const [requireConsent, setRequireConsent] = useState(false);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  // The first field in error takes the focus, so a keyboard or screen-reader user lands on it.
  useEffect(() => {
    const first = Object.keys(errors)[0];
    if (first) formRef.current?.querySelector<HTMLElement>(`[data-field="${first}"]`)?.focus();
  }, [errors]);

  async function submit(event: Event) {
    event.preventDefault();
    const local: Record<string, string> = {};
    const minutesValue = Number(duration);
    if (!value.trim()) local.target = 'Enter the id of the client to debug.';
    if (!Number.isInteger(minutesValue) || minutesValue < 5 || minutesValue > 1440) local.duration = 'From 5 minutes to 24 hours (1440 minutes).';
    if (consentReference.trim() && !consentMethod.trim()) local.consent = 'Say how consent was given (for example in_app_prompt or support_ticket).';
    setErrors(local);
    setFormError(undefined);
    if (Object.keys(local).length) return;
    setBusy(true);
    try {
      const body = {
        target: { [kind]: value.trim(), ...(service.trim() ? { 'service.name': service.trim() } : {}) },
        level,
        durationMinutes: minutesValue,
        capture,
        requireConsent,
        ...(reason.trim() ? { reason: reason.trim() } : {}),
        ...(consentMethod.trim() ? { consent: { method: consentMethod.trim(), reference: consentReference.trim() } } : {}),
      };
      const session = await api<Session>('/api/debug-sessions', { method: 'POST', body });
      location.hash = `#/sessions/${encodeURIComponent(session.id)}`;
    } catch (err) {
      if (err instanceof ApiProblem && err.field) {
        const field = FIELD_OF.find(([re]) => re.test(err.field!))?.[1];
        if (field) setErrors({ [field]: err.detail });
        else setFormError(err.detail);
      } else setFormError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  const described = (field: string, help?: string) => ({
    'data-field': field,
    'aria-invalid': errors[field] ? ('true' as const) : undefined,
    'aria-describedby': [errors[field] ? `${field}-error` : '', help ?? ''].filter(Boolean).join(' ') || undefined,
  });
  const fieldError = (field: string) =>
    errors[field] && (
      <p id={`${field}-error`} class="error field-error">
        {errors[field]}
      </p>
    );

  return (
    <section aria-labelledby="new-title">
      <p>
        <a href="#/sessions">← Debug sessions</a>
      </p>
      <h1 id="new-title">New debug session</h1>
      <form ref={formRef} class="form" onSubmit={submit} noValidate>
        <fieldset>
          <legend>Target</legend>
          <label for="target-kind">Identify the client by</label>
          <select id="target-kind" value={kind} onChange={(e) => setKind(inputValue(e))}>
            {TARGET_KINDS.map(([key, label]) => (
              <option value={key}>{label}</option>
            ))}
          </select>
          <label for="target-value">Id</label>
          <input id="target-value" required value={value} onInput={(e) => setValue(inputValue(e))} {...described('target')} />
          {fieldError('target')}
          <label for="service">Service (optional)</label>
          <input id="service" value={service} placeholder="service.name" onInput={(e) => setService(inputValue(e))} {...described('service')} />
          {fieldError('service')}
        </fieldset>
        <label for="level">Level</label>
        <select id="level" value={level} onChange={(e) => setLevel(inputValue(e))} {...described('level', 'level-help')}>
          <option value="standard">standard (INFO and above)</option>
          <option value="debug">debug (DEBUG and above)</option>
          <option value="trace">trace (everything)</option>
        </select>
        <p id="level-help" class="muted">
          The client's records down to this level are kept, exempt from sampling.
        </p>
        {fieldError('level')}
        <label for="duration">Duration, minutes</label>
        <input id="duration" type="number" min={5} max={1440} step={5} required value={duration} onInput={(e) => setDuration(inputValue(e))} {...described('duration', 'duration-help')} />
        <p id="duration-help" class="muted">
          5 minutes to 24 hours. {Number(duration) >= 5 ? `Ends ${minutes(Number(duration))} after it starts.` : ''}
        </p>
        {fieldError('duration')}
        <fieldset {...described('capture')} tabIndex={-1}>
          <legend>Capture</legend>
          {(['logs', 'spans', 'network'] as const).map((k) => (
            <label class="check">
              <input type="checkbox" checked={capture[k]} onChange={(e) => setCapture({ ...capture, [k]: (e.currentTarget as HTMLInputElement).checked })} /> {k === 'network' ? 'network (HTTP client spans)' : k}
            </label>
          ))}
          {fieldError('capture')}
        </fieldset>
        <fieldset {...described('consent')} tabIndex={-1}>
          <legend>Consent</legend>
          <label class="check">
            <input type="checkbox" checked={requireConsent} onChange={(e) => setRequireConsent((e.currentTarget as HTMLInputElement).checked)} /> Ask the user in the app before collecting
          </label>
          <label for="consent-method">Consent given by (optional)</label>
          <input id="consent-method" value={consentMethod} placeholder="in_app_prompt, support_ticket…" onInput={(e) => setConsentMethod(inputValue(e))} />
          <label for="consent-reference">Consent reference (optional)</label>
          <input id="consent-reference" value={consentReference} placeholder="ticket or record id" onInput={(e) => setConsentReference(inputValue(e))} />
          {fieldError('consent')}
        </fieldset>
        <label for="reason">Reason (optional)</label>
        <textarea id="reason" rows={2} value={reason} onInput={(e) => setReason(inputValue(e))} {...described('reason')} />
        {fieldError('reason')}
        {formError && (
          <p class="error" role="alert">
            {formError}
          </p>
        )}
        <div class="actions">
          <button type="submit" disabled={busy}>
            Start session
          </button>
          <a href="#/sessions">Cancel</a>
        </div>
      </form>
    </section>
  );
}

/** A session's page: status, target, stats and the lifecycle actions. */
export function SessionDetail({ id }: { id: string }) {
  const live = useLive(() => api<Session>(`/api/debug-sessions/${encodeURIComponent(id)}`), [id]);
  const [failed, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const session = live.data;
  const error = failed ?? live.error;

  async function act(path: string, body: unknown, done: string) {
    setError(undefined);
    try {
      await api<Session>(`/api/debug-sessions/${encodeURIComponent(id)}/${path}`, { method: 'POST', ...(body === undefined ? {} : { body }) });
      await live.reload();
      setMessage(done);
    } catch (err) {
      setMessage(undefined);
      setError(err instanceof Error ? err.message : String(err));
    }
  }

  if (!session) {
    return (
      <section>
        <p>
          <a href="#/sessions">← Debug sessions</a>
        </p>
        {error ? <Problem error={error} /> : <Loading />}
      </section>
    );
  }
  const running = session.status === 'active' || session.status === 'paused' || session.status === 'pending';
  return (
    <section aria-labelledby="session-title">
      <p>
        <a href="#/sessions">← Debug sessions</a>
      </p>
      <h1 id="session-title">
        Debug session <StatusBadge status={session.status} />
      </h1>
      <dl class="facts">
        <dt>Target</dt>
        <dd>{targetText(session.target)}</dd>
        <dt>Service</dt>
        <dd>{session.target['service.name'] ?? 'any'}</dd>
        <dt>Level</dt>
        <dd>{session.level}</dd>
        <dt>Runs</dt>
        <dd>
          {when(session.startsAt)} → {when(session.endsAt)} ({minutes(session.durationMinutes)})
        </dd>
        <dt>Records</dt>
        <dd>
          {session.stats?.logs ?? 0} logs, {session.stats?.spans ?? 0} spans, {session.stats?.errors ?? 0} errors; last seen {when(session.stats?.lastSeenAt)}
        </dd>
        <dt>Opened by</dt>
        <dd>
          {session.createdBy} {session.reason ? `— ${session.reason}` : ''}
        </dd>
        <dt>Consent</dt>
        <dd>{session.consent ? `${session.consent.method} ${session.consent.reference}`.trim() : session.requireConsent ? 'asked in the app' : 'not recorded'}</dd>
      </dl>
      {running && (
        <div class="actions" role="group" aria-label="Session actions">
          <button type="button" onClick={() => act('extend', { minutes: 30 }, 'Extended by 30 minutes.')}>
            Extend +30 min
          </button>
          {session.status === 'paused' ? (
            <button type="button" onClick={() => act('resume', undefined, 'Resumed.')}>
              Resume
            </button>
          ) : (
            session.status === 'active' && (
              <button type="button" onClick={() => act('pause', undefined, 'Paused.')}>
                Pause
              </button>
            )
          )}
          <button type="button" class="danger" onClick={() => act('cancel', undefined, 'Stopped.')}>
            Stop
          </button>
        </div>
      )}
      <div class="actions">
        <button
          type="button"
          onClick={async () => {
            setMessage('Preparing the download…');
            try {
              setMessage(`Downloaded ${await downloadRecords(id)} records.`);
            } catch (err) {
              setMessage(undefined);
              setError(err instanceof Error ? err.message : String(err));
            }
          }}
        >
          Download records (JSON lines)
        </button>
      </div>
      <p role="status" class="muted">
        {message}
      </p>
      <Problem error={error} />
      <Tabs id={id} />
    </section>
  );
}

const TABS = [
  ['timeline', 'Timeline', TimelineTab],
  ['logs', 'Logs', LogsTab],
  ['network', 'Network', NetworkTab],
  ['traces', 'Traces', TracesTab],
] as const;

/** WAI-ARIA tabs: arrow keys, Home and End move between them; only the shown tab reads records. */
function Tabs({ id }: { id: string }) {
  const [shown, setShown] = useState(0);
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const select = (i: number) => {
    const next = (i + TABS.length) % TABS.length;
    setShown(next);
    refs.current[next]?.focus();
  };
  const onKey = (event: KeyboardEvent) => {
    const keys: Record<string, number> = { ArrowRight: shown + 1, ArrowLeft: shown - 1, Home: 0, End: TABS.length - 1 };
    if (event.key in keys) {
      event.preventDefault();
      select(keys[event.key]!);
    }
  };
  const [key, , Panel] = TABS[shown]!;
  return (
    <div class="tabs">
      <div role="tablist" aria-label="Session records" onKeyDown={onKey}>
        {TABS.map(([k, label], i) => (
          <button
            type="button"
            role="tab"
            id={`tab-${k}`}
            ref={(el) => {
              refs.current[i] = el;
            }}
            aria-selected={i === shown}
            aria-controls={`panel-${k}`}
            tabIndex={i === shown ? 0 : -1}
            onClick={() => setShown(i)}
          >
            {label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${key}`} aria-labelledby={`tab-${key}`} tabIndex={0}>
        <Panel id={id} />
      </div>
    </div>
  );
}
