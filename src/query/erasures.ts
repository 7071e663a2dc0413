/**
 * `/api/erasures` (admin token): erase everything stored about one data subject, asynchronously,
 * and follow the request (pending → running → done, rows removed per table). Audited.
 */
import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@clickhouse/client';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { subjectSchema, subjectTables, type Erasure, type Subject, type SubjectTableNames } from '../control/erasure/model.ts';
import { quoteIdent } from '../storage/clickhouse/schema/sql.ts';
import type { ErasureBlocklist } from '../control/erasure/blocklist.ts';
import { view, type ErasureRunner } from '../control/erasure/runner.ts';
import type { ErasureStore } from '../control/erasure/store.ts';
import type { AuditLog } from '../storage/clickhouse/audit.ts';
import { actorOf } from '../http/auth.ts';
import { jsonBody, validate } from '../http/body.ts';
import { docs } from '../http/openapi.ts';
import { ApiError, sendApiError } from '../http/problem.ts';
import { pageLimit } from './params.ts';

export interface ErasureRouteDeps {
  store: ErasureStore;
  runner: ErasureRunner;
  blocklist: ErasureBlocklist;
  audit: Pick<AuditLog, 'write'>;
  blockDays: number;
  /** For the export: where the records are, and the subject's hashed forms. */
  client: ClickHouseClient;
  database: string;
  tables: SubjectTableNames;
  hashes: (value: string) => string[];
  now?: () => number;
}

/** Rows read per query of an export: what it holds in memory at most, per table. */
const EXPORT_PAGE_ROWS = 5_000;

const createSchema = z.strictObject({ subject: subjectSchema });
const idParam = z.strictObject({ id: z.string().min(1).max(64) });
const listQuery = z.strictObject({ limit: pageLimit(50, 500) });
const exportQuery = subjectSchema;

export function registerErasureRoutes(app: FastifyInstance, deps: ErasureRouteDeps): void {
  const now = deps.now ?? Date.now;

  app.post('/api/erasures', docs({
    summary: 'Erase every stored record of a data subject', tag: 'governance', body: createSchema,
    description: 'Deletes, in the background, every row carrying the subject in traces, logs, metrics, error events (the issue aggregates are rebuilt without them), debug sessions and the clients policies preview; the value is also matched as a `hash` redaction stores it. Records of the subject that arrive later are dropped for `erasure.blockDays`. Asking again for the same subject answers the existing request.',
    answers: { 202: 'the request, pending (its URL in `Location`)', 200: 'the existing request for this subject' },
  }), async (request, reply) => {
    try {
      const { subject } = jsonBody(request, createSchema);
      const existing = await deps.store.forSubject(subject.key, subject.value);
      if (existing) return reply.code(200).header('location', `/api/erasures/${existing.id}`).send(view(existing));
      const t = now();
      const erasure: Erasure = {
        id: `er_${randomBytes(9).toString('base64url')}`, subject, status: 'pending', rowsRemoved: {}, error: '',
        requestedAt: t, requestedBy: actorOf(request), startedAt: 0, finishedAt: 0, blockUntil: t + deps.blockDays * 86_400_000,
      };
      await deps.store.put(erasure);
      deps.blocklist.add(erasure);
      await deps.audit.write({ actor: erasure.requestedBy, action: 'erasure.request', entityType: 'erasure', entityId: erasure.id, before: null, after: view(erasure) });
      void deps.runner.enqueue(erasure);
      return reply.code(202).header('location', `/api/erasures/${erasure.id}`).send(view(erasure));
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  app.get('/api/subjects/export', docs({
    summary: 'Every stored record of a data subject, as JSON lines (the right of access)', tag: 'governance', query: exportQuery,
    description: 'The subject as for an erasure (`key`, `value`; hashed forms matched too). One line per record: `{"table": …, "record": {…}}`, streamed table by table in pages, so memory stays bounded whatever the subject holds. Audited.',
    answers: { 200: '`application/x-ndjson`' },
  }), async (request, reply) => {
    try {
      const subject = validate(exportQuery, request.query);
      await deps.audit.write({ actor: actorOf(request), action: 'subject.export', entityType: 'subject', entityId: `${subject.key}=${subject.value}`, before: null, after: null });
      return reply.code(200).header('content-type', 'application/x-ndjson; charset=utf-8').send(Readable.from(exportLines(deps, subject)));
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  app.get('/api/erasures/:id', docs({
    summary: 'An erasure request: its status and the rows removed per table', tag: 'governance', params: idParam,
    answers: { 200: 'the request' }, problems: { 404: 'no such request' },
  }), async (request, reply) => {
    try {
      const { id } = validate(idParam, request.params);
      const erasure = await deps.store.get(id);
      if (!erasure) throw new ApiError(404, `no erasure ${JSON.stringify(id)}`, 'id');
      return view(erasure);
    } catch (err) {
      return sendApiError(reply, err);
    }
  });

  app.get('/api/erasures', docs({
    summary: 'Erasure requests, newest first', tag: 'governance', query: listQuery, answers: { 200: '`{ erasures }`' },
  }), async (request, reply) => {
    try {
      const q = validate(listQuery, request.query);
      return { erasures: (await deps.store.list(q.limit)).map(view) };
    } catch (err) {
      return sendApiError(reply, err);
    }
  });
}

/** The subject's records as JSON lines, table by table, a page at a time (in the order the parts hold them). */
async function* exportLines(deps: ErasureRouteDeps, subject: Subject): AsyncGenerator<string> {
  const params = { key: subject.key, values: [subject.value, ...deps.hashes(subject.value)] };
  for (const { table, where } of subjectTables(subject, deps.tables)) {
    for (let offset = 0; ; offset += EXPORT_PAGE_ROWS) {
      const result = await deps.client.query({
        query: `SELECT * FROM ${quoteIdent(deps.database)}.${quoteIdent(table)} WHERE ${where} ORDER BY _part, _part_offset LIMIT ${EXPORT_PAGE_ROWS} OFFSET ${offset}`,
        format: 'JSONEachRow',
        query_params: params,
      });
      const rows = await result.json<Record<string, unknown>>();
      if (rows.length > 0) yield rows.map((record) => `${JSON.stringify({ table, record })}\n`).join('');
      if (rows.length < EXPORT_PAGE_ROWS) break;
    }
  }
}
