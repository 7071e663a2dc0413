import type { FastifyInstance, FastifyReply } from 'fastify';
import { z } from 'zod';

import type { AuditLog } from '../storage/clickhouse/audit.ts';
import { ISSUE_STATUSES, LifecycleError, MAX_NOTE_LENGTH, UNRESOLVED, type IssueCommand, type IssueState, type IssueStatus } from '../issues/lifecycle.ts';
import { CursorError } from '../storage/clickhouse/cursor.ts';
import type { IssueStore } from '../issues/store/issueStore.ts';
import { iso, toSummary, type IssueStats } from '../issues/store/model.ts';
import { SORT_KEYS, type SortKey } from '../issues/store/queries.ts';
import type { IssueTracker } from '../issues/tracker.ts';
import { jsonBody, validate } from '../http/body.ts';
import { docs } from '../http/openapi.ts';
import { ApiError, sendApiError } from '../http/problem.ts';
import { checkRange, instant, pageCursor, pageLimit, statusList } from './params.ts';
import { actorOf } from '../http/auth.ts';

/** What the issue routes use. */
export interface IssueRouteDeps {
  issues: IssueStore;
  /** Applies status changes (and keeps its cache in step). */
  tracker: Pick<IssueTracker, 'command'>;
  /** For an issue's change history. */
  audit: AuditLog;
}

const name = z.string().min(1).max(256);

/** `status=resolved,ignored`; `unresolved` stands for new, ongoing and regressed. */
const statuses = statusList(ISSUE_STATUSES, { unresolved: UNRESOLVED });

const listQuery = z.strictObject({
  service: name.optional(),
  environment: name.optional(),
  version: name.optional(),
  status: statuses.optional(),
  from: instant.optional(),
  to: instant.optional(),
  sort: z.enum(Object.keys(SORT_KEYS) as [SortKey, ...SortKey[]]).default('last_seen'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: pageLimit(50, 500),
  cursor: pageCursor.optional(),
});

const historyQuery = z.strictObject({ limit: pageLimit(50, 500), cursor: pageCursor.optional() });

const eventsQuery = z.strictObject({ from: instant.optional(), to: instant.optional(), limit: pageLimit(50, 500), cursor: pageCursor.optional() });

const fingerprintParam = z.strictObject({ fingerprint: z.string().min(1).max(512) });

const MAX_IGNORE_MS = 366 * 86_400_000;
const patchBody = z
  .strictObject({
    status: z.enum(['resolved', 'ignored', 'unresolved']).optional(),
    resolution: z.strictObject({ inVersion: z.string().min(1).max(128).optional() }).optional(),
    ignore: z
      .strictObject({
        /** End of the ignore, ms since the epoch. */
        untilMs: z.number().int().positive().max(Date.UTC(2262, 0, 1)).optional(),
        /** Ignore for this long from now. */
        forMs: z.number().int().positive().max(MAX_IGNORE_MS).optional(),
        /** Ignore until this many more events. */
        untilEvents: z.number().int().positive().max(1_000_000_000).optional(),
      })
      .refine((i) => i.untilMs === undefined || i.forMs === undefined, { message: 'give untilMs or forMs, not both', path: ['forMs'] })
      .optional(),
    assignee: z.string().max(256).nullable().optional(),
    note: z.string().min(1).max(MAX_NOTE_LENGTH).optional(),
  })
  .refine((b) => Object.values(b).some((v) => v !== undefined), { message: 'nothing to change: give status, assignee or note' })
  .refine((b) => b.resolution === undefined || b.status === 'resolved', { message: 'resolution needs status "resolved"', path: ['resolution'] })
  .refine((b) => b.ignore === undefined || b.status === 'ignored', { message: 'ignore needs status "ignored"', path: ['ignore'] });

type PatchBody = z.infer<typeof patchBody>;

function commandsOf(body: PatchBody): IssueCommand[] {
  const commands: IssueCommand[] = [];
  if (body.status === 'resolved') commands.push({ kind: 'resolve', inVersion: body.resolution?.inVersion });
  if (body.status === 'ignored') {
    commands.push({ kind: 'ignore', ...body.ignore });
  }
  if (body.status === 'unresolved') commands.push({ kind: 'reopen' });
  if (body.assignee !== undefined) commands.push({ kind: 'assign', assignee: body.assignee ?? '' });
  if (body.note !== undefined) commands.push({ kind: 'note', text: body.note });
  return commands;
}

/** The state as the API shows it: times as ISO 8601, unset parts as null. */
export function stateView(state: IssueState, status: IssueStatus) {
  const at = (ms: number) => (ms > 0 ? iso(ms) : null);
  return {
    status,
    storedStatus: state.status,
    severity: state.severity,
    resolution: state.status === 'resolved' ? { inVersion: state.resolvedInVersion || null, resolvedAt: at(state.resolvedAtMs) } : null,
    ignore: state.status === 'ignored'
      ? { until: at(state.ignoreUntilMs), untilEvents: state.ignoreUntilEvents || null, eventsAtIgnore: state.ignoreBaseEvents }
      : null,
    assignee: state.assignee || null,
    notes: state.notes.map((n) => ({ time: iso(n.timeMs), author: n.author, text: n.text })),
    updatedAt: at(state.updatedAtMs),
    updatedBy: state.updatedBy || null,
  };
}

function statsView(stats: IssueStats) {
  return {
    events: stats.events, users: stats.users, firstSeen: iso(stats.firstSeenMs), lastSeen: iso(stats.lastSeenMs),
    services: stats.services, environments: stats.environments, highestEventSeverity: stats.highestSeverity,
  };
}

/** Maps API, lifecycle and cursor errors to problem bodies; anything else goes to the server's 500 handler. */
function fail(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof LifecycleError) return sendApiError(reply, new ApiError(err.kind === 'conflict' ? 409 : 400, err.message, err.field));
  if (err instanceof CursorError) return sendApiError(reply, new ApiError(400, err.message, 'cursor'));
  return sendApiError(reply, err);
}

/**
 * The issues API under `/api/issues` (admin token): list, detail (stats, state, latest event,
 * versions, 14-day timeline by severity), events, change history (from the audit log), and
 * `PATCH` for status, assignee and notes.
 */
export function registerIssueRoutes(app: FastifyInstance, deps: IssueRouteDeps): void {
  const { issues, tracker } = deps;

  app.get('/api/issues', docs({
    summary: 'List issues', tag: 'issues', query: listQuery,
    answers: { 200: '`{ issues, nextCursor }`: a page of issues' },
  }), async (request, reply) => {
    try {
      const q = validate(listQuery, request.query);
      checkRange(q.from, q.to);
      const page = await issues.list({
        service: q.service, environment: q.environment, version: q.version, statuses: q.status,
        fromMs: q.from, toMs: q.to, sort: q.sort, order: q.order, limit: q.limit, cursor: q.cursor,
      });
      return { issues: page.items, nextCursor: page.nextCursor };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/issues/:fingerprint', docs({
    summary: 'An issue: stats, state, latest event, versions and a 14-day timeline', tag: 'issues', params: fingerprintParam,
    answers: { 200: '`{ issue, state, stats, versions, latestEvent, timeline }`' }, problems: { 404: 'no such issue' },
  }), async (request, reply) => {
    try {
      const { fingerprint } = validate(fingerprintParam, request.params);
      const found = await issues.get(fingerprint);
      if (!found) throw new ApiError(404, 'no such issue', 'fingerprint');
      const status = issues.statusOf(found.state, found.stats.events);
      const [latestEvent, timeline] = await Promise.all([issues.latestEvent(fingerprint), issues.timeline(fingerprint, 14)]);
      return {
        issue: { ...toSummary(found.stats, found.state, status), assignee: found.state.assignee },
        state: stateView(found.state, status),
        stats: statsView(found.stats),
        versions: found.stats.versions,
        latestEvent,
        timeline,
      };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/issues/:fingerprint/events', docs({
    summary: "An issue's error events, newest first", tag: 'issues', params: fingerprintParam, query: eventsQuery,
    answers: { 200: '`{ events, nextCursor }`' }, problems: { 404: 'no such issue' },
  }), async (request, reply) => {
    try {
      const { fingerprint } = validate(fingerprintParam, request.params);
      const q = validate(eventsQuery, request.query);
      checkRange(q.from, q.to);
      if (!(await issues.stats([fingerprint])).has(fingerprint)) throw new ApiError(404, 'no such issue', 'fingerprint');
      const page = await issues.events(fingerprint, { limit: q.limit, cursor: q.cursor, fromMs: q.from, toMs: q.to });
      return { events: page.items, nextCursor: page.nextCursor };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/issues/:fingerprint/history', docs({
    summary: "An issue's change history (from the audit log)", tag: 'issues', params: fingerprintParam, query: historyQuery,
    answers: { 200: '`{ entries, nextCursor }`' },
  }), async (request, reply) => {
    try {
      const { fingerprint } = validate(fingerprintParam, request.params);
      const q = validate(historyQuery, request.query);
      const page = await deps.audit.list({ entityType: 'issue', entityId: fingerprint, limit: q.limit, cursor: q.cursor });
      return { entries: page.items, nextCursor: page.nextCursor };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.patch('/api/issues/:fingerprint', docs({
    summary: "Change an issue's status, assignee or notes", tag: 'issues', params: fingerprintParam, body: patchBody,
    description: '`resolution` goes with status `resolved`, `ignore` with `ignored`; `unresolved` reopens. The change is audited under the caller.',
    answers: { 200: '`{ issue, state }` after the change' },
    problems: { 404: 'no such issue', 409: 'a change the current status does not allow', 415: 'the body is not `application/json`' },
  }), async (request, reply) => {
    try {
      const { fingerprint } = validate(fingerprintParam, request.params);
      const body = jsonBody(request, patchBody);
      const actor = actorOf(request);
      const result = await tracker.command(fingerprint, commandsOf(body), actor);
      if (!result) throw new ApiError(404, 'no such issue', 'fingerprint');
      return {
        issue: { ...toSummary(result.stats, result.state, result.status), assignee: result.state.assignee },
        state: stateView(result.state, result.status),
      };
    } catch (err) {
      return fail(reply, err);
    }
  });
}
