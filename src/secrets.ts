/**
 * Credentials never reach an error message or a log line. One module knows what a credential looks
 * like, so config errors (`config/load.ts`, the processors' option errors), the logger and
 * `main.ts`'s start-up line hide the same things:
 *
 * - the value of any option whose name says it is one (`password`, `secret`, `token`, `sql.users`),
 *   and every value under `headers` (a webhook's `Authorization`);
 * - the path and query of a webhook URL (`hooks.slack.com/services/T…/B…/xxx`: the path is the secret);
 * - the password in a URL's userinfo (`http://otel:(hidden)@clickhouse:8123`), `Bearer …`/`Basic …`
 *   credentials and Slack/Discord webhook paths, wherever they appear in free text (an error from
 *   `@clickhouse/client` that echoes its URL);
 * - and, in log lines, every literal secret value the configuration holds, however it got there.
 */

/** What a hidden value is shown as. */
export const HIDDEN = '(hidden)';

/** Option names whose values are secrets (a near-miss token still is one; `sql.users` holds passwords). */
const SECRET_KEY = /password|secret|token|^users$|^authorization$/i;

type Path = readonly PropertyKey[];

/** Whether the option at `path` holds a credential as a whole: a secret-named key on the way, or a header value. */
export function isSecretPath(path: Path): boolean {
  // A name is a label (a webhook's, an SQL user's), never the secret beside it; a length is no secret either.
  const last = path[path.length - 1];
  if (last === 'name' || last === 'length') return false;
  return path.some((key, i) => (typeof key === 'string' && SECRET_KEY.test(key)) || (i > 0 && path[i - 1] === 'headers'));
}

/** A webhook's URL (`…webhooks.<i>.url`): its path and query are secret. */
function isWebhookUrl(path: Path): boolean {
  return path.length >= 3 && path[path.length - 1] === 'url' && path[path.length - 3] === 'webhooks';
}

/** `https://hooks.slack.com/services/T0/B0/xyz` → `https://hooks.slack.com/(hidden)`; text that is not a URL → `(hidden)`. */
export function maskWebhookUrl(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}/${HIDDEN}`;
  } catch {
    return HIDDEN;
  }
}

/**
 * `value` (a config value found at `path`) with every credential in it hidden, structurally: secret
 * options and header values wholesale, webhook URLs past their host, and free-text patterns
 * ({@link maskText}) in every other string.
 */
export function maskValue(value: unknown, path: Path = []): unknown {
  if (value === undefined || value === null) return value;
  if (isSecretPath(path)) return HIDDEN;
  if (typeof value === 'string') return isWebhookUrl(path) ? maskWebhookUrl(value) : maskText(value);
  if (Array.isArray(value)) return value.map((item, i) => maskValue(item, [...path, i]));
  if (typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskValue(v, [...path, k])]));
  return value;
}

/** A config value as an error shows it: `missing`, `(hidden)`, or its JSON with credentials hidden. */
export function showValue(value: unknown, path: Path): string {
  if (value === undefined) return 'missing';
  if (isSecretPath(path)) return HIDDEN;
  return JSON.stringify(maskValue(value, path));
}

const patterns: Array<[RegExp, string]> = [
  // scheme://user:password@ → scheme://user:(hidden)@ (the user stays: it helps and is not the secret).
  [/\b([a-z][a-z0-9+.-]*:\/\/[^\s/?#@:"'`<>]*):[^\s/?#@"'`<>]*@/gi, `$1:${HIDDEN}@`],
  // Incoming-webhook URLs whose path is the credential.
  [/\b(hooks\.slack\.com|discord(?:app)?\.com\/api\/webhooks|[a-z0-9-]+\.webhook\.office\.com)\/(?!\(hidden\))[^\s"'`<>)]+/gi, `$1/${HIDDEN}`],
  // HTTP credentials: an Authorization header's value echoed in an error.
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/g, `$1 ${HIDDEN}`],
  // Query parameters that carry a credential (`?token=…`, `&api_key=…`, `sig=…`).
  [/([?&](?:[a-z_-]*(?:token|secret|password|key|sig|signature|auth)[a-z_-]*)=)[^&\s"'`<>#]+/gi, `$1${HIDDEN}`],
];

/** `text` with credential-shaped parts hidden: URL passwords, webhook paths, Bearer/Basic values, secret query parameters. */
export function maskText(text: string): string {
  let out = text;
  for (const [pattern, replacement] of patterns) out = out.replace(pattern, replacement);
  return out;
}

/** Shorter literal values are not searched for in text: a 1–3 character "password" would hide half a log line. */
const minLiteralLength = 4;

/**
 * Every credential the configuration holds, as text that could appear in a message: secret options,
 * header values, webhook URLs (whole, and their paths), and URL passwords (as written and decoded).
 */
export function secretValues(config: unknown): string[] {
  const found = new Set<string>();
  const add = (s: string) => {
    if (s.length >= minLiteralLength) found.add(s);
  };
  const walk = (value: unknown, path: PropertyKey[]) => {
    if (typeof value === 'string') {
      if (isSecretPath(path)) {
        add(value);
        // `sql.users` entries are `name:password`.
        const colon = value.indexOf(':');
        if (path.includes('users') && colon >= 0) add(value.slice(colon + 1));
      } else if (isWebhookUrl(path)) {
        // Its path and query (the host stays readable, as in the webhook's default name).
        try {
          const { pathname, search } = new URL(value);
          add(pathname.slice(1) + search);
        } catch {
          add(value);
        }
      }
      const userinfo = /^[a-z][a-z0-9+.-]*:\/\/[^/?#@:]*:([^/?#@]*)@/i.exec(value);
      if (userinfo?.[1]) {
        add(userinfo[1]);
        try {
          add(decodeURIComponent(userinfo[1]));
        } catch {
          // not percent-encoded
        }
      }
    } else if (Array.isArray(value)) value.forEach((item, i) => walk(item, [...path, i]));
    else if (value && typeof value === 'object') for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
  };
  walk(config, []);
  // Longest first, so a secret containing another is hidden whole.
  return [...found].sort((a, b) => b.length - a.length);
}

/**
 * A function hiding `secrets` (literal values, from {@link secretValues}) and credential-shaped text
 * in a string, for log lines and start-up errors. Each secret is also searched for as it reads
 * inside a JSON string and percent-encoded, the two ways a log line may carry it.
 */
export function createMasker(secrets: readonly string[]): (text: string) => string {
  const forms = new Set<string>();
  for (const secret of secrets) {
    forms.add(secret);
    forms.add(JSON.stringify(secret).slice(1, -1));
    forms.add(encodeURIComponent(secret));
  }
  const literals = [...forms].filter((s) => s.length >= minLiteralLength).sort((a, b) => b.length - a.length);
  return (text) => {
    let out = text;
    for (const literal of literals) if (out.includes(literal)) out = out.split(literal).join(HIDDEN);
    return maskText(out);
  };
}
