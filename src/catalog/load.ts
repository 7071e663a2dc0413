/**
 * The event catalog: OpenTelemetry semantic-convention registry YAML (the subset OTel Weaver
 * reads: `groups` of `type: event` and `type: attribute_group`, attributes by `id` or `ref`, their
 * `type` with enum `members`, `requirement_level`, `brief`, `examples`) with otelhouse's own
 * annotations: per attribute `annotations.otelhouse.pii` (keep, hash, mask, drop), per event
 * `annotations.otelhouse.sampling` (a percentage) and `keep_always`. Loaded and resolved once;
 * every problem is reported with its file, line and field, all of them at once.
 */
import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, type Document } from 'yaml';
import { z } from 'zod';

export const PRIMITIVE_TYPES = ['string', 'int', 'double', 'boolean', 'string[]', 'int[]', 'double[]', 'boolean[]'] as const;
export type PrimitiveType = (typeof PRIMITIVE_TYPES)[number];
export const PII_METHODS = ['keep', 'hash', 'mask', 'drop'] as const;
export type PiiMethod = (typeof PII_METHODS)[number];
export type Requirement = 'required' | 'conditionally_required' | 'recommended' | 'opt_in';

/** An attribute as the catalog defines it, resolved (a `ref` takes its registry definition). */
export interface AttributeDef {
  key: string;
  type: PrimitiveType | 'enum';
  /** The allowed values of an enum (strings or ints). */
  members?: Array<string | number>;
  requirement: Requirement;
  brief?: string;
  examples?: unknown[];
  pii?: PiiMethod;
  file: string;
  line: number;
}

export interface EventDef {
  name: string;
  brief?: string;
  attributes: Map<string, AttributeDef>;
  /** `annotations.otelhouse.sampling`: the percentage of these events kept. */
  sampling?: number;
  /** `annotations.otelhouse.keep_always`: never sampled out. */
  keepAlways: boolean;
  file: string;
  line: number;
}

export interface Catalog {
  events: Map<string, EventDef>;
  /** Registry attributes by key (from `attribute_group` groups and events' own `id` attributes). */
  attributes: Map<string, AttributeDef>;
  files: string[];
}

/** One problem of a catalog file: where, which field, what. */
export interface CatalogProblem {
  file: string;
  line: number;
  field: string;
  message: string;
}

export class CatalogError extends Error {
  constructor(readonly problems: CatalogProblem[]) {
    super(`invalid event catalog: ${problems.map((p) => `${p.file}:${p.line}: ${p.field}: ${p.message}`).join('; ')}`);
  }
}

const enumType = z.object({
  members: z.array(z.object({ id: z.string().min(1), value: z.union([z.string(), z.number().int()]), brief: z.string().optional() })).min(1),
});
const requirementLevel = z.union([
  z.enum(['required', 'recommended', 'opt_in']),
  z.object({ conditionally_required: z.string() }),
  z.object({ recommended: z.string() }),
]);
const otelhouseAttribute = z.object({ pii: z.enum(PII_METHODS).optional() }).strict();
const attributeSchema = z
  .object({
    id: z.string().regex(/^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$/, 'must be a dotted lower-case attribute name').optional(),
    ref: z.string().min(1).optional(),
    type: z.union([z.enum(PRIMITIVE_TYPES), enumType]).optional(),
    requirement_level: requirementLevel.optional(),
    brief: z.string().optional(),
    examples: z.unknown().optional(),
    annotations: z.object({ otelhouse: otelhouseAttribute.optional() }).loose().optional(),
  })
  .loose()
  .check((ctx) => {
    const a = ctx.value;
    if ((a.id === undefined) === (a.ref === undefined)) ctx.issues.push({ code: 'custom', input: a, message: 'an attribute has an id (a definition) or a ref (to a registry attribute), one of them' });
    if (a.id !== undefined && a.type === undefined) ctx.issues.push({ code: 'custom', input: a, path: ['type'], message: `attribute ${a.id} needs a type (${PRIMITIVE_TYPES.join(', ')}, or enum members)` });
  });
const groupSchema = z
  .object({
    id: z.string().min(1),
    type: z.string().min(1),
    name: z.string().optional(),
    brief: z.string().optional(),
    attributes: z.array(attributeSchema).default([]),
    annotations: z.object({ otelhouse: z.object({ sampling: z.number().min(0).max(100).optional(), keep_always: z.boolean().optional() }).strict().optional() }).loose().optional(),
  })
  .loose();
const fileSchema = z.object({ groups: z.array(z.unknown()) }).loose();

type AttributeInput = z.infer<typeof attributeSchema>;

/** Where a field is in a parsed file, for messages. */
interface Located {
  file: string;
  lineOf(path: (string | number)[]): number;
}

function locate(file: string, doc: Document, lines: LineCounter): Located {
  return {
    file,
    lineOf(path) {
      for (let p = path; ; p = p.slice(0, -1)) {
        const node = doc.getIn(p, true) as { range?: [number, number, number] } | undefined;
        if (node?.range) return lines.linePos(node.range[0]).line;
        if (p.length === 0) return 1;
      }
    },
  };
}

const fieldName = (path: (string | number)[]) => path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');

/**
 * Loads and resolves the catalog from `files` (registry YAML). Throws a {@link CatalogError} with
 * every problem found: YAML syntax, unknown or ill-typed fields, unknown refs, events named twice,
 * enum members of mixed types.
 */
export function loadCatalog(files: readonly string[], read: (file: string) => string = (f) => readFileSync(f, 'utf8')): Catalog {
  const problems: CatalogProblem[] = [];
  const parsed: Array<{ at: Located; groups: Array<{ index: number; group: z.infer<typeof groupSchema> }> }> = [];
  for (const file of files) {
    let text: string;
    try {
      text = read(file);
    } catch (err) {
      problems.push({ file, line: 1, field: '(file)', message: `cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}` });
      continue;
    }
    const lines = new LineCounter();
    const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
    if (doc.errors.length) {
      for (const e of doc.errors) problems.push({ file, line: e.linePos?.[0]?.line ?? 1, field: '(yaml)', message: e.message.split('\n')[0]! });
      continue;
    }
    const at = locate(file, doc, lines);
    const top = fileSchema.safeParse(doc.toJS());
    if (!top.success) {
      problems.push({ file, line: 1, field: 'groups', message: 'a registry file holds a list of groups' });
      continue;
    }
    const groups: Array<{ index: number; group: z.infer<typeof groupSchema> }> = [];
    top.data.groups.forEach((raw, index) => {
      const g = groupSchema.safeParse(raw);
      if (!g.success) {
        for (const issue of g.error.issues) {
          const path = ['groups', index, ...(issue.path as (string | number)[])];
          problems.push({ file, line: at.lineOf(path), field: fieldName(path), message: issue.message });
        }
        return;
      }
      groups.push({ index, group: g.data });
    });
    parsed.push({ at, groups });
  }

  const attributes = new Map<string, AttributeDef>();
  const define = (input: AttributeInput, at: Located, path: (string | number)[]): AttributeDef => ({
    key: input.id!,
    type: typeof input.type === 'object' ? 'enum' : input.type!,
    members: typeof input.type === 'object' ? input.type.members.map((m) => m.value) : undefined,
    requirement: requirementOf(input.requirement_level),
    brief: input.brief,
    examples: input.examples === undefined ? undefined : Array.isArray(input.examples) ? input.examples : [input.examples],
    pii: input.annotations?.otelhouse?.pii,
    file: at.file,
    line: at.lineOf(path),
  });
  // The registry first: every attribute defined with an id, wherever it is.
  for (const { at, groups } of parsed) {
    for (const { index, group } of groups) {
      group.attributes.forEach((a, i) => {
        if (a.id === undefined) return;
        const path = ['groups', index, 'attributes', i];
        const def = define(a, at, path);
        const kinds = new Set(def.members?.map((m) => typeof m));
        if (kinds.size > 1) problems.push({ file: at.file, line: def.line, field: fieldName([...path, 'type', 'members']), message: `enum ${def.key} mixes string and int values` });
        const earlier = attributes.get(def.key);
        if (earlier && group.type === 'attribute_group') problems.push({ file: at.file, line: def.line, field: fieldName([...path, 'id']), message: `attribute ${def.key} is already defined at ${earlier.file}:${earlier.line}` });
        if (!earlier || group.type === 'attribute_group') attributes.set(def.key, def);
      });
    }
  }
  const events = new Map<string, EventDef>();
  for (const { at, groups } of parsed) {
    for (const { index, group } of groups) {
      if (group.type !== 'event') continue;
      const name = group.name ?? group.id.replace(/^event\./, '');
      const line = at.lineOf(['groups', index]);
      const earlier = events.get(name);
      if (earlier) {
        problems.push({ file: at.file, line, field: fieldName(['groups', index, 'name']), message: `event ${name} is already defined at ${earlier.file}:${earlier.line}` });
        continue;
      }
      const own = new Map<string, AttributeDef>();
      group.attributes.forEach((a, i) => {
        const path = ['groups', index, 'attributes', i];
        if (a.id !== undefined) {
          own.set(a.id, define(a, at, path));
          return;
        }
        const base = attributes.get(a.ref!);
        if (!base) {
          problems.push({ file: at.file, line: at.lineOf([...path, 'ref']), field: fieldName([...path, 'ref']), message: `no attribute ${a.ref} in the catalog's attribute groups` });
          return;
        }
        // A reference may set its own requirement level, brief, examples and PII handling.
        own.set(base.key, {
          ...base,
          requirement: a.requirement_level === undefined ? base.requirement : requirementOf(a.requirement_level),
          brief: a.brief ?? base.brief,
          examples: a.examples === undefined ? base.examples : Array.isArray(a.examples) ? a.examples : [a.examples],
          pii: a.annotations?.otelhouse?.pii ?? base.pii,
        });
      });
      const annotations = group.annotations?.otelhouse;
      events.set(name, { name, brief: group.brief, attributes: own, sampling: annotations?.sampling, keepAlways: annotations?.keep_always ?? false, file: at.file, line });
    }
  }
  if (problems.length) throw new CatalogError(problems);
  return { events, attributes, files: [...files] };
}

function requirementOf(level: AttributeInput['requirement_level']): Requirement {
  if (level === undefined) return 'recommended';
  if (typeof level === 'string') return level;
  return 'conditionally_required' in level ? 'conditionally_required' : 'recommended';
}
