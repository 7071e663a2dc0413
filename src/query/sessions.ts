import { createHash } from 'node:crypto';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import { LifecycleError, type SessionCommand } from '../control/sessions/lifecycle.ts';
import {
  createSessionSchema, extendSessionSchema, SESSION_STATUSES, updateSessionSchema, type DebugSession, type SessionStatus,
} from '../control/sessions/model.ts';
import { NO_STATS, sessionView, type SessionService } from '../control/sessions/service.ts';
import type { SessionStore } from '../control/sessions/store.ts';
import { CursorError } from '../storage/clickhouse/cursor.ts';
import { bearerToken } from '../http/auth.ts';
import { jsonBody, validate } from '../http/body.ts';
import { docs } from '../http/openapi.ts';
import { ApiError, sendApiError, sendProblem } from '../http/problem.ts';
import { pageCursor, pageLimit, statusList } from './params.ts';
import { actorOf } from '../http/auth.ts';

/** What the debug-session routes use. */
export interface SessionRouteDeps {
  sessions: SessionService;
  store: Pick<SessionStore, 'get' | 'list' | 'stats'>;
  /** Sessions each admin token may create per hour (a token bucket of that size). Default 10. */
  createsPerHour?: number;
  /** Clock, ms. Default `Date.now`. */
  now?: () => number;
}

const attr = z.string().min(1).max(256);
const statuses = statusList(SESSION_STATUSES);

const listQuery = z.strictObject({
  status: statuses.optional(),
  'service.name': attr.optional(),
  'app.installation.id': attr.optional(),
  'device.id': attr.optional(),
  'user.id': attr.optional(),
  'session.id': attr.optional(),
  createdBy: attr.optional(),
  /** Sessions running at some time in [from, to) (ISO 8601 instants with an offset). */
  from: z.iso.datetime({ offset: true }).transform((t) => Date.parse(t)).optional(),
  to: z.iso.datetime({ offset: true }).transform((t) => Date.parse(t)).optional(),
  limit: pageLimit(50, 500),
  cursor: pageCursor.optional(),
});

const idParam = z.strictObject({ id: z.string().min(1).max(64) });

/**
 * {@link validate} with one refinement: an unknown field is named itself (`target.user.email`),
 * not its parent object, so a client sees which key to remove.
 */
export function strictValidate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    const field = [...issue.path.map(String), issue.keys[0]].join('.');
    throw new ApiError(400, `${field}: unknown field`, field);
  }
  return validate(schema, value);
}

/** {@link jsonBody} validated by {@link strictValidate}. */
export function strictBody<S extends z.ZodType>(request: FastifyRequest, schema: S): z.infer<S> {
  return strictValidate(schema, jsonBody(request, z.unknown()));
}

function mapError(err: unknown): unknown {
  if (err instanceof LifecycleError) return new ApiError(err.status, err.message, err.field);
  if (err instanceof CursorError) return new ApiError(400, err.message, 'cursor');
  return err;
}

/** The rate-limit key of a request: its admin token's hash (never the actor header, which a caller picks). */
function tokenKey(request: FastifyRequest): string {
  const token = bearerToken(request.headers.authorization);
  return token ? createHash('sha256').update(token).digest('hex').slice(0, 16) : 'anonymous';
}

/**
 * The debug-session API (admin token, as all of `/api/`):
 * - `POST /api/debug-sessions` `{ target, level?, capture?, durationMinutes?, startsAt?, reason?, consent? }` → 201;
 *   at most `createsPerHour` per admin token, then 429 with `Retry-After`;
 * - `GET /api/debug-sessions?status=active,paused&user.id=…&service.name=…&createdBy=…&from=&to=&limit=&cursor=` → `{ sessions, nextCursor }`
 *   (`from`/`to`: sessions running at some time in [from, to));
 * - `GET /api/debug-sessions/:id` → the session with its live stats;
 * - `PATCH /api/debug-sessions/:id` `{ level?, capture?, reason?, consent?, durationMinutes? }`;
 * - `POST /api/debug-sessions/:id/extend` `{ minutes }`; `POST …/pause`, `…/resume`, `…/cancel`.
 * Bad input is a 400 problem naming the field; a change the status does not allow is a 409.
 */
const HOUR_MS = 3_600_000;

export function registerSessionRoutes(app: FastifyInstance, deps: SessionRouteDeps): void {
  const now = deps.now ?? Date.now;
  const perHour = deps.createsPerHour ?? 10;
  /** Creation times per admin token in the last hour: a sliding window, so no hour ever holds more than `perHour`. */
  const created = new Map<string, number[]>();

  const show = async (session: DebugSession) => sessionView(session, now(), (await deps.store.stats([session.id])).get(session.id) ?? NO_STATS);

  app.post('/api/debug-sessions', docs({
    summary: 'Open a debug session for one client', tag: 'debug sessions', body: createSessionSchema,
    description: "The client's records are kept down to `level`, exempt from sampling and tagged with `otelhouse.debug_session.id`; `GET /v1/config` tells the client.",
    answers: { 201: 'the session (its URL in `Location`)' },
    problems: { 415: 'the body is not `application/json`', 429: 'this admin token opened too many sessions in the last hour (`Retry-After`)' },
  }), async (request, reply) => {
    try {
      const input = strictBody(request, createSessionSchema);
      const actor = actorOf(request);
      const key = tokenKey(request);
      const nowMs = now();
      const recent = (created.get(key) ?? []).filter((t) => t > nowMs - HOUR_MS);
      if (recent.length >= perHour) {
        const seconds = Math.max(1, Math.ceil((recent[0]! + HOUR_MS - nowMs) / 1000));
        return sendProblem(reply.header('retry-after', String(seconds)), 429, `at most ${perHour} debug sessions an hour per admin token; retry in ${seconds} s`);
      }
      const session = await deps.sessions.create(input, actor);
      // Only sessions actually created count against the limit.
      recent.push(nowMs);
      created.set(key, recent);
      return reply.code(201).header('location', `/api/debug-sessions/${session.id}`).send(sessionView(session, now(), NO_STATS));
    } catch (err) {
      return sendApiError(reply, mapError(err));
    }
  });

  app.get('/api/debug-sessions', docs({
    summary: 'List debug sessions', tag: 'debug sessions', query: listQuery, answers: { 200: '`{ sessions, nextCursor }`' },
  }), async (request, reply) => {
    try {
      const q = strictValidate(listQuery, request.query);
      const page = await deps.store.list(
        {
          statuses: q.status,
          target: { 'service.name': q['service.name'], 'app.installation.id': q['app.installation.id'], 'device.id': q['device.id'], 'user.id': q['user.id'], 'session.id': q['session.id'] },
          createdBy: q.createdBy,
          fromMs: q.from,
          toMs: q.to,
          limit: q.limit,
          cursor: q.cursor,
        },
        now(),
      );
      const stats = await deps.store.stats(page.items.map((s) => s.id));
      const nowMs = now();
      return { sessions: page.items.map((s) => sessionView(s, nowMs, stats.get(s.id) ?? NO_STATS)), nextCursor: page.nextCursor };
    } catch (err) {
      return sendApiError(reply, mapError(err));
    }
  });

  app.get('/api/debug-sessions/:id', docs({
    summary: 'A debug session with its live stats', tag: 'debug sessions', params: idParam, answers: { 200: 'the session' }, problems: { 404: 'no such session' },
  }), async (request, reply) => {
    try {
      const { id } = validate(idParam, request.params);
      const session = await deps.store.get(id);
      if (!session) return sendProblem(reply, 404, `no debug session ${id}`);
      return await show(session);
    } catch (err) {
      return sendApiError(reply, mapError(err));
    }
  });

  /** Runs a lifecycle command built from the request (building it validates the body). */
  async function command(request: FastifyRequest, reply: FastifyReply, build: () => SessionCommand) {
    try {
      const { id } = validate(idParam, request.params);
      const session = await deps.sessions.command(id, build(), actorOf(request));
      if (!session) return sendProblem(reply, 404, `no debug session ${id}`);
      return await show(session);
    } catch (err) {
      return sendApiError(reply, mapError(err));
    }
  }

  app.patch('/api/debug-sessions/:id', docs({
    summary: "Change a debug session's level, capture, reason, consent or duration", tag: 'debug sessions', params: idParam, body: updateSessionSchema,
    answers: { 200: 'the session after the change' },
    problems: { 404: 'no such session', 409: 'a change the status does not allow', 415: 'the body is not `application/json`' },
  }), (request, reply) =>
    command(request, reply, () => ({ kind: 'update', changes: strictBody(request, updateSessionSchema) })),
  );
  app.post('/api/debug-sessions/:id/extend', docs({
    summary: 'Extend a debug session', tag: 'debug sessions', params: idParam, body: extendSessionSchema,
    answers: { 200: 'the session after the change' },
    problems: { 404: 'no such session', 409: 'a change the status does not allow', 415: 'the body is not `application/json`' },
  }), (request, reply) =>
    command(request, reply, () => ({ kind: 'extend', minutes: strictBody(request, extendSessionSchema).minutes })),
  );
  for (const kind of ['pause', 'resume', 'cancel'] as const) {
    app.post(`/api/debug-sessions/:id/${kind}`, docs({
      summary: `${kind[0]!.toUpperCase()}${kind.slice(1)} a debug session`, tag: 'debug sessions', params: idParam,
      answers: { 200: 'the session after the change' }, problems: { 404: 'no such session', 409: 'a change the status does not allow' },
    }), (request, reply) => command(request, reply, () => ({ kind })));
  }
}
