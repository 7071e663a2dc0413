/**
 * Message parameterization, after Sentry's (`grouping/parameterization.py`): variable parts of an
 * error message (emails, URLs, IPs, UUIDs, hashes, dates, durations, hex and decimal numbers) are
 * replaced by `<name>` placeholders, so "Order 4521 not found" and "Order 977 not found" read the
 * same. One combined regex, compiled once: at any position the earliest alternative wins, and
 * every alternative starts only at a token boundary, which keeps the scan linear.
 */

/** Characters of a message looked at; the rest is dropped before anything else. */
const MAX_INPUT_CHARS = 16_384;
/** Characters of a line parameterized. */
const MAX_LINE_CHARS = 4_096;
/** Characters of the normalized result. */
const MAX_OUTPUT_CHARS = 1_024;

const HEX = '[0-9a-fA-F]';
const H4 = `${HEX}{1,4}`;
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*';
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*';

/** Placeholder name and pattern, highest priority first. */
const PARTS: readonly [string, string][] = [
  ['email', String.raw`(?<![\w.%+-])[\w.%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])`],
  ['url', String.raw`(?<![\w+.-])[A-Za-z][A-Za-z0-9+.-]*:\/\/[^\s"'<>\]\[{}]*[^\s"'<>\]\[{}.,;:!?)]`],
  ['ip', String.raw`(?<![\w.:])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.]*\d)`],
  ['ip', String.raw`(?<![\w:])(?:(?:${H4}:){7}${H4}|(?:${H4}(?::${H4}){0,6})?::(?:${H4}(?::${H4}){0,6})?)(?![\w:])`],
  ['uuid', String.raw`(?<![\w-])${HEX}{8}-${HEX}{4}-${HEX}{4}-${HEX}{4}-${HEX}{12}(?![\w-])`],
  // sha1, md5, sha256 and other hex digests: 16+ hex digits holding both a digit and a letter.
  ['hash', String.raw`(?<!\w)(?=${HEX}*\d)(?=${HEX}*[a-fA-F])${HEX}{16,}(?!\w)`],
  ['date', String.raw`(?<![\w-])\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?Z|[+-]\d{2}:?\d{2}|\s?UTC)?)?(?![\w-])`],
  ['date', String.raw`(?<!\w)(?:${DAY},? )?\d{1,2} ${MONTH},? \d{4}(?: \d{2}:\d{2}(?::\d{2})?(?: ?(?:GMT|UTC|[+-]\d{4}))?)?(?!\w)`],
  ['date', String.raw`(?<!\w)(?:${DAY},? )?${MONTH} \d{1,2},? (?:\d{4} )?\d{2}:\d{2}(?::\d{2})?(?: (?:GMT|UTC|[+-]\d{4}))?(?: \d{4})?(?!\w)`],
  ['date', String.raw`(?<![\w:.])\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AaPp][Mm])?(?![\w:])`],
  ['date', String.raw`(?<![\w/])\d{1,4}\/\d{1,2}\/\d{1,4}(?![\w/])`],
  ['date', String.raw`datetime\.datetime\([^()]{0,80}\)`],
  ['duration', String.raw`(?<![\w.])(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h)){2,}(?!\w)`],
  ['duration', String.raw`(?<![\w.])\d+(?:\.\d+)?(?:ns|us|µs|ms|s|sec|secs|m|min|mins|h|hr|hrs|d| ?(?:nanoseconds?|microseconds?|milliseconds?|seconds?|minutes?|hours?|days?))(?!\w)`],
  ['hex', String.raw`(?<!\w)0[xX]${HEX}+(?!\w)`],
  ['float', String.raw`(?<![\w.])-?\d+\.\d+(?:\.\d+)*(?:[eE][+-]?\d+)?(?![\w]|\.\d)`],
  ['int', String.raw`(?<![\w.])-?\d+(?![\w]|\.\d)`],
  ['quoted_str', String.raw`(?<==)(?:"[^"\n]*"|'[^'\n]*')`],
  ['bool', String.raw`(?<==)(?:true|false|True|False)(?!\w)`],
];

const NAMES = PARTS.map(([name]) => name);
const COMBINED = new RegExp(PARTS.map(([, re]) => `(${re})`).join('|'), 'g');

/** Replaces the variable parts of one line. */
function parameterize(line: string): string {
  return line.replace(COMBINED, (...groups: unknown[]) => {
    for (let i = 0; i < NAMES.length; i++) if (groups[i + 1] !== undefined) return `<${NAMES[i]}>`;
    return String(groups[0]);
  });
}

/**
 * The message with its variable parts replaced: its first two non-empty lines, each trimmed and
 * parameterized, joined by `\n`; at most 1 024 characters. `''` for an empty message.
 */
export function normalizeMessage(message: string): string {
  if (typeof message !== 'string' || message === '') return '';
  const text = message.length > MAX_INPUT_CHARS ? message.slice(0, MAX_INPUT_CHARS) : message;
  const lines: string[] = [];
  let start = 0;
  while (lines.length < 2 && start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const line = text.slice(start, Math.min(end, start + MAX_LINE_CHARS)).trim();
    if (line !== '') lines.push(parameterize(line));
    start = end + 1;
  }
  const out = lines.join('\n');
  return out.length > MAX_OUTPUT_CHARS ? out.slice(0, MAX_OUTPUT_CHARS) : out;
}
