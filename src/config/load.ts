import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { createMasker, maskText, secretValues, showValue } from '../secrets.ts';
import { configSchema, type Config } from './schema.ts';

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

/** Environment variables and the config path each one sets. Env wins over the YAML file. */
const envMap: Array<[string, string[], (v: string) => unknown]> = [
  ['OTELHOUSE_HOST', ['host'], String],
  ['OTELHOUSE_PORT', ['port'], String],
  ['OTELHOUSE_DATA_DIR', ['dataDir'], String],
  ['OTELHOUSE_LOG_LEVEL', ['logLevel'], String],
  ['OTELHOUSE_LOG_FORMAT', ['logFormat'], String],
  ['OTELHOUSE_CLICKHOUSE_URL', ['clickhouse', 'url'], String],
  ['OTELHOUSE_CLICKHOUSE_USER', ['clickhouse', 'username'], String],
  ['OTELHOUSE_CLICKHOUSE_PASSWORD', ['clickhouse', 'password'], String],
  ['OTELHOUSE_CLICKHOUSE_DATABASE', ['clickhouse', 'database'], String],
  ['OTELHOUSE_INGEST_TOKENS', ['auth', 'ingestTokens'], splitList],
  ['OTELHOUSE_ADMIN_TOKENS', ['auth', 'adminTokens'], splitList],
  ['OTELHOUSE_SQL_PORT', ['sql', 'port'], String],
  ['OTELHOUSE_SQL_HOST', ['sql', 'host'], String],
  ['OTELHOUSE_SQL_USERS', ['sql', 'users'], splitList],
];

function splitList(v: string): string[] {
  return v.split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * Builds the configuration from the optional YAML file named by `OTELHOUSE_CONFIG` (or `path`),
 * then the environment, then `overrides` (used by tests and the CLI), and validates it once.
 * Throws {@link ConfigError} naming every invalid field and the value given.
 */
export function loadConfig(env: Env = process.env, overrides: Json = {}): Config {
  const input: Json = {};
  const file = env.OTELHOUSE_CONFIG;
  const typed: TypedReference[] = [];
  if (file) deepMerge(input, expandEnv(readYaml(file), env, file, [], typed) as Json);
  for (const [name, path, convert] of envMap) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(input, path, convert(value));
  }
  deepMerge(input, overrides);
  // A reference read as a number or boolean where the option wants text (a password of digits)
  // is given back as the text it was.
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  const paths = new Set(result.error.issues.filter((i) => i.code === 'invalid_type' && i.expected === 'string').map((i) => i.path.join('.')));
  for (const { path, text } of typed) if (paths.has(path.join('.'))) setPath(input, path, text);
  return validateConfig(input);
}

/** Validates a raw configuration object, throwing {@link ConfigError} on the first bad values. */
export function validateConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  // Values are shown structurally masked; the literal pass catches a secret a message might echo.
  const hide = createMasker(secretValues(input));
  throw new ConfigError(hide(`invalid configuration: ${result.error.issues.map((i) => describe(i, input)).join('; ')}`));
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') return `${path}: unknown option(s) ${issue.keys.join(', ')}`;
  const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k as string] : undefined), input);
  return `${path} = ${showValue(value, issue.path)}: ${issue.message}`;
}

/** `${env:NAME}` or `${env:NAME:-default}`, or `$$` (a literal `$`), as the Collector's config reads them. */
const ENV_REFERENCE = /\$\$|\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g;
const WHOLE_REFERENCE = /^\$\{env:[A-Za-z_][A-Za-z0-9_]*(?::-[^}]*)?\}$/;

/**
 * Replaces `${env:NAME}` references in the YAML file's string values with the environment's
 * values, so secrets (`hashSecret`, passwords, tokens) need not be written into the file. A value
 * that is one reference and nothing else takes the type its text has in YAML (`port: ${env:PORT}`
 * gives a number); a reference inside a longer string is spliced in as text. `$$` is a literal `$`.
 * An unset variable without a `:-default` fails the start, naming it.
 */
function expandEnv(node: unknown, env: Env, file: string, path: string[], typed: TypedReference[]): unknown {
  if (typeof node === 'string') {
    if (!node.includes('$')) return node;
    const text = node.replace(ENV_REFERENCE, (match: string, name: string | undefined, fallback: string | undefined) => {
      if (name === undefined) return '$';
      const value = env[name] ?? fallback;
      if (value === undefined) throw new ConfigError(`config file ${file}: environment variable ${name} (in \${env:${name}}) is not set`);
      return value;
    });
    const value = WHOLE_REFERENCE.test(node) ? yamlScalar(text) : text;
    if (value !== text) typed.push({ path, text });
    return value;
  }
  if (Array.isArray(node)) return node.map((item, i) => expandEnv(item, env, file, [...path, String(i)], typed));
  if (isPlainObject(node)) return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, expandEnv(value, env, file, [...path, key], typed)]));
  return node;
}

/** Where a reference was read as a number or boolean, and its text. */
interface TypedReference {
  path: string[];
  text: string;
}

/**
 * A variable's text as the number or boolean YAML would read it when it reads back the same
 * (`9000` → 9000, `true` → true), else the text itself (`0123`, a 40-digit secret, `null`).
 */
function yamlScalar(text: string): unknown {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch {
    return text;
  }
  return (typeof value === 'number' || typeof value === 'boolean') && String(value) === text ? value : text;
}

function readYaml(file: string): Json {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    // Only the first line: the parser's excerpt of the file may hold a secret, and errors are one line.
    throw new ConfigError(`config file ${file} is not valid YAML: ${maskText((err as Error).message.split('\n')[0])}`);
  }
  if (doc == null) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new ConfigError(`config file ${file} must hold a mapping`);
  return doc as Json;
}

function setPath(target: Json, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  node[path[path.length - 1]] = value;
}

function deepMerge(target: Json, source: Json): void {
  for (const [key, value] of Object.entries(source)) {
    const current = target[key];
    if (isPlainObject(value) && isPlainObject(current)) deepMerge(current, value);
    else target[key] = value;
  }
}

function isPlainObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
