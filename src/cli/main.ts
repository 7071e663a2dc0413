/**
 * `otelhouse <command>` (the package's `bin`): the event catalog offline, and a running gateway's
 * records, debug sessions and issues through its API. `--url`/`OTELHOUSE_URL` (default
 * http://127.0.0.1:4318) and `--token`/`OTELHOUSE_TOKEN` (an admin token).
 *
 * Exit codes: 0 done; 1 the gateway refused or a check found problems; 2 a wrong command line;
 * 3 the gateway could not be reached.
 */
import { writeFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CatalogError, loadCatalog } from '../catalog/load.ts';
import { generateDocs, generateTypes } from './catalog.ts';
import { findSourceMaps, progressBar } from './sourcemaps.ts';
import type { LogView } from '../query/telemetry/logs.ts';
import type { TraceSummary } from '../query/tempo/reader.ts';

export const EXIT = { ok: 0, failed: 1, usage: 2, unreachable: 3 } as const;

/** Where output goes (tests capture it). */
export interface Io {
  out(text: string): void;
  err(text: string): void;
  env: Record<string, string | undefined>;
  /** `catalog.files` of the gateway's config, if there is one. */
  configuredCatalog?: () => string[];
  /** The error stream is a terminal: progress redraws one line. */
  tty?: boolean;
}

class UsageError extends Error {}
class ApiFailure extends Error {
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

const HELP: Record<string, string> = {
  '': `otelhouse — the gateway's command line

Usage: otelhouse <command> [options]

Commands:
  catalog check [files…]     validate event catalog files (default: catalog.files of the config)
  catalog gen [files…]       write TypeScript types for emit() (--out file, default stdout)
  catalog docs [files…]      write a Markdown reference of every event (--out file)
  dump                       recent records as JSON lines or a table (--since 1h --signal logs|traces --format jsonl|table)
  tail                       follow new log records (--service --level --event --installation --session)
  sessions list|create|extend|cancel   debug sessions
  issues list|show|resolve   issues grouped from errors
  sourcemaps upload <build-dir> --release <r>   upload a build's source maps

Options for commands that reach a gateway:
  --url <url>     the gateway (env OTELHOUSE_URL, default http://127.0.0.1:4318)
  --token <t>     an admin token (env OTELHOUSE_TOKEN)

Exit codes: 0 done, 1 refused or problems found, 2 wrong command line, 3 gateway unreachable.
Run otelhouse <command> --help for a command's options.`,
  catalog: `otelhouse catalog check|gen|docs [files…] [--out file]

  check   validates the files: every problem with its file, line and field; exit 1 when any
  gen     TypeScript: EVENTS, CatalogEvents and typedEvents(client).emit(name, attributes), checked by tsc
  docs    a Markdown reference of every event

Files default to catalog.files of the gateway config (OTELHOUSE_CONFIG).`,
  dump: `otelhouse dump [--since 1h] [--signal logs|traces] [--format jsonl|table] [--service name] [--limit n]

Records stored since a time ago (s, m, h, d), newest first: logs as JSON lines (default) or a table.`,
  tail: `otelhouse tail [--service s] [--level warn] [--event name] [--installation id] [--session id] [--interval 2s]

Prints log records as they are stored, until interrupted.`,
  sessions: `otelhouse sessions list
otelhouse sessions create --installation <id> | --user <id> | --device <id> | --session <id> [--level debug] [--minutes 30] [--reason text]
otelhouse sessions extend <id> --minutes <n>
otelhouse sessions cancel <id>`,
  sourcemaps: `otelhouse sourcemaps upload <build-dir> --release <release> [--url-prefix ~]

Finds each script's source map as sentry-cli does (its sourceMappingURL comment: a file or an
inline data: map; else <file>.map) and uploads it under ~/<its path in the build>, the URL its
stack frames name. The release is the service.version of the errors (or service.name@version).`,
  issues: `otelhouse issues list [--service s] [--status new|ongoing|regressed|resolved|ignored]
otelhouse issues show <fingerprint>
otelhouse issues resolve <fingerprint> [--in-version v]`,
};

/** Runs one command line; resolves with the exit code. */
export async function run(argv: string[], io: Io): Promise<number> {
  const [command = '', ...rest] = argv;
  try {
    if (command === '' || command === '--help' || command === '-h' || command === 'help') {
      io.out(`${HELP['']}\n`);
      return command === '' ? EXIT.usage : EXIT.ok;
    }
    if (rest.includes('--help') || rest.includes('-h')) {
      if (!(command in HELP)) throw new UsageError(`unknown command ${command}`);
      io.out(`${HELP[command]}\n`);
      return EXIT.ok;
    }
    switch (command) {
      case 'catalog':
        return catalogCommand(rest, io);
      case 'dump':
        return await dump(rest, io);
      case 'tail':
        return await tail(rest, io);
      case 'sessions':
        return await sessions(rest, io);
      case 'issues':
        return await issues(rest, io);
      case 'sourcemaps':
        return await sourcemaps(rest, io);
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`otelhouse: ${err.message}\n${command in HELP ? HELP[command] : 'Run otelhouse --help for the commands.'}\n`);
      return EXIT.usage;
    }
    if (err instanceof ApiFailure) {
      io.err(`otelhouse: ${err.message}\n`);
      return err.code;
    }
    throw err;
  }
}

function parse<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T) {
  try {
    return parseArgs({ args, options: { url: { type: 'string' }, token: { type: 'string' }, ...options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function catalogCommand(args: string[], io: Io): number {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { out: { type: 'string' }, config: { type: 'string' } });
  if (!action || !['check', 'gen', 'docs'].includes(action)) throw new UsageError(`catalog takes check, gen or docs${action ? `, not ${action}` : ''}`);
  const files = positionals.length ? positionals : configuredCatalog(io);
  if (files.length === 0) throw new UsageError('no catalog files: name them, or set catalog.files in the config (OTELHOUSE_CONFIG)');
  let catalog;
  try {
    catalog = loadCatalog(files);
  } catch (err) {
    if (!(err instanceof CatalogError)) throw err;
    for (const p of err.problems) io.err(`${p.file}:${p.line}: ${p.field}: ${p.message}\n`);
    io.err(`${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}\n`);
    return EXIT.failed;
  }
  if (action === 'check') {
    io.out(`${files.join(', ')}: ${catalog.events.size} events, ${catalog.attributes.size} attributes, valid\n`);
    return EXIT.ok;
  }
  const text = action === 'gen' ? generateTypes(catalog) : generateDocs(catalog);
  if (values.out) {
    writeFileSync(values.out, text);
    io.err(`wrote ${values.out}\n`);
  } else {
    io.out(text);
  }
  return EXIT.ok;
}

/** `catalog.files` of the gateway's config (`Io.configuredCatalog`, which the bin reads from `OTELHOUSE_CONFIG`). */
function configuredCatalog(io: Io): string[] {
  return io.configuredCatalog?.() ?? [];
}

// --- the gateway's API ----------------------------------------------------------------------------

interface Api {
  get<T>(path: string): Promise<T>;
  send<T>(method: string, path: string, body?: unknown): Promise<T>;
}

function api(values: { url?: string; token?: string }, io: Io): Api {
  const base = (values.url ?? io.env.OTELHOUSE_URL ?? 'http://127.0.0.1:4318').replace(/\/+$/, '');
  const token = values.token ?? io.env.OTELHOUSE_TOKEN;
  const call = async <T>(method: string, path: string, body?: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${base}${path}`, {
        method,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch (err) {
      throw new ApiFailure(`cannot reach ${base}: ${((err as Error).cause as Error | undefined)?.message ?? (err as Error).message}`, EXIT.unreachable);
    }
    const text = await res.text();
    if (!res.ok) {
      let detail = text;
      try {
        detail = (JSON.parse(text) as { detail?: string; title?: string }).detail ?? detail;
      } catch {
        // not a problem body: shown as it is
      }
      throw new ApiFailure(`${method} ${path}: ${res.status} ${detail}`.trim(), EXIT.failed);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  };
  return { get: (path) => call('GET', path), send: call };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

function duration(text: string, option: string): number {
  const m = DURATION.exec(text);
  if (!m) throw new UsageError(`--${option} takes a duration such as 30s, 15m, 1h or 2d (got ${JSON.stringify(text)})`);
  return Number(m[1]) * UNITS[m[2]!]!;
}

/** A log record as `GET /api/logs` answers it. */
type LogRow = LogView;

function table(rows: LogRow[]): string {
  return rows.map((r) => [r.timestamp, r.severityText.padEnd(5), r.serviceName, r.eventName ? `[${r.eventName}]` : '', r.body].filter(Boolean).join('  ')).join('\n');
}

async function dump(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, { since: { type: 'string', default: '1h' }, signal: { type: 'string', default: 'logs' }, format: { type: 'string', default: 'jsonl' }, service: { type: 'string' }, limit: { type: 'string', default: '1000' } });
  if (values.signal !== 'logs' && values.signal !== 'traces') throw new UsageError(`--signal takes logs or traces (got ${values.signal})`);
  if (values.format !== 'jsonl' && values.format !== 'table') throw new UsageError(`--format takes jsonl or table (got ${values.format})`);
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new UsageError('--limit takes a positive integer');
  const from = Date.now() - duration(values.since!, 'since');
  const q = new URLSearchParams({ from: String(from) });
  if (values.service) q.set('service', values.service);
  const client = api(values, io);
  if (values.signal === 'traces') {
    q.set('limit', String(Math.min(limit, 500)));
    const { traces } = await client.get<{ traces: TraceSummary[] }>(`/api/traces?${q}`);
    const line = (t: TraceSummary) => `${new Date(Number(BigInt(t.startTimeUnixNano) / 1_000_000n)).toISOString()}  ${t.rootServiceName}  ${t.rootTraceName}  ${t.durationMs} ms  ${t.traceID}`;
    io.out(values.format === 'jsonl' ? traces.map((t) => `${JSON.stringify(t)}\n`).join('') : traces.length ? `${traces.map(line).join('\n')}\n` : '');
    return EXIT.ok;
  }
  let left = limit;
  let cursor: string | null = null;
  do {
    q.set('limit', String(Math.min(left, 1000)));
    if (cursor) q.set('cursor', cursor);
    const page: { logs: LogRow[]; nextCursor: string | null } = await client.get(`/api/logs?${q}`);
    io.out(values.format === 'jsonl' ? page.logs.map((l) => `${JSON.stringify(l)}\n`).join('') : page.logs.length ? `${table(page.logs)}\n` : '');
    left -= page.logs.length;
    cursor = page.nextCursor;
  } while (cursor && left > 0);
  return EXIT.ok;
}

const LEVELS: Record<string, number> = { trace: 1, debug: 5, info: 9, warn: 13, error: 17, fatal: 21 };

async function tail(args: string[], io: Io): Promise<number> {
  const { values } = parse(args, {
    service: { type: 'string' }, level: { type: 'string' }, event: { type: 'string' }, installation: { type: 'string' }, session: { type: 'string' },
    interval: { type: 'string', default: '2s' }, format: { type: 'string', default: 'table' }, for: { type: 'string' },
  });
  if (values.level && !(values.level in LEVELS)) throw new UsageError(`--level takes ${Object.keys(LEVELS).join(', ')}`);
  const every = duration(values.interval!, 'interval');
  const until = values.for ? Date.now() + duration(values.for, 'for') : Infinity;
  const client = api(values, io);
  const seen = new Set<string>();
  let from = Date.now() - 5_000;
  while (Date.now() < until) {
    const q = new URLSearchParams({ from: String(from), limit: '1000' });
    if (values.service) q.set('service', values.service);
    if (values.level) q.set('severity', String(LEVELS[values.level]));
    // The record's or its resource's attribute, matched by the gateway.
    if (values.installation) q.set('attr.app.installation.id', values.installation);
    if (values.session) q.set('attr.session.id', values.session);
    const { logs } = await client.get<{ logs: LogRow[] }>(`/api/logs?${q}`);
    const fresh = logs
      .filter((l) => !values.event || l.eventName === values.event)
      .reverse()
      .filter((l) => {
        const key = JSON.stringify(l);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    if (fresh.length) io.out(values.format === 'jsonl' ? fresh.map((l) => `${JSON.stringify(l)}\n`).join('') : `${table(fresh)}\n`);
    // Records keep arriving with earlier timestamps (batches): a window that overlaps, deduplicated.
    from = Math.max(from, Date.now() - 60_000);
    if (seen.size > 100_000) seen.clear();
    await new Promise((r) => setTimeout(r, Math.min(every, Math.max(0, until - Date.now()))));
  }
  return EXIT.ok;
}

async function sessions(args: string[], io: Io): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, {
    installation: { type: 'string' }, user: { type: 'string' }, device: { type: 'string' }, session: { type: 'string' },
    level: { type: 'string', default: 'debug' }, minutes: { type: 'string' }, reason: { type: 'string' },
  });
  const client = api(values, io);
  const show = (s: Record<string, unknown>) => `${String(s.id)}  ${String(s.status)}  ${JSON.stringify(s.target)}  ${String(s.level)}  until ${String(s.endsAt ?? '')}`;
  switch (action) {
    case 'list': {
      const { sessions: list } = await client.get<{ sessions: Array<Record<string, unknown>> }>('/api/debug-sessions');
      io.out(list.length ? `${list.map(show).join('\n')}\n` : 'no debug sessions\n');
      return EXIT.ok;
    }
    case 'create': {
      const target = Object.fromEntries(Object.entries({ 'app.installation.id': values.installation, 'user.id': values.user, 'device.id': values.device, 'session.id': values.session }).filter(([, v]) => v !== undefined));
      if (Object.keys(target).length === 0) throw new UsageError('sessions create needs --installation, --user, --device or --session');
      const body: Record<string, unknown> = { target, level: values.level };
      if (values.minutes) body.durationMinutes = Number(values.minutes);
      if (values.reason) body.reason = values.reason;
      const created = await client.send<Record<string, unknown>>('POST', '/api/debug-sessions', body);
      io.out(`${show(created)}\n`);
      return EXIT.ok;
    }
    case 'extend': {
      const [id] = positionals;
      if (!id || !values.minutes) throw new UsageError('sessions extend <id> --minutes <n>');
      io.out(`${show(await client.send<Record<string, unknown>>('POST', `/api/debug-sessions/${encodeURIComponent(id)}/extend`, { minutes: Number(values.minutes) }))}\n`);
      return EXIT.ok;
    }
    case 'cancel': {
      const [id] = positionals;
      if (!id) throw new UsageError('sessions cancel <id>');
      io.out(`${show(await client.send<Record<string, unknown>>('POST', `/api/debug-sessions/${encodeURIComponent(id)}/cancel`))}\n`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`sessions takes list, create, extend or cancel${action ? `, not ${action}` : ''}`);
  }
}

async function issues(args: string[], io: Io): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { service: { type: 'string' }, status: { type: 'string' }, 'in-version': { type: 'string' } });
  const client = api(values, io);
  switch (action) {
    case 'list': {
      const q = new URLSearchParams();
      if (values.service) q.set('service', values.service);
      if (values.status) q.set('status', values.status);
      const { issues: list } = await client.get<{ issues: Array<Record<string, unknown>> }>(`/api/issues${q.size ? `?${q}` : ''}`);
      io.out(list.length ? `${list.map((i) => `${String(i.fingerprint)}  ${String(i.status).padEnd(9)}  ${String(i.events).padStart(6)} events  ${String(i.service ?? '')}  ${String(i.title)}`).join('\n')}\n` : 'no issues\n');
      return EXIT.ok;
    }
    case 'show': {
      const [fingerprint] = positionals;
      if (!fingerprint) throw new UsageError('issues show <fingerprint>');
      io.out(`${JSON.stringify(await client.get(`/api/issues/${encodeURIComponent(fingerprint)}`), null, 2)}\n`);
      return EXIT.ok;
    }
    case 'resolve': {
      const [fingerprint] = positionals;
      if (!fingerprint) throw new UsageError('issues resolve <fingerprint> [--in-version v]');
      const body: Record<string, unknown> = { status: 'resolved' };
      if (values['in-version']) body.resolution = { inVersion: values['in-version'] };
      const { state } = await client.send<{ state: { status: string } }>('PATCH', `/api/issues/${encodeURIComponent(fingerprint)}`, body);
      io.out(`${fingerprint}  ${state.status}\n`);
      return EXIT.ok;
    }
    default:
      throw new UsageError(`issues takes list, show or resolve${action ? `, not ${action}` : ''}`);
  }
}

async function sourcemaps(args: string[], io: Io): Promise<number> {
  const [action, ...rest] = args;
  const { values, positionals } = parse(rest, { release: { type: 'string' }, 'url-prefix': { type: 'string', default: '~' } });
  if (action !== 'upload') throw new UsageError(`sourcemaps takes upload${action ? `, not ${action}` : ''}`);
  const [dir] = positionals;
  if (!dir || !values.release) throw new UsageError('sourcemaps upload <build-dir> --release <release>');
  let maps;
  try {
    maps = findSourceMaps(dir, values['url-prefix']);
  } catch (err) {
    throw new UsageError(`cannot read ${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (maps.length === 0) {
    io.err(`no source maps found under ${dir}\n`);
    return EXIT.failed;
  }
  const client = api(values, io);
  let failed = 0;
  for (const [i, m] of maps.entries()) {
    try {
      await client.send('POST', `/api/releases/${encodeURIComponent(values.release)}/sourcemaps`, { fileUrl: m.fileUrl, sourceMap: m.map });
    } catch (err) {
      if (!(err instanceof ApiFailure) || err.code === EXIT.unreachable) throw err;
      failed++;
      io.err(`${io.tty ? '\n' : ''}${m.fileUrl}: ${err.message}\n`);
    }
    const bar = progressBar(i + 1, maps.length, m.fileUrl);
    io.err(io.tty ? `\r${bar}\x1b[K` : `${bar}\n`);
  }
  if (io.tty) io.err('\n');
  io.out(`${maps.length - failed} of ${maps.length} source maps uploaded for release ${values.release}\n`);
  return failed ? EXIT.failed : EXIT.ok;
}
