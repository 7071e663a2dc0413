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
  url.username = '';
  url.password = '';
  url.hash = '';
  if (url.search.length > 1) {
    const parts = url.search
      .slice(1)
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
    url.search = `?${parts.join('&')}`;
  }
  return url.href;
}
