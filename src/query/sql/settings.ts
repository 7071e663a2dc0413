/**
 * Settings a reader may give (in a `SETTINGS` clause at any depth, or as URL parameters) and the
 * clause every query runs with: the endpoint's limits, lowered where the reader asked for less.
 */
import type { SqlLimits } from './config.ts';
import { SqlError } from './errors.ts';
import { ALLOWED_SETTINGS, LIMIT_SETTINGS } from './policy.ts';

/**
 * Refuses a setting outside the allow-list, a limit above the endpoint's (or 0, unlimited), and
 * `readonly` other than 1 or 2. `value` is the literal text (`'iso'`, `10`) or a URL value.
 */
export function checkSetting(name: string, value: string, limits: SqlLimits): void {
  const plain = value.replace(/^'(.*)'$/s, '$1');
  if (name in LIMIT_SETTINGS) {
    const limit = limits[LIMIT_SETTINGS[name as keyof typeof LIMIT_SETTINGS]];
    const n = Number(plain);
    if (!Number.isFinite(n) || n <= 0 || (limit > 0 && n > limit)) {
      throw SqlError.of('READONLY', `Cannot modify '${name}' setting to ${value}: this endpoint allows at most ${limit || 'unlimited'}`);
    }
    return;
  }
  if (name === 'readonly') {
    if (plain !== '1' && plain !== '2') throw SqlError.of('READONLY', `Cannot modify 'readonly' setting in readonly mode`);
    return;
  }
  if (!ALLOWED_SETTINGS.has(name)) throw SqlError.of('READONLY', `Cannot modify '${name}' setting in readonly mode`);
}

/**
 * The `name = value` list appended to every query: the limits (lowered by `requested` limit
 * settings), `readonly = 2` and `result_overflow_mode = 'throw'`, then the other requested settings.
 * Values are quoted here; names come from the allow-list only.
 */
export function settingsList(limits: SqlLimits, requested: Map<string, string>, lowPriority = canRestorePriority): string {
  const out = new Map<string, string>();
  for (const [name, option] of Object.entries(LIMIT_SETTINGS)) {
    const limit = limits[option];
    const asked = requested.has(name) ? Number(requested.get(name)) : undefined;
    const value = asked !== undefined && asked > 0 && (limit === 0 || asked < limit) ? asked : limit;
    if (value > 0) out.set(name, String(value));
  }
  out.set('result_overflow_mode', quote('throw'));
  // A ClickHouse server's default, which clients reading JSON rely on; the embedded engine's is 0.
  out.set('output_format_json_quote_64bit_integers', '1');
  for (const [name, value] of requested) if (!(name in LIMIT_SETTINGS) && name !== 'readonly') out.set(name, /^-?\d+(\.\d+)?$/.test(value) ? value : quote(value));
  out.set('readonly', '2');
  // Readers yield the cores to ingest: their query threads run at the lowest priority (nice 19).
  // ClickHouse sets a thread back to 0 when the query ends, which only a process allowed to raise
  // priority can do; elsewhere a pool thread ingest shares would stay at 19, so readers run at 0.
  if (lowPriority) out.set('os_thread_priority', '19');
  else out.delete('os_thread_priority');
  return [...out].map(([name, value]) => `${name} = ${value}`).join(', ');
}

/** Root can raise a thread's priority back (CAP_SYS_NICE); measured on 2 cores, 4 readers took ingest at 100x8 to 0.50 of its unloaded rate at normal priority and 0.78 at nice 19. */
const canRestorePriority = process.getuid?.() === 0;

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}
