/**
 * The otelhouse admin console (issue 15): debug sessions first; issues and policies follow. A
 * Preact app, routed by the URL's hash so the gateway serves one page at `/ui/`. It calls only the
 * documented admin API, with the admin token the operator signs in with.
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';

import { api, ApiProblem, signOut, token } from './api.ts';
import { IssueDetailPage, IssueList } from './issues.tsx';
import { PolicyForm, PolicyList } from './policies.tsx';
import { SessionDetail, SessionList, NewSession } from './sessions.tsx';
import { SignIn } from './signin.tsx';

/** The hash route, `#/sessions/new` → `['sessions', 'new']`. */
function useRoute(): string[] {
  const read = () => location.hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const changed = () => setRoute(read());
    addEventListener('hashchange', changed);
    return () => removeEventListener('hashchange', changed);
  }, []);
  return route;
}

/** Whether the console may call the API: a token signed in, or a gateway without admin tokens. */
type Access = 'checking' | 'signed-in' | 'open' | 'signed-out';

function App() {
  const route = useRoute();
  const [access, setAccess] = useState<Access>('checking');

  useEffect(() => {
    // A gateway with no admin tokens answers without one; otherwise the kept token must still work.
    void api('/api/debug-sessions?limit=1', { token: token() })
      .then(() => setAccess(token() ? 'signed-in' : 'open'))
      .catch((err: unknown) => {
        if (err instanceof ApiProblem && (err.status === 401 || err.status === 403)) signOut();
        setAccess('signed-out');
      });
  }, []);

  useEffect(() => {
    const page = route[0] === 'policies' ? (route[1] ? 'Collection policy' : 'Collection policies') : route[0] === 'issues' ? (route[1] ? 'Issue' : 'Issues') : route[1] === 'new' ? 'New debug session' : route[1] ? 'Debug session' : 'Debug sessions';
    document.title = `${page} · otelhouse console`;
  }, [route.join('/')]);

  if (access === 'checking') return <p class="muted" role="status">Connecting to the gateway…</p>;
  if (access === 'signed-out') return <SignIn onSignedIn={() => setAccess('signed-in')} />;

  let page;
  if (route[0] === 'issues') page = route[1] ? <IssueDetailPage fingerprint={route[1]} /> : <IssueList />;
  else if (route[0] === 'policies') page = route[1] === 'new' ? <PolicyForm /> : route[1] ? <PolicyForm key={route[1]} id={route[1]} /> : <PolicyList />;
  else if (route[0] === 'sessions' && route[1] === 'new') page = <NewSession />;
  else if (route[0] === 'sessions' && route[1]) page = <SessionDetail id={route[1]} />;
  else page = <SessionList />;

  return (
    <>
      <header class="top">
        <a class="brand" href="#/sessions">otelhouse</a>
        <nav aria-label="Console">
          <a href="#/sessions" aria-current={route[0] !== 'issues' && route[0] !== 'policies' ? 'page' : undefined}>Debug sessions</a>
          <a href="#/issues" aria-current={route[0] === 'issues' ? 'page' : undefined}>Issues</a>
          <a href="#/policies" aria-current={route[0] === 'policies' ? 'page' : undefined}>Policies</a>
        </nav>
        {access === 'open' ? (
          <span class="warning">No admin token is configured: anyone who reaches this port can act.</span>
        ) : (
          <button
            type="button"
            class="link"
            onClick={() => {
              signOut();
              setAccess('signed-out');
            }}
          >
            Sign out
          </button>
        )}
      </header>
      <main id="main">{page}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
