import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { defaultSchemaOptions, migrate } from './schema/index.ts';
import { openTestEngine } from './testing.ts';
import { CursorError } from './cursor.ts';
import { AuditLog } from './audit.ts';

const engine = openTestEngine();
let now = Date.UTC(2030, 0, 1);
const audit = new AuditLog(engine.client, { database: 'otel', now: () => now });

beforeAll(async () => {
  await migrate(engine.client, { ...defaultSchemaOptions, database: 'otel' });
  await audit.write({ actor: 'token:aaaa0000', action: 'session.create', entityType: 'session', entityId: 's1', before: null, after: { target: { 'user.id': 'u1' } } });
  now += 1_000;
  // One request, three steps: read back in the order written.
  await audit.write([
    { actor: 'alice', action: 'issue.resolve', entityType: 'issue', entityId: 'fp1', before: { status: 'new' }, after: { status: 'resolved' } },
    { actor: 'alice', action: 'issue.assign', entityType: 'issue', entityId: 'fp1', before: { assignee: '' }, after: { assignee: 'bob' } },
    { actor: 'alice', action: 'issue.note', entityType: 'issue', entityId: 'fp1', before: { notes: [] }, after: { notes: ["it's \"fixed\""] } },
  ]);
  now += 1_000;
  await audit.write({ actor: 'system', action: 'policy.delete', entityType: 'policy', entityId: "p'1", before: { rate: 0.5 }, after: null });
});
afterAll(() => engine.close());

describe('the audit log', () => {
  it('returns every entry newest first, with who, when, what and before/after values', async () => {
    const { items, nextCursor } = await audit.list({ limit: 10 });
    expect(items.map((e) => [e.action, e.actor, e.entityId])).toEqual([
      ['policy.delete', 'system', "p'1"],
      ['issue.note', 'alice', 'fp1'],
      ['issue.assign', 'alice', 'fp1'],
      ['issue.resolve', 'alice', 'fp1'],
      ['session.create', 'token:aaaa0000', 's1'],
    ]);
    expect(items[0]).toMatchObject({ time: '2030-01-01T00:00:02.000Z', before: { rate: 0.5 }, after: null });
    expect(items[1]!.after).toEqual({ notes: ["it's \"fixed\""] });
    expect(items[4]!.before).toBeNull();
    expect(nextCursor).toBeNull();
  });

  it.each([
    [{ entityType: 'issue' }, 3],
    [{ entityType: 'issue', entityId: 'fp1', action: 'issue.assign' }, 1],
    [{ actor: 'alice' }, 3],
    [{ entityId: "p'1" }, 1],
    [{ sinceMs: Date.UTC(2030, 0, 1, 0, 0, 1) }, 4],
    [{ untilMs: Date.UTC(2030, 0, 1, 0, 0, 1) }, 4],
    [{ sinceMs: Date.UTC(2030, 0, 1, 0, 0, 1), untilMs: Date.UTC(2030, 0, 1, 0, 0, 1) }, 3],
    [{ actor: "' OR 1=1 --" }, 0],
  ])('filters by %j', async (filters, count) => {
    expect((await audit.list({ ...filters, limit: 10 })).items).toHaveLength(count);
  });

  it('pages with a cursor without skipping or repeating entries', async () => {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await audit.list({ limit: 2, cursor });
      ids.push(...page.items.map((e) => e.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor && ids.length <= 10);
    expect(ids).toEqual((await audit.list({ limit: 10 })).items.map((e) => e.id));
    await expect(audit.list({ limit: 2, cursor: 'bm9wZQ' })).rejects.toBeInstanceOf(CursorError);
  });
});
