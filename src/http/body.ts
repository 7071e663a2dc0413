import type { FastifyRequest } from 'fastify';
import type { z } from 'zod';

import { ApiError } from './problem.ts';

/*
 * JSON request bodies and query parameters validated by zod. The server keeps every body as a raw
 * Buffer (the OTLP routes decode their own), so API routes parse JSON here.
 */

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
