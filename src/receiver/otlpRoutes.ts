import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { countRecords, recordsPerService } from '../batch/records.ts';
import type { Batch } from '../batch/types.ts';
import { RetryableError } from '../errors.ts';
import type { GatewayMetrics } from '../ops/metrics.ts';
import type { Pipeline } from '../processors/pipeline.ts';
import { bearerToken } from '../http/auth.ts';
import { docs, undocumented } from '../http/openapi.ts';
import { BodyError, readBody } from './body.ts';
import { clientOf } from './browser.ts';
import type { ProtectionConfig, ReceiverConfig } from './config.ts';
import { rateLimitDemands } from './protection/demands.ts';
import { describeRefusal, RateLimiter } from './protection/rateLimit.ts';
import type { BatchLedger } from './protection/batchLedger.ts';
import type { GeoEnricher } from './geo.ts';
import type { DailyQuota } from './protection/quota.ts';
import { RetryDedup } from './protection/retryDedup.ts';
import {
  decodeLogsJson,
  decodeLogsProtobuf,
  decodeMetricsJson,
  decodeMetricsProtobuf,
  decodeTracesJson,
  decodeTracesProtobuf,
  encodeExportResponse,
  encodeStatus,
  OtlpDecodeError,
  type DecodeResult,
} from './otlp/index.ts';

type Format = 'protobuf' | 'json';
type Signal = Batch['signal'];

const contentTypes: Record<Format, string> = { protobuf: 'application/x-protobuf', json: 'application/json' };

const decoders: Record<Signal, Record<Format, (buf: Uint8Array) => DecodeResult<Batch>>> = {
  traces: { protobuf: decodeTracesProtobuf, json: decodeTracesJson },
  logs: { protobuf: decodeLogsProtobuf, json: decodeLogsJson },
  metrics: { protobuf: decodeMetricsProtobuf, json: decodeMetricsJson },
};

/** The request's OTLP encoding from its media type (parameters such as charset ignored; `text/plain` holds JSON), or null. */
export function formatOf(contentType: string | undefined): Format | null {
  const media = (contentType ?? '').split(';', 1)[0].trim().toLowerCase();
  if (media === 'application/x-protobuf') return 'protobuf';
  // A browser's no-preflight send (a beacon, `fetchLater`, a keepalive fetch) can only say text/plain.
  if (media === 'application/json' || media === 'text/plain') return 'json';
  return null;
}

/** The OTLP/HTTP paths: their errors are `google.rpc.Status` bodies (everything else answers problem bodies). */
export const OTLP_PATHS: readonly string[] = ['/v1/traces', '/v1/logs', '/v1/metrics'];

export const isOtlpPath = (path: string): boolean => OTLP_PATHS.includes(path);

/**
 * Sends a `google.rpc.Status` error in the request's encoding; JSON when the request has none we
 * know (a 415, a GET), so a person or a script can read it.
 */
export function sendStatus(reply: FastifyReply, format: Format | null, httpStatus: number, message: string, retryAfterSeconds?: number): FastifyReply {
  const f = format ?? 'json';
  if (retryAfterSeconds !== undefined) reply.header('retry-after', String(retryAfterSeconds));
  // google.rpc.Code: 3 INVALID_ARGUMENT, 8 RESOURCE_EXHAUSTED, 14 UNAVAILABLE, 16 UNAUTHENTICATED, 5 NOT_FOUND, 12 UNIMPLEMENTED, 13 INTERNAL.
  const code = { 400: 3, 401: 16, 404: 5, 405: 12, 413: 3, 415: 3, 429: 8, 503: 14 }[httpStatus] ?? 13;
  return reply.code(httpStatus).header('content-type', contentTypes[f]).send(encodeStatus(f, code, message));
}

/** The OTLP routes in the OpenAPI document: their bodies and errors are the OTLP/HTTP specification's. */
const otlpDocs = (signal: Signal) => docs({
  summary: `OTLP/HTTP ${signal}: an Export${{ traces: 'Trace', logs: 'Logs', metrics: 'Metrics' }[signal]}ServiceRequest`, tag: 'otlp',
  description:
    'The body is `application/x-protobuf` or `application/json` (OTLP/JSON; `text/plain` is read as OTLP/JSON too, for browser sends without a preflight), optionally `Content-Encoding: gzip`, `deflate`, `br` or `zstd`. ' +
    'Errors are a `google.rpc.Status` in the request\'s encoding (JSON for an unknown media type), as OTLP/HTTP specifies. ' +
    'Browsers authenticate with a client token (`auth.clientTokens`) in `?token=` or the Authorization header, from an allowed `Origin`.',
  query: z.object({
    token: z.string().optional().describe('a client token, for browsers (ingest tokens go in `Authorization: Bearer`)'),
    batch: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/).optional().describe('the batch id (or `X-Otelhouse-Batch`): a batch acknowledged once is acknowledged again, not stored twice, when resent within `protection.batchDedup.retentionHours`'),
  }),
  answers: {
    200: 'the Export*ServiceResponse in the request\'s encoding, with `partial_success` when some records were invalid',
    400: 'undecodable payload (`google.rpc.Status`)',
    413: 'the body, decompressed, is over `receiver.maxRequestBytes` (`google.rpc.Status`)',
    403: 'a client token from an origin it is not bound to, or without an `Origin` (`google.rpc.Status`)',
    415: 'a media type other than those above (`google.rpc.Status`, JSON)',
    429: 'over a rate limit or the tenant\'s daily quota; `Retry-After` (`google.rpc.Status`)',
    503: 'overloaded or shutting down; `Retry-After` (`google.rpc.Status`)',
  },
});

interface Deps {
  config: { receiver: ReceiverConfig; protection: ProtectionConfig };
  /** Batch ids acknowledged (`?batch=`), when `protection.batchDedup` is on. */
  ledger?: BatchLedger;
  pipeline: Pipeline;
  metrics: GatewayMetrics;
  /** False once shutdown began: new requests get 503. */
  accepting: () => boolean;
  /** Client addresses into countries (`geo.enabled`). */
  geo?: GeoEnricher;
  /** The tenant's daily quotas (`quota`, `tenants[].quota`), when it has any; `tenant` names it in metrics. */
  quota?: DailyQuota;
  tenant?: string;
}

/**
 * `POST /v1/traces`, `POST /v1/logs` and `POST /v1/metrics` per the OTLP/HTTP specification: protobuf and JSON bodies,
 * gzip/deflate/br request bodies, a body limit measured after decompression (413), 415 for other
 * media types, 400 with a `google.rpc.Status` for undecodable payloads, 200 with an
 * `Export*ServiceResponse` (with `partial_success` when some records were invalid), 503 with
 * `Retry-After` when the gateway is overloaded and 429 with `Retry-After` over a rate limit. An
 * exact retry of an acknowledged request is acknowledged again without being stored twice.
 * Metrics count data points wherever the others count records (rate limits, partial success).
 */
export function registerOtlpRoutes(app: FastifyInstance, deps: Deps): void {
  const { config, metrics } = deps;
  const limits = config.receiver;
  const { rateLimits, retryDedup } = config.protection;
  const limiter = rateLimits.length
    ? new RateLimiter(rateLimits.map((r) => ({ key: r.key, recordsPerSecond: r.recordsPerSecond, burst: r.burst ?? Math.max(1, Math.ceil(r.recordsPerSecond)) })))
    : undefined;
  const dedup = retryDedup.enabled ? new RetryDedup(retryDedup) : undefined;
  let inFlight = 0;

  const handle = (signal: Signal) => async (request: FastifyRequest, reply: FastifyReply) => {
    const format = formatOf(request.headers['content-type']);
    const answer = (status: number, reason: string | null, message: string, retryAfter?: number) => {
      if (reason) metrics.rejectedRequests.inc({ signal, reason });
      metrics.requests.inc({ signal, encoding: format ?? 'other', code: status });
      return sendStatus(reply, format, status, message, retryAfter);
    };
    const acknowledge = (body: Buffer) => {
      metrics.requests.inc({ signal, encoding: format!, code: 200 });
      return reply.code(200).header('content-type', contentTypes[format!]).send(body);
    };
    if (!format) {
      return answer(415, 'media_type', `unsupported Content-Type "${request.headers['content-type'] ?? ''}"; use application/x-protobuf or application/json`);
    }
    if (!deps.accepting()) return answer(503, 'shutting_down', 'gateway is shutting down', limits.retryAfterSeconds);

    const batchId = batchIdOf(request);
    if (batchId === null) return answer(400, 'batch_id', 'batch id (?batch= or X-Otelhouse-Batch) must be 8 to 64 characters of A-Z a-z 0-9 _ -');
    const batch = batchId !== undefined && deps.ledger ? await deps.ledger.claim(deps.ledger.key(signal, clientOf(request)?.name ?? '', batchId)) : undefined;
    if (batch === 'seen') {
      metrics.deduplicatedRequests.inc({ signal });
      return acknowledge(encodeExportResponse(signal, format, 0, ''));
    }
    const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
    const encoding = String(request.headers['content-encoding'] ?? '');
    const claim = dedup ? await dedup.claim(dedup.key(request.url, format, encoding, raw)) : undefined;
    let batchSettled = false;
    const settleBatch = async (acknowledged: boolean) => {
      if (batchSettled || batch === undefined) return;
      batchSettled = true;
      try {
        await batch.settle(acknowledged);
      } catch (err) {
        // The records are durable: the answer stays 200; only a later resend could be stored twice.
        request.log.warn({ err: (err as Error).message }, 'batch id not recorded');
      }
    };
    if (claim && 'replay' in claim) {
      metrics.deduplicatedRequests.inc({ signal });
      await settleBatch(true);
      return acknowledge(claim.replay);
    }
    let acknowledged: Buffer | null = null;
    try {
      let body: Buffer;
      try {
        body = await readBody(raw, encoding, limits.maxRequestBytes);
      } catch (err) {
        if (err instanceof BodyError) return answer(err.status, err.reason, err.message);
        throw err;
      }
      // Never refuse the only request in flight: it would be refused on every retry.
      if (inFlight > 0 && inFlight + body.length > limits.maxInFlightBytes) {
        return answer(503, 'overloaded', 'gateway is at its in-flight memory bound; retry later', limits.retryAfterSeconds);
      }
      inFlight += body.length;
      metrics.inFlightBytes.set(inFlight);
      try {
        let decoded: DecodeResult<Batch>;
        try {
          decoded = decoders[signal][format](body);
        } catch (err) {
          if (err instanceof OtlpDecodeError) return answer(400, 'decode', `cannot decode ${signal} request: ${err.message}`);
          throw err;
        }
        // Before anything else reads the batch: addresses become countries, and are gone. A browser's request stands for its client.
        if (deps.geo) deps.geo.enrich(decoded.batch, clientOf(request) ? deps.geo.requestAddress(request.socket.remoteAddress ?? request.ip, request.headers['x-forwarded-for']) : undefined);
        const records = countRecords(decoded.batch);
        // The configured limits, then a client token's own per installation.
        for (const bucket of [limiter, clientOf(request)?.limiter]) {
          if (!bucket || records === 0) continue;
          const sender = { token: bearerToken(request.headers.authorization), ip: request.ip };
          const refusal = bucket.admit(rateLimitDemands(bucket.rules, decoded.batch, records, sender));
          if (refusal) {
            metrics.rateLimitedRecords.inc({ signal }, records);
            return answer(429, 'rate_limited', describeRefusal(refusal), Math.ceil(refusal.retryAfterMs / 1000));
          }
        }
        // A used-up daily quota refuses the whole request; what it carries is reserved until it is acknowledged.
        const reserved = deps.quota?.limited && records > 0 ? deps.quota.reserve(records, body.length) : undefined;
        if (reserved !== undefined && typeof reserved !== 'function') {
          metrics.quotaRefused.inc({ tenant: deps.tenant ?? 'default', quota: reserved.quota });
          return answer(429, 'quota', reserved.message, reserved.retryAfterSeconds);
        }
        metrics.received.inc({ signal }, records);
        if (decoded.rejected > 0) metrics.rejectedRecords.inc({ signal }, decoded.rejected);
        let stored: Awaited<ReturnType<Pipeline['consume']>>;
        try {
          stored = await deps.pipeline.consume(decoded.batch);
        } catch (err) {
          reserved?.();
          throw err;
        }
        // What the Collector's debug exporter shows: one line per batch, never per record.
        if (request.log.level === 'debug' || request.log.level === 'trace') {
          request.log.debug({ signal, received: records, rejected: decoded.rejected, stored: recordsPerService(stored) }, 'batch accepted');
        }
        acknowledged = encodeExportResponse(signal, format, decoded.rejected, decoded.message);
        // The batch id is durable before the answer: a resend after it is known whatever happens.
        await settleBatch(true);
        return acknowledge(acknowledged);
      } finally {
        inFlight -= body.length;
        metrics.inFlightBytes.set(inFlight);
      }
    } catch (err) {
      if (err instanceof RetryableError) return answer(503, err.reason, err.message, Math.ceil(err.retryAfterMs / 1000));
      request.log.error({ err }, 'request failed');
      return answer(500, 'internal', 'internal error');
    } finally {
      if (claim && 'settle' in claim) claim.settle(acknowledged);
      await settleBatch(false);
    }
  };

  app.post('/v1/traces', otlpDocs('traces'), handle('traces'));
  app.post('/v1/logs', otlpDocs('logs'), handle('logs'));
  app.post('/v1/metrics', otlpDocs('metrics'), handle('metrics'));
  for (const url of ['/v1/traces', '/v1/logs', '/v1/metrics']) {
    app.route({
      method: ['GET', 'PUT', 'DELETE', 'PATCH'],
      url,
      ...undocumented,
      handler: async (request, reply) => sendStatus(reply.header('allow', 'POST'), formatOf(request.headers['content-type']), 405, `${request.method} is not allowed; OTLP/HTTP takes POST`),
    });
  }
}

const BATCH_ID = /^[A-Za-z0-9_-]{8,64}$/;

/** The request's batch id (`?batch=` or `X-Otelhouse-Batch`): undefined when none, null when malformed or given twice. */
function batchIdOf(request: FastifyRequest): string | undefined | null {
  const q = request.url.indexOf('?');
  const fromQuery = q < 0 ? [] : new URLSearchParams(request.url.slice(q + 1)).getAll('batch');
  const header = request.headers['x-otelhouse-batch'];
  const given = [...fromQuery, ...(header === undefined ? [] : Array.isArray(header) ? header : [header])];
  if (given.length === 0) return undefined;
  return given.length === 1 && BATCH_ID.test(given[0]!) ? given[0]! : null;
}
