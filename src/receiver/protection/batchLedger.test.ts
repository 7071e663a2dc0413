import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

import { spyFiles } from '../../storage/wal/testing.ts';
import { BatchLedger, type BatchClaim } from './batchLedger.ts';

const DAY = 86_400_000;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function ledgerDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'otelhouse-ledger-'));
  dirs.push(dir);
  return dir;
}

const owned = (claim: BatchClaim) => {
  if (claim === 'seen') throw new Error('expected to own the batch');
  return claim;
};

describe('the batch ledger', () => {
  it('knows an acknowledged batch id, forgets one that was not acknowledged, and keeps ids apart by signal and client token', async () => {
    let now = Date.UTC(2030, 0, 1, 12);
    const ledger = await BatchLedger.open({ dir: ledgerDir(), retentionMs: 7 * DAY, maxEntries: 100, now: () => now });
    const key = ledger.key('logs', 'shop-web', 'batch-0001');
    await owned(await ledger.claim(key)).settle(true);
    expect(await ledger.claim(key)).toBe('seen');
    expect(await ledger.claim(ledger.key('traces', 'shop-web', 'batch-0001'))).not.toBe('seen');
    expect(await ledger.claim(ledger.key('logs', 'other-app', 'batch-0001'))).not.toBe('seen');

    const refused = ledger.key('logs', 'shop-web', 'batch-0002');
    await owned(await ledger.claim(refused)).settle(false);
    expect(await ledger.claim(refused)).not.toBe('seen');
    now += 7 * DAY;
    expect(await ledger.claim(key)).toBe('seen');
    await ledger.close();
  });

  it('makes a resend that arrives while the first is in flight wait for its outcome', async () => {
    const ledger = await BatchLedger.open({ dir: ledgerDir(), retentionMs: DAY, maxEntries: 100 });
    const key = ledger.key('logs', '', 'in-flight-1');
    const first = owned(await ledger.claim(key));
    let resendOutcome: BatchClaim | undefined;
    const resend = ledger.claim(key).then((c) => (resendOutcome = c));
    await new Promise((r) => setTimeout(r, 20));
    expect(resendOutcome).toBeUndefined();
    await first.settle(true);
    await resend;
    expect(resendOutcome).toBe('seen');

    // A first attempt that failed hands the batch to the waiting resend.
    const other = ledger.key('logs', '', 'in-flight-2');
    const failing = owned(await ledger.claim(other));
    const waiting = ledger.claim(other);
    await failing.settle(false);
    await owned(await waiting).settle(true);
    expect(await ledger.claim(other)).toBe('seen');
    await ledger.close();
  });

  it('remembers ids across a restart, cuts a torn tail, and forgets (and deletes) days past the retention', async () => {
    const dir = ledgerDir();
    let now = Date.UTC(2030, 0, 1, 23, 59);
    const first = await BatchLedger.open({ dir, retentionMs: 7 * DAY, maxEntries: 100, now: () => now });
    const keys = ['a', 'b', 'c'].map((id) => first.key('logs', '', `restart-${id}-00`));
    for (const key of keys) await owned(await first.claim(key)).settle(true);
    await first.close();
    const [file] = readdirSync(dir);
    appendFileSync(join(dir, file!), Buffer.from([16, 0, 0, 0, 1, 2])); // a frame cut short by a crash

    now += 2 * 60_000; // the next day
    const second = await BatchLedger.open({ dir, retentionMs: 7 * DAY, maxEntries: 100, now: () => now });
    for (const key of keys) expect(await second.claim(key)).toBe('seen');
    const late = second.key('logs', '', 'restart-d-00');
    await owned(await second.claim(late)).settle(true);
    await second.close();
    expect(readdirSync(dir)).toHaveLength(2);

    now += 7 * DAY; // the first day's ids are past the retention, the second's are not
    const third = await BatchLedger.open({ dir, retentionMs: 7 * DAY, maxEntries: 100, now: () => now });
    expect(await third.claim(keys[0]!)).not.toBe('seen');
    expect(await third.claim(late)).toBe('seen');
    expect(readdirSync(dir)).toHaveLength(1);
    await third.close();
  });

  it('forgets the oldest ids first past maxEntries, and counts them', async () => {
    const ledger = await BatchLedger.open({ dir: ledgerDir(), retentionMs: DAY, maxEntries: 3 });
    const keys = [1, 2, 3, 4, 5].map((i) => ledger.key('logs', '', `bounded-${i}-00`));
    for (const key of keys) await owned(await ledger.claim(key)).settle(true);
    expect(ledger.size).toBe(3);
    expect(ledger.evicted).toBe(2);
    expect(await ledger.claim(keys[4]!)).toBe('seen');
    expect(await ledger.claim(keys[0]!)).not.toBe('seen');
    await ledger.close();
  });
});

describe('the batch ledger on power loss', () => {
  it('has an acknowledged batch id written and fdatasynced (its new day file\'s directory fsynced) before settle resolves', async () => {
    const files = spyFiles();
    const dir = ledgerDir();
    const ledger = await BatchLedger.open({ dir, retentionMs: 7 * DAY, maxEntries: 100, files });
    const release = files.holdSyncs();
    let settled = false;
    const settling = owned(await ledger.claim(ledger.key('logs', '', 'batch-0001'))).settle(true).then(() => (settled = true));
    // The write happened, its sync is held (a slow disk): the answer waits for it.
    for (let i = 0; i < 200 && !files.events.some((e) => e.startsWith('write ')); i++) await new Promise((r) => setTimeout(r, 10));
    expect(files.events.some((e) => e.startsWith('write '))).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(settled).toBe(false);
    release();
    await settling;
    const events = files.events;
    const write = events.findIndex((e) => e.startsWith('write '));
    expect(events.findIndex((e) => e === `sync ${dir}`)).toBeGreaterThanOrEqual(0);
    expect(events.findIndex((e, i) => i > write && e.startsWith('datasync '))).toBeGreaterThan(write);
    await ledger.close();
  });

  it('writes nothing for a batch that was not acknowledged', async () => {
    const files = spyFiles();
    const ledger = await BatchLedger.open({ dir: ledgerDir(), retentionMs: 7 * DAY, maxEntries: 100, files });
    await owned(await ledger.claim(ledger.key('logs', '', 'batch-0002'))).settle(false);
    expect(files.events.filter((e) => e.startsWith('write ') || e.startsWith('datasync '))).toEqual([]);
    await ledger.close();
  });
});
