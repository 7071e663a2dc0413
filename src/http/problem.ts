import type { FastifyReply } from 'fastify';
import { z } from 'zod';

/**
 * RFC 9457 problem bodies for the query/admin API under `/api/` and the other JSON routes: the one
 * place an {@link ApiError} becomes an HTTP status and body.
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
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The body {@link sendProblem} sends, as the OpenAPI document shows it. Routes may add members (`backlog`, `errors`). */
export const problemSchema = z
  .object({
    type: z.string().describe('always `about:blank`: the status says what went wrong'),
    title: z.string().describe("the status code's reason phrase"),
    status: z.number().int().min(400).max(599).describe('the HTTP status, repeated'),
    detail: z.string().describe('what was wrong, for a person to read'),
    field: z.string().optional().describe('the input at fault when there is one: a dotted body path (`target.user.id`), a query or path parameter, or a header'),
  })
  .describe('RFC 9457 problem details');

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
