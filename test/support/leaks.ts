import { corpus, type CorpusCase } from '../../src/processors/redaction/fixtures/corpus.ts';

/**
 * Looking for the redaction corpus's secrets in what a client kept or sent (files, IndexedDB,
 * stored rows), in every form a store holds a text: as it is, inside JSON, or inside JSON inside
 * JSON (a record's text in a journal line).
 */

/** What the default rules make of a case: its expected output, or the text itself for a look-alike. */
export const redacted = (c: CorpusCase): string => c.expected ?? c.text;

const json = (s: string) => JSON.stringify(s).slice(1, -1);
const forms = (s: string) => [s, json(s), json(json(s))];

/**
 * The secrets of the corpus found in `text`, as [case, part]: the parts (6+ characters) of each
 * hit that its redaction removes. Every text the redaction keeps is taken out first, longest first:
 * look-alikes and redacted outputs may hold a secret's characters (`0.4242424242424242`).
 */
export function leakedSecrets(text: string): Array<[string, string]> {
  let rest = text;
  for (const kept of corpus.map(redacted).sort((a, b) => b.length - a.length)) for (const f of forms(kept).reverse()) rest = rest.split(f).join('');
  const leaks: Array<[string, string]> = [];
  for (const c of corpus.filter((x) => x.expected !== null)) {
    for (const part of c.text.split(/[\s,;:"'<>()=&?/\\]+/)) {
      if (part.length < 6 || redacted(c).includes(part) || /^\[.*\]$/.test(part)) continue;
      if (forms(part).some((f) => found(rest, f))) leaks.push([c.text, part]);
    }
  }
  return leaks;
}

/**
 * Whether `part` is in `text`; a part that begins or ends with a digit only where no digit touches
 * it there, so a phone number's `900123` is not found inside a timestamp or a sequence number.
 */
function found(text: string, part: string): boolean {
  if (!/^\d|\d$/.test(part)) return text.includes(part);
  const escaped = part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`${/^\d/.test(part) ? '(?<!\\d)' : ''}${escaped}${/\d$/.test(part) ? '(?!\\d)' : ''}`).test(text);
}

/** The corpus's look-alikes (texts no rule redacts) present in `text`, in any form. */
export function lookalikesIn(text: string): string[] {
  return corpus.filter((c) => c.expected === null && forms(c.text).some((f) => text.includes(f))).map((c) => c.text);
}
