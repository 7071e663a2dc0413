/** Small string helpers for alert bodies: bounded lengths, Slack mrkdwn escaping. */

/** Cuts `value` to at most `max` UTF-16 units, ending in `…` when cut; never splits a surrogate pair. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max - 1);
  if (end > 0 && isHighSurrogate(value.charCodeAt(end - 1))) end--;
  return `${value.slice(0, end)}…`;
}

/**
 * Makes untrusted text safe inside Slack mrkdwn: one line, `&`, `<`, `>` escaped as Slack requires
 * (so `<!channel>` or `<@U123>` in an error message never pings anyone, and `<url|text>` cannot be
 * forged), at most `max` units after escaping, never cutting an entity or a surrogate pair.
 */
export function mrkdwn(value: string, max: number): string {
  const escaped = oneLine(value).replace(/[&<>]/g, (c) => entities[c]!);
  if (escaped.length <= max) return escaped;
  let cut = Math.max(0, max - 1);
  // Every '&' left in `escaped` starts an entity; do not leave half of one.
  const amp = escaped.lastIndexOf('&', cut - 1);
  if (amp !== -1 && escaped.indexOf(';', amp) >= cut) cut = amp;
  if (cut > 0 && isHighSurrogate(escaped.charCodeAt(cut - 1))) cut--;
  return `${escaped.slice(0, cut)}…`;
}

/** Text for a mrkdwn code span: as {@link mrkdwn}, with backticks (which would end the span) replaced. */
export function mrkdwnCode(value: string, max: number): string {
  return mrkdwn(value.replace(/`/g, "'"), max);
}

/** Escapes a URL for a Slack `<url|label>` link: `&<>` as entities, `|` percent-encoded. */
export function slackLinkUrl(url: string): string {
  return url.replace(/[&<>|]/g, (c) => (c === '|' ? '%7C' : entities[c]!));
}

/** Collapses line breaks and runs of whitespace to single spaces. */
export function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

const entities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}
