/**
 * Issues (issue 15, point 3): the list with the API's filters and sorts, and an issue's page:
 * title, culprit, the stack with the app's own frames first, a 14-day chart, versions, users,
 * latest events, history, and the lifecycle actions (resolve, resolve in a version, ignore for a
 * time, until N more events or for good, reopen, assign). A refused change (409) is shown as the
 * API words it.
 */
import { useEffect, useState } from 'preact/hooks';

import { api, ApiProblem } from './api.ts';
import { errorText, Head, Loading, Problem, useDebounced, useLive, usePagedList, inputValue } from './live.tsx';
import { dayStart, when } from './format.ts';

interface IssueSummary { fingerprint: string; title: string; service: string; environment: string; status: string; severity: string; culprit: string; firstSeen: string; lastSeen: string; events: number; users: number; versions: string[]; assignee?: string }
interface IssueEvent { eventId: string; time: string; service: string; version: string; environment: string; type: string; message: string; stacktrace: string; culprit: string; severity: string; userId: string; installationId: string; traceId: string }
interface IssueDetail {
  issue: IssueSummary;
  state: { status: string; resolution: { inVersion: string | null; resolvedAt: string | null } | null; ignore: { until: string | null; untilEvents: number | null } | null; assignee: string | null };
  stats: { events: number; users: number; firstSeen: string; lastSeen: string };
  versions: string[];
  latestEvent: IssueEvent | null;
  timeline: Array<{ day: string; warning: number; error: number; fatal: number; total: number }>;
}
interface HistoryEntry { time: string; actor: string; action: string; details?: unknown }


export function IssueList() {
  const [status, setStatus] = useState('unresolved');
  const [serviceText, setServiceText] = useState('');
  const [sort, setSort] = useState('last_seen');
  const [order, setOrder] = useState('desc');
  const [environment, setEnvironment] = useState('');
  const [version, setVersion] = useState('');
  const [since, setSince] = useState('');
  const service = useDebounced(serviceText);
  const query = (cursor?: string) => {
    const q = new URLSearchParams({ sort, order, limit: '50' });
    if (status) q.set('status', status);
    if (service) q.set('service', service);
    if (environment.trim()) q.set('environment', environment.trim());
    if (version.trim()) q.set('version', version.trim());
    if (since) q.set('from', dayStart(since));
    if (cursor) q.set('cursor', cursor);
    return `/api/issues?${q}`;
  };
  const { data, error, more } = usePagedList<IssueSummary>('issues', query, [status, service, sort, order, environment, version, since]);
  const issues = data?.items;
  const nextCursor = data?.nextCursor;

  return (
    <section aria-labelledby="issues-title">
      <h1 id="issues-title">Issues</h1>
      <form class="filters" role="search" aria-label="Filter issues" onSubmit={(e) => e.preventDefault()}>
        <label>
          Status
          <select value={status} onChange={(e) => setStatus(inputValue(e))}>
            <option value="unresolved">unresolved</option>
            <option value="new">new</option>
            <option value="regressed">regressed</option>
            <option value="resolved">resolved</option>
            <option value="ignored">ignored</option>
            <option value="">any</option>
          </select>
        </label>
        <label>
          Service
          <input type="search" value={serviceText} onInput={(e) => setServiceText(inputValue(e))} />
        </label>
        <label>
          Environment
          <input type="search" value={environment} onChange={(e) => setEnvironment(inputValue(e))} />
        </label>
        <label>
          Version
          <input type="search" value={version} onChange={(e) => setVersion(inputValue(e))} />
        </label>
        <label>
          Seen since
          <input type="date" value={since} onChange={(e) => setSince(inputValue(e))} />
        </label>
        <label>
          Sort by
          <select value={sort} onChange={(e) => setSort(inputValue(e))}>
            <option value="last_seen">last seen</option>
            <option value="first_seen">first seen</option>
            <option value="events">events</option>
            <option value="users">users</option>
          </select>
        </label>
        <label>
          Order
          <select value={order} onChange={(e) => setOrder(inputValue(e))}>
            <option value="desc">descending</option>
            <option value="asc">ascending</option>
          </select>
        </label>
      </form>
      <Problem error={error} />
      {issues === undefined ? (
        <Loading />
      ) : issues.length === 0 ? (
        <p class="muted">No issues match.</p>
      ) : (
        <table class="list">
          <caption class="visually-hidden">Issues, updated every 5 seconds</caption>
          <Head columns={['Issue', 'Status', 'Service', ['Events', 'num'], ['Users', 'num'], 'Last seen']} />
          <tbody>
            {issues.map((i) => (
              <tr data-issue={i.fingerprint}>
                <td>
                  <a href={`#/issues/${encodeURIComponent(i.fingerprint)}`}>{i.title}</a>
                  <div class="muted mono">{i.culprit}</div>
                </td>
                <td>
                  <span class={`badge issue-${i.status}`}>{i.status}</span>
                </td>
                <td>{i.service}</td>
                <td class="num">{i.events}</td>
                <td class="num">{i.users}</td>
                <td>{when(i.lastSeen)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor && (
        <button type="button" onClick={more}>
          More issues
        </button>
      )}
    </section>
  );
}

/** A frame of the app's own code: not a dependency's, the runtime's or the browser's. */
export function inApp(frame: string): boolean {
  return !/node_modules|\(node:|\bnode:internal|<anonymous>|\[native code\]|chrome-extension:|moz-extension:|webpack\/bootstrap/.test(frame);
}

function Stack({ text }: { text: string }) {
  const lines = text.split('\n');
  const head = lines[0] && !/^\s*at\s|@/.test(lines[0]) ? lines[0] : undefined;
  const frames = (head ? lines.slice(1) : lines).map((l) => l.trim()).filter(Boolean);
  const own = frames.filter(inApp);
  const other = frames.filter((f) => !inApp(f));
  return (
    <div class="stack">
      {head && <p class="mono">{head}</p>}
      <ol class="frames mono" aria-label="The app's frames">
        {own.map((f) => (
          <li class="in-app">{f}</li>
        ))}
      </ol>
      {other.length > 0 && (
        <details>
          <summary>
            {other.length} other frame{other.length === 1 ? '' : 's'} (dependencies, runtime)
          </summary>
          <ol class="frames mono">
            {other.map((f) => (
              <li>{f}</li>
            ))}
          </ol>
        </details>
      )}
    </div>
  );
}

function Chart({ days }: { days: IssueDetail['timeline'] }) {
  const max = Math.max(1, ...days.map((d) => d.total));
  return (
    <figure class="chart">
      <figcaption>Events per day, last 14 days</figcaption>
      <div class="bars" aria-hidden="true">
        {days.map((d) => (
          <span class="day" title={`${d.day}: ${d.total}`} style={{ height: `${(d.total / max) * 100}%` }} />
        ))}
      </div>
      <table class="visually-hidden">
        <caption>Events per day</caption>
        <tbody>
          {days.map((d) => (
            <tr>
              <th scope="row">{d.day}</th>
              <td>{d.total}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

export function IssueDetailPage({ fingerprint }: { fingerprint: string }) {
  const [failed, setError] = useState<string | undefined>();
  const [message, setMessage] = useState<string | undefined>();
  const [version, setVersion] = useState('');
  const [ignore, setIgnore] = useState('3600000');
  const [untilEvents, setUntilEvents] = useState('100');
  const [assignee, setAssignee] = useState('');
  const path = `/api/issues/${encodeURIComponent(fingerprint)}`;

  const live = useLive(async () => {
    const [detail, events, history] = await Promise.all([
      api<IssueDetail>(path),
      api<{ events: IssueEvent[] }>(`${path}/events?limit=10`),
      api<{ entries: HistoryEntry[] }>(`${path}/history?limit=50`),
    ]);
    return { detail, events: events.events, history: history.entries };
  }, [fingerprint]);
  const detail = live.data?.detail;
  const events = live.data?.events ?? [];
  const history = live.data?.history ?? [];
  const error = failed ?? live.error;
  useEffect(() => setAssignee(detail?.state.assignee ?? ''), [detail?.state.assignee]);

  async function change(body: Record<string, unknown>, done: string) {
    setError(undefined);
    try {
      await api(path, { method: 'PATCH', body });
      setMessage(done);
      await live.reload();
    } catch (err) {
      setMessage(undefined);
      setError(err instanceof ApiProblem && err.status === 409 ? `Not changed: ${err.detail}.` : errorText(err));
    }
  }

  if (!detail) {
    return (
      <section>
        <p>
          <a href="#/issues">← Issues</a>
        </p>
        {error ? <Problem error={error} /> : <Loading />}
      </section>
    );
  }
  const { issue, state } = detail;
  const open = state.status === 'new' || state.status === 'ongoing' || state.status === 'regressed';
  const ignoreBody = ignore === 'events' ? { untilEvents: Number(untilEvents) } : ignore === 'forever' ? undefined : { forMs: Number(ignore) };
  return (
    <section aria-labelledby="issue-title">
      <p>
        <a href="#/issues">← Issues</a>
      </p>
      <h1 id="issue-title">{issue.title}</h1>
      <p>
        <span class={`badge issue-${state.status}`}>{state.status}</span> <span class="mono">{issue.culprit}</span>
        {state.resolution?.inVersion && <span class="muted"> — resolved in {state.resolution.inVersion}</span>}
        {state.ignore && <span class="muted"> — ignored {state.ignore.until ? `until ${when(state.ignore.until)}` : state.ignore.untilEvents ? `until ${state.ignore.untilEvents} more events` : 'for good'}</span>}
      </p>
      <dl class="facts">
        <dt>Events</dt>
        <dd>{detail.stats.events}</dd>
        <dt>Users</dt>
        <dd>{detail.stats.users}</dd>
        <dt>Seen</dt>
        <dd>
          {when(detail.stats.firstSeen)} → {when(detail.stats.lastSeen)}
        </dd>
        <dt>Versions</dt>
        <dd>{detail.versions.join(', ') || '—'}</dd>
        <dt>Service</dt>
        <dd>
          {issue.service} {issue.environment && `(${issue.environment})`}
        </dd>
        <dt>Assignee</dt>
        <dd>{state.assignee ?? 'nobody'}</dd>
      </dl>

      <div class="issue-actions" role="group" aria-label="Issue actions">
        {open ? (
          <>
            <button type="button" onClick={() => change({ status: 'resolved' }, 'Resolved.')}>
              Resolve
            </button>
            <form class="inline" onSubmit={(e) => (e.preventDefault(), change({ status: 'resolved', resolution: { inVersion: version.trim() } }, `Resolved in ${version.trim()}.`))}>
              <label for="resolve-version">Resolve in version</label>
              <input id="resolve-version" value={version} required onInput={(e) => setVersion(inputValue(e))} />
              <button type="submit" disabled={!version.trim()}>
                Resolve in version
              </button>
            </form>
            <form class="inline" onSubmit={(e) => (e.preventDefault(), change(ignoreBody ? { status: 'ignored', ignore: ignoreBody } : { status: 'ignored' }, 'Ignored.'))}>
              <label for="ignore-how">Ignore</label>
              <select id="ignore-how" value={ignore} onChange={(e) => setIgnore(inputValue(e))}>
                <option value="3600000">for 1 hour</option>
                <option value="86400000">for 24 hours</option>
                <option value="604800000">for 7 days</option>
                <option value="events">until more events</option>
                <option value="forever">for good</option>
              </select>
              {ignore === 'events' && (
                <>
                  <label for="ignore-events">Events</label>
                  <input id="ignore-events" type="number" min={1} value={untilEvents} onInput={(e) => setUntilEvents(inputValue(e))} />
                </>
              )}
              <button type="submit">Ignore</button>
            </form>
          </>
        ) : (
          <button type="button" onClick={() => change({ status: 'unresolved' }, 'Reopened.')}>
            Reopen
          </button>
        )}
        <form class="inline" onSubmit={(e) => (e.preventDefault(), change({ assignee: assignee.trim() || null }, assignee.trim() ? `Assigned to ${assignee.trim()}.` : 'Unassigned.'))}>
          <label for="assignee">Assignee</label>
          <input id="assignee" value={assignee} onInput={(e) => setAssignee(inputValue(e))} />
          <button type="submit">Assign</button>
        </form>
      </div>
      <p role="status" class="muted">
        {message}
      </p>
      <Problem error={error} />

      <h2>Stack</h2>
      {detail.latestEvent?.stacktrace ? <Stack text={detail.latestEvent.stacktrace} /> : <p class="muted">No stack trace.</p>}
      <Chart days={detail.timeline} />

      <h2>Latest events</h2>
      <table class="list">
        <Head columns={['Time', 'Version', 'User', 'Message']} />
        <tbody>
          {events.map((e) => (
            <tr>
              <td>{when(e.time)}</td>
              <td>{e.version || '—'}</td>
              <td>{e.userId || e.installationId || '—'}</td>
              <td class="message">{e.message}</td>
            </tr>
          ))}
        </tbody>
      </table>

      <h2>History</h2>
      <ol class="history">
        {history.map((h) => (
          <li>
            {when(h.time)} <strong>{h.action}</strong> by {h.actor}
          </li>
        ))}
      </ol>
    </section>
  );
}
