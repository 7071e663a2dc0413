/**
 * URLs as the SDK records them (breadcrumbs, network spans): no user name or password, no
 * fragment (OAuth implicit flows put tokens there), and the values of query parameters whose
 * names look sensitive replaced. The rest of the query stays, for debugging.
 */

/** Parameter names whose values are never recorded (matched anywhere in the name, any case). */
const SENSITIVE = /pass|secret|token|api[-_]?key|^key$|auth|session|sig|code|credential|jwt|bearer|cookie|email|ssn|card|otp|pin$/i;

export const REDACTED = '[redacted]';

/** `raw` (absolute, or relative to `base`) sanitized; `''` when it is not a URL. */
export function sanitizeUrl(raw: string, base?: string): string {
  let url: URL;
  try {
    url = new URL(raw, base);
  } catch {
    return '';
  }
  // Each setter serializes the URL again: only what is there is cleared (an empty fragment's `#` too).
  if (url.username) url.username = '';
  if (url.password) url.password = '';
  if (url.hash || url.href.endsWith('#')) url.hash = '';
  if (url.search.length > 1) {
    const query = url.search.slice(1);
    const parts = query
      .split('&')
      .map((part) => {
        const eq = part.indexOf('=');
        const name = eq < 0 ? part : part.slice(0, eq);
        let decoded = name;
        try {
          decoded = decodeURIComponent(name.replace(/\+/g, ' '));
        } catch {
          // a malformed escape: the name as it is
        }
        return eq >= 0 && SENSITIVE.test(decoded) ? `${name}=${REDACTED}` : part;
      });
    const kept = parts.join('&');
    if (kept !== query) url.search = `?${kept}`;
  }
  return url.href;
}
