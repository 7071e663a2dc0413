/**
 * The bare-HTTP ceiling: fastify with the gateway's body handling (a buffer parser for every
 * content type, same body limit, no request logging) and a route that only takes the body and
 * answers 200 with an empty ExportTraceServiceResponse. `GET /v1/config` answers one fixed config
 * of the gateway's shape and size with a fixed ETag (304 when `If-None-Match` names it): no auth,
 * no resolution. Env: BENCH_PORT.
 */
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 + 64 * 1024, disableRequestLogging: true });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));

const empty = Buffer.alloc(0);
app.post('/v1/traces', async (request, reply) => {
  const body = request.body as Buffer;
  return reply.code(200).header('content-type', 'application/x-protobuf').header('x-body-bytes', String(body.length)).send(empty);
});
const configBody = JSON.stringify({
  debugSession: null,
  minLogLevel: 'debug',
  policies: ['pol_5f0c2a9e41d7b3c8e6a1f047', 'pol_9b3e7d2c1a0f4e5b8c6d2a13'],
  sampling: { logsPercentage: 100, tracesPercentage: 25 },
  sdk: { flushIntervalMs: 5000, maxBatchSize: 512, maxQueueSize: 2048, pollIntervalMs: 300000 },
  telemetryEnabled: true,
});
const configEtag = '"bareConfigEtag00000000"';
app.get('/v1/config', async (request, reply) => {
  reply.header('etag', configEtag).header('cache-control', 'private, no-cache');
  if (request.headers['if-none-match'] === configEtag) return reply.code(304).send();
  return reply.type('application/json; charset=utf-8').send(configBody);
});
app.get('/healthz', async () => ({ status: 'ok' }));

await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
