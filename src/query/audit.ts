import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import type { AuditLog } from '../storage/clickhouse/audit.ts';
import { CursorError } from '../storage/clickhouse/cursor.ts';
import { validate } from '../http/body.ts';
import { docs } from '../http/openapi.ts';
import { ApiError, sendApiError } from '../http/problem.ts';
import { checkRange, instant, pageCursor, pageLimit } from './params.ts';

const name = z.string().min(1).max(256);

const auditQuery = z.strictObject({
  entityType: name.optional(),
  entityId: z.string().min(1).max(512).optional(),
  actor: name.optional(),
  action: name.optional(),
  since: instant.optional(),
  until: instant.optional(),
  limit: pageLimit(100, 1000),
  cursor: pageCursor.optional(),
});

/**
 * `GET /api/audit` (admin token): control-plane changes, newest first, filtered by entity type and
 * id, actor, action and time (`since`/`until`: ISO 8601 or ms), with before/after values.
 */
export function registerAuditRoutes(app: FastifyInstance, deps: { audit: AuditLog }): void {
  app.get('/api/audit', docs({
    summary: 'Control-plane changes, newest first: who, when, what, before and after', tag: 'audit', query: auditQuery,
    answers: { 200: '`{ entries, nextCursor }`' },
  }), async (request, reply) => {
    try {
      const q = validate(auditQuery, request.query);
      checkRange(q.since, q.until, 'since', 'until');
      const page = await deps.audit.list({
        entityType: q.entityType, entityId: q.entityId, actor: q.actor, action: q.action,
        sinceMs: q.since, untilMs: q.until, limit: q.limit, cursor: q.cursor,
      });
      return { entries: page.items, nextCursor: page.nextCursor };
    } catch (err) {
      return sendApiError(reply, err instanceof CursorError ? new ApiError(400, err.message, 'cursor') : err);
    }
  });
}
