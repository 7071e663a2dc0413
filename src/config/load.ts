import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.ts';

/** Thrown at start-up when the configuration is unusable; the message names each bad field and value. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

type Env = Record<string, string | undefined>;
type Json = Record<string, unknown>;

/** Environment variables and the config path each one sets. Env wins over the YAML file. */
const envMap: Array<[string, string[], (v: string) => unknown]> = [
  ['OTELHOUSE_HOST', ['host'], String],
  ['OTELHOUSE_PORT', ['port'], String],
  ['OTELHOUSE_DATA_DIR', ['dataDir'], String],
  ['OTELHOUSE_LOG_LEVEL', ['logLevel'], String],
  ['OTELHOUSE_CLICKHOUSE_URL', ['clickhouse', 'url'], String],
  ['OTELHOUSE_CLICKHOUSE_USER', ['clickhouse', 'username'], String],
  ['OTELHOUSE_CLICKHOUSE_PASSWORD', ['clickhouse', 'password'], String],
  ['OTELHOUSE_CLICKHOUSE_DATABASE', ['clickhouse', 'database'], String],
  ['OTELHOUSE_INGEST_TOKENS', ['auth', 'ingestTokens'], splitList],
  ['OTELHOUSE_ADMIN_TOKENS', ['auth', 'adminTokens'], splitList],
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
  if (file) deepMerge(input, readYaml(file));
  for (const [name, path, convert] of envMap) {
    const value = env[name];
    if (value !== undefined && value !== '') setPath(input, path, convert(value));
  }
  deepMerge(input, overrides);
  return validateConfig(input);
}

/** Validates a raw configuration object, throwing {@link ConfigError} on the first bad values. */
export function validateConfig(input: unknown): Config {
  const result = configSchema.safeParse(input);
  if (result.success) return result.data;
  throw new ConfigError(`invalid configuration: ${result.error.issues.map((i) => describe(i, input)).join('; ')}`);
}

function describe(issue: z.core.$ZodIssue, input: unknown): string {
  const path = issue.path.join('.') || '(root)';
  if (issue.code === 'unrecognized_keys') return `${path}: unknown option(s) ${issue.keys.join(', ')}`;
  const value = issue.path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Json)[k as string] : undefined), input);
  const shown = value === undefined ? 'missing' : JSON.stringify(value);
  return `${path} = ${shown}: ${issue.message}`;
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
    throw new ConfigError(`config file ${file} is not valid YAML: ${(err as Error).message}`);
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
