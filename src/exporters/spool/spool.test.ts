import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDataDir } from '../../../test/support/gateway.ts';
import { Spool, SpoolFullError } from './spool.ts';

const token = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const dirs: Array<{ remove: () => void }> = [];
const fresh = () => {
  const d = tempDataDir('otelhouse-spool-');
  dirs.push(d);
  return d.dir;
};
afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

describe('the spool', () => {
  it('returns entries oldest first with their table, token and rows, across a reopen', async () => {
    const dir = fresh();
    const spool = new Spool(dir, 1 << 20);
    await spool.open();
    await spool.append('otel_traces', token(1), 2, 'a\nb\n');
    await spool.append('otel_logs', token(2), 1, 'c\n');
    const reopened = new Spool(dir, 1 << 20);
    await reopened.open();
    expect(reopened.size).toBe(2);
    expect(reopened.bytes).toBe(6);
    const first = reopened.oldest()!;
    expect(first).toMatchObject({ table: 'otel_traces', token: token(1), rows: 2 });
    expect(await reopened.read(first)).toBe('a\nb\n');
    await reopened.remove(first);
    expect(reopened.oldest()).toMatchObject({ table: 'otel_logs', token: token(2) });
    await reopened.append('otel_traces', token(3), 1, 'd\n');
    expect(reopened.size).toBe(2);
  });

  it('refuses appends beyond its byte bound', async () => {
    const spool = new Spool(fresh(), 10);
    await spool.open();
    await spool.append('t', token(1), 1, '12345678');
    await expect(spool.append('t', token(2), 1, '123')).rejects.toBeInstanceOf(SpoolFullError);
    expect(spool.size).toBe(1);
  });

  it('discards half-written files left by a crash and ignores foreign files', async () => {
    const dir = fresh();
    writeFileSync(join(dir, `000000000001.otel_traces.${token(1)}.3.jsonl.tmp`), 'partial');
    writeFileSync(join(dir, 'README'), 'not an entry');
    const spool = new Spool(dir, 1 << 20);
    await spool.open();
    expect(spool.size).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(['README']);
  });
});
