import { readFileSync } from 'node:fs';

import { quoteIdent } from './sql.ts';

/**
 * Values a template can use:
 * - `string` — `{{ident name}}` quotes it as an identifier; `{{name}}` inserts it verbatim, so
 *   only SQL built by this module's own code (engine, TTL, ON CLUSTER) goes there;
 * - `boolean` — selects a branch of `{{if name}} … {{else}} … {{end}}` (each on its own line).
 */
export type TemplateVars = Readonly<Record<string, string | boolean>>;

const cache = new Map<string, string>();

/** Reads `sql/<name>.sql` beside this file, once. */
export function loadTemplate(name: string): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(new URL(`./sql/${name}.sql`, import.meta.url), 'utf8');
    cache.set(name, text);
  }
  return text;
}

/** Loads and renders one template into a single SQL statement. */
export function renderTemplate(name: string, vars: TemplateVars): string {
  return renderText(loadTemplate(name), vars, name);
}

/**
 * Renders template text. Comment lines (`--`) are dropped, so rewording a comment never changes
 * a migration's checksum. An unknown placeholder is an error, never an empty string.
 */
export function renderText(text: string, vars: TemplateVars, name = 'template'): string {
  const out: string[] = [];
  const branches: boolean[] = []; // one entry per open {{if}}: is this branch being emitted
  for (const line of text.split('\n')) {
    const directive = /^\s*\{\{(if (\w+)|else|end)\}\}\s*$/.exec(line);
    if (directive) {
      if (directive[2] !== undefined) branches.push(flag(vars, directive[2], name));
      else if (directive[1] === 'else' && branches.length) branches.push(!branches.pop()!);
      else if (directive[1] === 'end' && branches.length) branches.pop();
      else throw new Error(`${name}: unbalanced {{${directive[1]}}}`);
      continue;
    }
    if (branches.some((on) => !on) || /^\s*--/.test(line)) continue;
    out.push(line.replace(/\{\{(ident )?(\w+)\}\}/g, (_, ident: string | undefined, key: string) =>
      ident ? quoteIdent(str(vars, key, name)) : str(vars, key, name),
    ));
  }
  if (branches.length) throw new Error(`${name}: {{if}} without {{end}}`);
  return out.join('\n').replace(/[ \t]+$/gm, '').replace(/\n{2,}/g, '\n').trim();
}

function flag(vars: TemplateVars, key: string, name: string): boolean {
  const v = vars[key];
  if (typeof v !== 'boolean') throw new Error(`${name}: {{if ${key}}} needs a boolean`);
  return v;
}

function str(vars: TemplateVars, key: string, name: string): string {
  const v = vars[key];
  if (typeof v !== 'string') throw new Error(`${name}: no value for {{${key}}}`);
  return v;
}
