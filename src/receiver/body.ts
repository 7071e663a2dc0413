import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate, type ZlibOptions } from 'node:zlib';
import { ZstdError, zstdDecompress } from './zstd.ts';

/** Why a request body could not be read; the receiver maps it to 413, 415 or 400. */
export class BodyError extends Error {
  override name = 'BodyError';
  constructor(
    message: string,
    readonly status: 400 | 413 | 415,
    readonly reason: 'too_large' | 'encoding' | 'corrupt',
  ) {
    super(message);
  }
}

type Inflate = (buf: Buffer, options: ZlibOptions) => Promise<Buffer>;
const decoders: Record<string, Inflate> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress) as Inflate,
};

/**
 * Returns the decompressed body, refusing to inflate past `maxBytes` (so a gzip bomb costs at most
 * `maxBytes` of memory): the OTLP spec measures the body limit after decompression (413).
 * Supported encodings: identity, gzip (required by OTLP), deflate, br, zstd (offered by the
 * Collector's `otlphttp` exporter; decoded on this thread, block by block, see `zstd.ts`). Others get 415.
 */
export async function readBody(raw: Buffer, contentEncoding: string | undefined, maxBytes: number): Promise<Buffer> {
  const encoding = (contentEncoding ?? '').trim().toLowerCase();
  if (encoding === '' || encoding === 'identity' || encoding === 'none') {
    if (raw.length > maxBytes) throw tooLarge(maxBytes);
    return raw;
  }
  if (encoding === 'zstd') {
    try {
      return zstdDecompress(raw, maxBytes);
    } catch (err) {
      if (!(err instanceof ZstdError)) throw err;
      if (err.reason === 'too_large') throw tooLarge(maxBytes);
      throw new BodyError(`request body is not valid zstd: ${err.message}`, 400, 'corrupt');
    }
  }
  const decode = decoders[encoding];
  if (!decode) throw new BodyError(`unsupported Content-Encoding "${encoding}" (supported: gzip, deflate, br, zstd, identity)`, 415, 'encoding');
  try {
    return await decode(raw, { maxOutputLength: maxBytes });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) throw tooLarge(maxBytes);
    throw new BodyError(`request body is not valid ${encoding}: ${(err as Error).message}`, 400, 'corrupt');
  }
}

function tooLarge(maxBytes: number): BodyError {
  return new BodyError(`request body exceeds ${maxBytes} bytes after decompression`, 413, 'too_large');
}
