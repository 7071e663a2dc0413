import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ApiError } from '../../http/problem.ts';

/*
 * Source maps uploaded as multipart form data, as sentry-cli users send release files:
 *   curl -F file=@app.min.js.map -F 'name=~/static/app.min.js' …/api/releases/checkout@1.4.2/sourcemaps
 * `file` is the map; `name` the minified file as stack frames name it (a URL, or `~/path` for that
 * path on any host). A `name` ending in `.map` names the map itself (Sentry's artifact names):
 * it serves the file without the suffix.
 */

const MAX_NAME_BYTES = 2048;

/** Adds multipart parsing (`request.parts()`); bodies of other types are unaffected. */
export function registerMultipart(app: FastifyInstance): void {
  app.register(fastifyMultipart);
}

/** The `{ fileUrl, sourceMap }` a form carries; {@link ApiError} 400/413 naming the field when it is not one. */
export async function formUpload(request: FastifyRequest, maxMapBytes: number): Promise<{ fileUrl: string; sourceMap: string }> {
  let name: string | undefined;
  let map: Buffer | undefined;
  try {
    const parts = request.parts({ limits: { files: 1, fields: 4, parts: 5, fileSize: maxMapBytes, fieldSize: MAX_NAME_BYTES, fieldNameSize: 64, headerPairs: 20 } });
    for await (const part of parts) {
      if (part.type === 'file' && part.fieldname === 'file') map = await part.toBuffer();
      else if (part.type === 'field' && part.fieldname === 'name') {
        if (part.valueTruncated) throw new ApiError(400, `name: longer than ${MAX_NAME_BYTES} bytes`, 'name');
        name = String(part.value);
      } else if (part.type === 'field' && part.fieldname === 'file') {
        throw new ApiError(400, 'file: must be a file part (curl -F file=@app.js.map), not a text field', 'file');
      } else {
        if (part.type === 'file') part.file.resume();
        throw new ApiError(400, `unknown form ${part.type} "${part.fieldname}": the form takes a file "file" (the source map) and a field "name"`, part.fieldname);
      }
    }
  } catch (err) {
    if (err instanceof ApiError) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new ApiError(413, `file: the source map is over the limit of ${maxMapBytes} bytes`, 'file');
    if (code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT' || code === 'FST_PARTS_LIMIT') {
      throw new ApiError(400, 'the form takes one file "file" (the source map) and one field "name"');
    }
    throw new ApiError(400, `malformed multipart body: ${(err as Error).message}`);
  }
  if (map === undefined) throw new ApiError(400, 'file: required (the source map, e.g. curl -F file=@app.js.map)', 'file');
  if (!name) throw new ApiError(400, 'name: required (the minified file\'s URL or ~/path, e.g. curl -F \'name=~/app.js\')', 'name');
  return { fileUrl: name.endsWith('.map') ? name.slice(0, -'.map'.length) : name, sourceMap: map.toString('utf8') };
}
