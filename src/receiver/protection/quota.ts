import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';

const nonNegativeInt = z.coerce.number().int().nonnegative();

/**
 * What one tenant may store per UTC day (`quota`, `tenants[].quota`); past either, its OTLP
 * requests get 429 with a message naming the quota and `Retry-After` until midnight UTC. 0 = no limit.
 */
export const quotaSchema = z.strictObject({
  /** Records (spans, log records, metric data points) accepted per UTC day. */
  recordsPerDay: nonNegativeInt.default(0),
  /** Request bytes (decompressed) accepted per UTC day. */
  bytesPerDay: nonNegativeInt.default(0),
});

export type Quota = z.infer<typeof quotaSchema>;

const DAY_MS = 86_400_000;

/** What a day's requests used. */
export interface Usage {
  /** The UTC day, `YYYY-MM-DD`. */
  day: string;
  records: number;
  bytes: number;
}

/** A request refused for a used-up quota. */
export interface QuotaRefusal {
  quota: 'records' | 'bytes';
  message: string;
  retryAfterSeconds: number;
}

/**
 * A tenant's daily quotas (records and decompressed bytes per UTC day). A request reserves what it
 * carries before it is processed, so concurrent requests cannot together go past a quota; a request
 * that fails afterwards gives its reservation back. Usage is written to `file` every few seconds
 * and at close, so a restart keeps counting the same day (what the last seconds before a crash used
 * may be forgotten: a quota is a budget, not an invoice).
 */
export class DailyQuota {
  private usage: Usage;
  private dirty = false;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    private readonly tenant: string,
    private readonly quota: Quota,
    private readonly file: string | undefined,
    private readonly now: () => number,
    stored: Usage | undefined,
  ) {
    const today = dayOf(now());
    this.usage = stored?.day === today ? stored : { day: today, records: 0, bytes: 0 };
  }

  /** Loads the day's usage from `file` (a missing or unreadable file starts the day at 0). */
  static async open(options: { tenant: string; quota: Quota; file?: string; now?: () => number; persistMs?: number }): Promise<DailyQuota> {
    let stored: Usage | undefined;
    if (options.file) {
      try {
        const parsed = JSON.parse(await readFile(options.file, 'utf8')) as Partial<Usage>;
        if (typeof parsed.day === 'string' && Number.isFinite(parsed.records) && Number.isFinite(parsed.bytes)) stored = parsed as Usage;
      } catch {
        // No usage yet (or a torn write): the day starts at 0.
      }
    }
    const quota = new DailyQuota(options.tenant, options.quota, options.file, options.now ?? Date.now, stored);
    if (options.file) {
      quota.timer = setInterval(() => void quota.persist(), options.persistMs ?? 5000);
      quota.timer.unref();
    }
    return quota;
  }

  /** Whether any quota is set. */
  get limited(): boolean {
    return this.quota.recordsPerDay > 0 || this.quota.bytesPerDay > 0;
  }

  /** Today's usage. */
  used(): Usage {
    this.roll();
    return { ...this.usage };
  }

  /**
   * Reserves `records` and `bytes` of today's quotas: a refusal when either would go past its
   * limit, else a function that gives the reservation back (for a request that was not accepted).
   */
  reserve(records: number, bytes: number): QuotaRefusal | (() => void) {
    this.roll();
    const { recordsPerDay, bytesPerDay } = this.quota;
    const u = this.usage;
    const retryAfterSeconds = Math.max(1, Math.ceil((DAY_MS - (this.now() % DAY_MS)) / 1000));
    const resets = `it resets at 00:00 UTC (in ${Math.ceil(retryAfterSeconds / 60)} min)`;
    if (recordsPerDay > 0 && u.records + records > recordsPerDay) {
      return { quota: 'records', retryAfterSeconds, message: `tenant ${this.tenant} is over its quota of ${recordsPerDay} records per day (${u.records} used today, this request has ${records}); ${resets}` };
    }
    if (bytesPerDay > 0 && u.bytes + bytes > bytesPerDay) {
      return { quota: 'bytes', retryAfterSeconds, message: `tenant ${this.tenant} is over its quota of ${bytesPerDay} bytes per day (${u.bytes} used today, this request has ${bytes}); ${resets}` };
    }
    const day = u.day;
    u.records += records;
    u.bytes += bytes;
    this.dirty = true;
    let released = false;
    return () => {
      if (released || this.usage.day !== day) return;
      released = true;
      this.usage.records -= records;
      this.usage.bytes -= bytes;
      this.dirty = true;
    };
  }

  /** Writes the usage when it changed (atomically: a temporary file renamed over the last). */
  persist(): Promise<void> {
    if (!this.file || !this.dirty) return this.writing;
    const file = this.file;
    this.dirty = false;
    const body = JSON.stringify(this.usage);
    this.writing = this.writing.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      await writeFile(`${file}.tmp`, body);
      await rename(`${file}.tmp`, file);
    }).catch(() => {
      this.dirty = true;
    });
    return this.writing;
  }

  /** Stops the periodic write and writes what is left. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.persist();
  }

  private roll(): void {
    const today = dayOf(this.now());
    if (this.usage.day !== today) {
      this.usage = { day: today, records: 0, bytes: 0 };
      this.dirty = true;
    }
  }
}

function dayOf(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}
