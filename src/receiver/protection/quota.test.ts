import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DailyQuota, type QuotaRefusal } from './quota.ts';

const dir = mkdtempSync(join(tmpdir(), 'quota-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NOON = Date.UTC(2026, 11, 4, 12, 0, 0);
const refusal = (r: QuotaRefusal | (() => void)) => (typeof r === 'function' ? undefined : r);

describe('DailyQuota', () => {
  it('admits up to the records per day, then refuses naming the quota, with Retry-After until midnight UTC', async () => {
    const quota = await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 10, bytesPerDay: 0 }, now: () => NOON });
    expect(refusal(quota.reserve(6, 100))).toBeUndefined();
    expect(refusal(quota.reserve(4, 100))).toBeUndefined();
    const over = refusal(quota.reserve(1, 1))!;
    expect(over).toEqual({ quota: 'records', retryAfterSeconds: 12 * 3600, message: 'tenant t is over its quota of 10 records per day (10 used today, this request has 1); it resets at 00:00 UTC (in 720 min)' });
    expect(quota.used()).toEqual({ day: '2026-12-04', records: 10, bytes: 200 });
  });

  it('refuses a request past the bytes per day even with records to spare', async () => {
    const quota = await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 0, bytesPerDay: 1000 }, now: () => NOON });
    expect(refusal(quota.reserve(1, 1000))).toBeUndefined();
    expect(refusal(quota.reserve(1, 1))?.quota).toBe('bytes');
  });

  it('gives back what a request that was not accepted reserved, once', async () => {
    const quota = await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 5, bytesPerDay: 0 }, now: () => NOON });
    const release = quota.reserve(5, 50);
    expect(typeof release).toBe('function');
    expect(refusal(quota.reserve(1, 1))).toBeDefined();
    (release as () => void)();
    (release as () => void)();
    expect(quota.used()).toMatchObject({ records: 0, bytes: 0 });
    expect(refusal(quota.reserve(5, 1))).toBeUndefined();
  });

  it('starts each UTC day at 0', async () => {
    let now = NOON;
    const quota = await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 5, bytesPerDay: 0 }, now: () => now });
    quota.reserve(5, 0);
    expect(refusal(quota.reserve(1, 0))).toBeDefined();
    now = Date.UTC(2026, 11, 5, 0, 0, 0);
    expect(refusal(quota.reserve(5, 0))).toBeUndefined();
    expect(quota.used()).toEqual({ day: '2026-12-05', records: 5, bytes: 0 });
  });

  it('keeps the day\'s use across a restart, and forgets another day\'s or an unreadable file', async () => {
    const file = join(dir, 'a', 'quota.json');
    const first = await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 100, bytesPerDay: 0 }, file, now: () => NOON });
    first.reserve(42, 7);
    await first.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ day: '2026-12-04', records: 42, bytes: 7 });
    const again = await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 100, bytesPerDay: 0 }, file, now: () => NOON + 3_600_000 });
    expect(again.used()).toEqual({ day: '2026-12-04', records: 42, bytes: 7 });
    await again.close();
    const tomorrow = await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 100, bytesPerDay: 0 }, file, now: () => NOON + 86_400_000 });
    expect(tomorrow.used()).toEqual({ day: '2026-12-05', records: 0, bytes: 0 });
    await tomorrow.close();
    writeFileSync(file, '{"day":"2026-12-0');
    const torn = await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 100, bytesPerDay: 0 }, file, now: () => NOON });
    expect(torn.used()).toEqual({ day: '2026-12-04', records: 0, bytes: 0 });
    await torn.close();
  });

  it('is not limited without a quota', async () => {
    expect((await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 0, bytesPerDay: 0 } })).limited).toBe(false);
    expect((await DailyQuota.open({ tenant: 't', quota: { recordsPerDay: 1, bytesPerDay: 0 } })).limited).toBe(true);
  });
});
