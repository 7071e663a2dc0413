import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

import { jsonBody, validate } from '../../http/body.ts';
import { docs } from '../../http/openapi.ts';
import { ApiError, sendApiError } from '../../http/problem.ts';
import { actorOf } from '../../http/auth.ts';
import type { AuditLog } from '../../storage/clickhouse/audit.ts';
import { formUpload, registerMultipart } from './multipart.ts';
import type { SourceMapStore } from './store.ts';
import { SourceMapInvalid, SourceMapTooLarge } from './validate.ts';

const releaseParams = z.object({ release: z.string().min(1).max(250) });
/** `sourceMap` is the map as a JSON object or as JSON text; the store checks it is a v3 map. */
const uploadBody = z.object({
  fileUrl: z.string().min(1).max(2048).describe('the minified file as stack frames name it; `~/static/js/app.min.js` matches that path on any scheme and host'),
  sourceMap: z.unknown().describe('the source map (version 3), as a JSON object or as JSON text'),
});
const deleteQuery = z.object({ fileUrl: z.string().min(1).max(2048).optional() });

/**
 * The source-map API (admin token required, as all of `/api/`):
 * - `POST /api/releases/:release/sourcemaps` `{ fileUrl, sourceMap }` → 201 `{ release, fileUrl, digest, sizeBytes, uploadedAt }`;
 *   re-uploading the same `fileUrl` replaces the map. `fileUrl` is the minified file as stack
 *   frames name it; `~/static/js/app.min.js` matches that path on any scheme and host. Or as
 *   multipart form data, `file` (the map) and `name` (the `fileUrl`), as `curl -F` sends (`multipart.ts`).
 *   A release is the `service.version` of the errors, or `service.name@service.version` (Sentry's form).
 * - `GET /api/releases/:release/sourcemaps` → 200 `{ release, sourceMaps: [...] }`;
 * - `DELETE /api/releases/:release/sourcemaps[?fileUrl=…]` → 204; without `fileUrl`, every map of the release.
 *
 * Uploads and deletions are audited (`sourcemap.upload`, `sourcemap.delete`; entity `sourcemaps`,
 * the release): the map replaced or deleted before, the one stored after, and who did it.
 */
export function registerSourceMapRoutes(app: FastifyInstance, store: SourceMapStore, audit: AuditLog): void {
  registerMultipart(app);
  app.post('/api/releases/:release/sourcemaps', docs({
    summary: 'Upload a source map of one minified file of a release', tag: 'source maps', params: releaseParams, body: uploadBody,
    description: 'The release is the `service.version` of the records it symbolicates (or `service.name@service.version`). Re-uploading a `fileUrl` replaces its map. Also takes `multipart/form-data`: a `file` part holding the map and a `name` field (or the file name) as the `fileUrl`, as `curl -F` and sentry-cli send it.',
    answers: { 201: '`{ release, fileUrl, digest, sizeBytes, uploadedAt }`' },
    problems: { 413: 'the map is over the size limit', 415: 'the body is neither `application/json` nor `multipart/form-data`' },
  }), async (request, reply) => {
    try {
      const actor = actorOf(request);
      const { release } = validate(releaseParams, request.params);
      const { fileUrl, sourceMap } = request.isMultipart() ? await formUpload(request, store.maxMapBytes) : jsonBody(request, uploadBody);
      const before = (await store.list(release)).find((m) => m.fileUrl === fileUrl) ?? null;
      const stored = await store.put(release, fileUrl, sourceMap);
      await audit.write({ actor, action: 'sourcemap.upload', entityType: 'sourcemaps', entityId: release, before, after: stored });
      return reply.code(201).send(stored);
    } catch (err) {
      return sendApiError(reply, toApiError(err));
    }
  });

  app.get('/api/releases/:release/sourcemaps', docs({
    summary: "A release's source maps", tag: 'source maps', params: releaseParams, answers: { 200: '`{ release, sourceMaps }`' },
  }), async (request, reply) => {
    try {
      const { release } = validate(releaseParams, request.params);
      return reply.send({ release, sourceMaps: await store.list(release) });
    } catch (err) {
      return sendApiError(reply, toApiError(err));
    }
  });

  app.delete('/api/releases/:release/sourcemaps', docs({
    summary: "Delete one source map of a release (`fileUrl`), or all of them", tag: 'source maps', params: releaseParams, query: deleteQuery,
    answers: { 204: 'deleted' },
  }), async (request, reply) => {
    try {
      const actor = actorOf(request);
      const { release } = validate(releaseParams, request.params);
      const { fileUrl } = validate(deleteQuery, request.query);
      const before = (await store.list(release)).filter((m) => fileUrl === undefined || m.fileUrl === fileUrl);
      await store.delete(release, fileUrl);
      // Deleting nothing changes nothing: no entry.
      if (before.length > 0) await audit.write({ actor, action: 'sourcemap.delete', entityType: 'sourcemaps', entityId: release, before, after: null });
      return reply.code(204).send();
    } catch (err) {
      return sendApiError(reply, toApiError(err));
    }
  });
}

/** The store's refusals as API errors: 413 for a map over the size limit, 400 for any other bad upload. */
export function toApiError(err: unknown): unknown {
  if (err instanceof SourceMapTooLarge) return new ApiError(413, err.message, err.field);
  if (err instanceof SourceMapInvalid) return new ApiError(400, err.message, err.field);
  return err;
}
