import type { FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';

/**
 * Shared plumbing of the query/admin API under `/api/`: RFC 9457 problem bodies and JSON request
 * bodies validated by zod. The server keeps every body as a raw Buffer (the OTLP routes decode
 * their own), so API routes parse JSON here.
 */

/** An API error mapped to a problem body at the edge. `field` names the offending input, e.g. `target.user.id`. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Sends `application/problem+json` with `status`, `title`, `detail` and any extra members (`field`, `errors`). */
export function sendProblem(reply: FastifyReply, status: number, detail: string, extra: Record<string, unknown> = {}): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ type: 'about:blank', title: titles[status] ?? 'Error', status, detail, ...extra });
}

/** Maps an {@link ApiError} to its problem body; anything else is rethrown to the server's error handler. */
export function sendApiError(reply: FastifyReply, err: unknown): FastifyReply {
  if (err instanceof ApiError) return sendProblem(reply, err.status, err.message, err.field === undefined ? {} : { field: err.field });
  throw err;
}

/**
 * Parses the request's JSON body and validates it with `schema`. Throws {@link ApiError} 415 for a
 * non-JSON content type and 400 naming the first offending field (`field` = dotted path).
 */
export function jsonBody<S extends z.ZodType>(request: FastifyRequest, schema: S): z.infer<S> {
  const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new ApiError(415, 'request body must be application/json');
  const raw = request.body;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.isBuffer(raw) ? raw.toString('utf8') : String(raw ?? ''));
  } catch {
    throw new ApiError(400, 'request body is not valid JSON');
  }
  return validate(schema, value);
}

/** Validates query parameters (or any value) with `schema`, throwing {@link ApiError} 400 naming the field. */
export function validate<S extends z.ZodType>(schema: S, value: unknown): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.');
  throw new ApiError(400, field ? `${field}: ${issue.message}` : issue.message, field || undefined);
}
