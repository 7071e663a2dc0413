import { describe, expect, it } from 'vitest';
import { sqlConfigSchema } from './config.ts';
import { settingsList } from './settings.ts';

const limits = sqlConfigSchema.parse({});

describe('the settings every reader query runs with', () => {
  it('lowers a reader\'s threads to nice 19 where the process can raise them back, and leaves them at 0 elsewhere', () => {
    expect(settingsList(limits, new Map(), true)).toMatch(/(^|, )os_thread_priority = 19(,|$)/);
    expect(settingsList(limits, new Map(), false)).not.toMatch(/os_thread_priority/);
  });

  it('keeps the endpoint\'s limits, lowered but never raised by what the request asks, and readonly last', () => {
    const list = settingsList(limits, new Map([['max_threads', '1'], ['max_execution_time', '3600']]), false);
    expect(list).toMatch(/max_threads = 1(,|$)/);
    expect(list).toMatch(new RegExp(`max_execution_time = ${limits.maxExecutionTimeSeconds}(,|$)`));
    expect(list.endsWith('readonly = 2')).toBe(true);
  });
});
