/**
 * The console's only way to the gateway: the documented admin API (`/api/…`), with the admin token
 * the operator signed in with, kept for the browser session (sessionStorage: gone when the tab or
 * browser closes). Errors are the API's problem bodies.
 */

const TOKEN_KEY = 'otelhouse-console-token';

export function token(): string | null {
  return sessionStorage.getItem(TOKEN_KEY);
}

export function signIn(value: string): void {
  sessionStorage.setItem(TOKEN_KEY, value);
}

export function signOut(): void {
  sessionStorage.removeItem(TOKEN_KEY);
}

/** An answer other than 2xx: its problem body's title, detail and field (a dotted input path). */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly field?: string,
  ) {
    super(detail);
  }
}

/** Calls `path` with the signed-in token; JSON in and out. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; token?: string | null } = {}): Promise<T> {
  const bearer = init.token === undefined ? token() : init.token;
  const headers: Record<string, string> = { accept: 'application/json' };
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : JSON.stringify(init.body), credentials: 'omit' });
  } catch {
    throw new ApiProblem(0, 'The gateway cannot be reached.');
  }
  const text = await res.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const problem = (body ?? {}) as { detail?: unknown; title?: unknown; field?: unknown };
    const detail = typeof problem.detail === 'string' ? problem.detail : typeof problem.title === 'string' ? problem.title : `HTTP ${res.status}`;
    throw new ApiProblem(res.status, detail, typeof problem.field === 'string' ? problem.field : undefined);
  }
  return body as T;
}
