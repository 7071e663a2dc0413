import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import { policyBodySchema, policyView, targetingSchema, type CollectionPolicy } from '../control/policies/model.ts';
import type { PolicyPreview } from '../control/policies/preview.ts';
import type { PolicyService } from '../control/policies/service.ts';
import type { PolicyStore } from '../control/policies/store.ts';
import { compilePolicy, type CompiledPolicy } from '../control/policies/targeting.ts';
import { CursorError } from '../storage/clickhouse/cursor.ts';
import { validate } from '../http/body.ts';
import { docs } from '../http/openapi.ts';
import { ApiError, sendApiError, sendProblem } from '../http/problem.ts';
import { pageCursor, pageLimit } from './params.ts';
import { actorOf } from '../http/auth.ts';
import { strictBody, strictValidate } from './sessions.ts';

/** What the policy routes use. */
export interface PolicyRouteDeps {
  policies: PolicyService;
  store: Pick<PolicyStore, 'get' | 'list'>;
  /** Counts the clients of the last 24 h a targeting selects (`previewPolicy` bound to the client and database). */
  preview: (policy: Pick<CompiledPolicy, 'targets'>) => Promise<PolicyPreview>;
}

const listQuery = z.strictObject({
  enabled: z.enum(['true', 'false']).transform((v) => v === 'true').optional(),
  service: z.string().min(1).max(256).optional(),
  limit: pageLimit(50, 500),
  cursor: pageCursor.optional(),
});
const idParam = z.strictObject({ id: z.string().min(1).max(64) });
const draftBody = z.strictObject({ targeting: targetingSchema });

/** The ID rollouts of a draft are hashed with: its counts are right in proportion, not client by client. */
const DRAFT_ID = 'draft';

function draftPolicy(targeting: CollectionPolicy['targeting']): CollectionPolicy {
  return {
    id: DRAFT_ID, name: DRAFT_ID, description: '', enabled: true, priority: 0, targeting, startsAtMs: null, expiresAtMs: null,
    settings: {}, createdAtMs: 0, createdBy: '', updatedAtMs: 0, updatedBy: '', version: 0,
  };
}

/**
 * The collection-policy API (admin token, as all of `/api/`):
 * - `POST /api/policies` `{ name, description?, enabled?, priority?, targeting?, schedule?, settings }` → 201;
 * - `GET /api/policies?enabled=true&service=…&limit=&cursor=` → `{ policies, nextCursor }`;
 * - `GET /api/policies/:id`; `PUT /api/policies/:id` (the whole definition); `DELETE /api/policies/:id` → 204;
 * - `GET /api/policies/:id/preview` → `{ policyId, matching, seen, windowHours }`: N of M clients seen in the last 24 h;
 * - `POST /api/policies/preview` `{ targeting }` → the same for a draft (rollouts hashed with a placeholder ID).
 * Bad input is a 400 problem naming the field.
 */
export function registerPolicyRoutes(app: FastifyInstance, deps: PolicyRouteDeps): void {
  const fail = (reply: Parameters<typeof sendApiError>[0], err: unknown) =>
    sendApiError(reply, err instanceof CursorError ? new ApiError(400, err.message, 'cursor') : err);

  app.post('/api/policies', docs({
    summary: 'Create a collection policy', tag: 'policies', body: policyBodySchema,
    answers: { 201: 'the policy (its URL in `Location`)' }, problems: { 415: 'the body is not `application/json`' },
  }), async (request, reply) => {
    try {
      const body = strictBody(request, policyBodySchema);
      const policy = await deps.policies.create(body, actorOf(request));
      return reply.code(201).header('location', `/api/policies/${policy.id}`).send(policyView(policy));
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/policies', docs({
    summary: 'List collection policies', tag: 'policies', query: listQuery, answers: { 200: '`{ policies, nextCursor }`' },
  }), async (request, reply) => {
    try {
      const q = strictValidate(listQuery, request.query);
      const page = await deps.store.list(q);
      return { policies: page.items.map(policyView), nextCursor: page.nextCursor };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.post('/api/policies/preview', docs({
    summary: 'How many of the clients seen in the last 24 h a draft targeting matches', tag: 'policies', body: draftBody,
    answers: { 200: '`{ policyId: null, matching, seen, windowHours }`' }, problems: { 415: 'the body is not `application/json`' },
  }), async (request, reply) => {
    try {
      const { targeting } = strictBody(request, draftBody);
      return { policyId: null, ...(await deps.preview(compilePolicy(draftPolicy(targeting)))) };
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/policies/:id', docs({
    summary: 'A collection policy', tag: 'policies', params: idParam, answers: { 200: 'the policy' }, problems: { 404: 'no such policy' },
  }), async (request, reply) => {
    try {
      const { id } = validate(idParam, request.params);
      const policy = await deps.store.get(id);
      return policy ? policyView(policy) : sendProblem(reply, 404, `no policy ${id}`);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.put('/api/policies/:id', docs({
    summary: 'Replace a collection policy (the whole definition)', tag: 'policies', params: idParam, body: policyBodySchema,
    answers: { 200: 'the policy after the change' }, problems: { 404: 'no such policy', 415: 'the body is not `application/json`' },
  }), async (request, reply) => {
    try {
      const { id } = validate(idParam, request.params);
      const body = strictBody(request, policyBodySchema);
      const policy = await deps.policies.replace(id, body, actorOf(request));
      return policy ? policyView(policy) : sendProblem(reply, 404, `no policy ${id}`);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.delete('/api/policies/:id', docs({
    summary: 'Delete a collection policy', tag: 'policies', params: idParam, answers: { 204: 'deleted' }, problems: { 404: 'no such policy' },
  }), async (request, reply) => {
    try {
      const { id } = validate(idParam, request.params);
      return (await deps.policies.delete(id, actorOf(request))) ? reply.code(204).send() : sendProblem(reply, 404, `no policy ${id}`);
    } catch (err) {
      return fail(reply, err);
    }
  });

  app.get('/api/policies/:id/preview', docs({
    summary: 'How many of the clients seen in the last 24 h a policy matches', tag: 'policies', params: idParam,
    answers: { 200: '`{ policyId, matching, seen, windowHours }`' }, problems: { 404: 'no such policy' },
  }), async (request, reply) => {
    try {
      const { id } = validate(idParam, request.params);
      const policy = await deps.store.get(id);
      if (!policy) return sendProblem(reply, 404, `no policy ${id}`);
      return { policyId: id, ...(await deps.preview(compilePolicy(policy))) };
    } catch (err) {
      return fail(reply, err);
    }
  });
}
