import { useState } from 'preact/hooks';

import { api, ApiProblem, signIn } from './api.ts';

/** Sign-in with an admin token (one of `auth.adminTokens`); its name is who the audit log says acted. */
export function SignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const [value, setValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(event: Event) {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api('/api/debug-sessions?limit=1', { token: value.trim() });
      signIn(value.trim());
      onSignedIn();
    } catch (err) {
      setError(err instanceof ApiProblem && (err.status === 401 || err.status === 403) ? 'This token is not an admin token of this gateway.' : err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" class="signin">
      <h1>otelhouse console</h1>
      <form onSubmit={submit} noValidate>
        <label for="token">Admin token</label>
        <input
          id="token"
          name="token"
          type="password"
          autocomplete="current-password"
          required
          value={value}
          aria-invalid={error ? 'true' : undefined}
          aria-describedby={error ? 'token-error' : 'token-help'}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
        />
        <p id="token-help" class="muted">
          One of the gateway's <code>auth.adminTokens</code>. It is kept for this browser session only.
        </p>
        {error && (
          <p id="token-error" class="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || value.trim() === ''}>
          Sign in
        </button>
      </form>
    </main>
  );
}
