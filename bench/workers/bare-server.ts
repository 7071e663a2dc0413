/**
 * The bare-HTTP ceiling: fastify with the gateway's body handling (a buffer parser for every
 * content type, same body limit, no request logging) and a route that only takes the body and
 * answers 200 with an empty ExportTraceServiceResponse. Env: BENCH_PORT.
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
app.get('/healthz', async () => ({ status: 'ok' }));

await app.listen({ host: '127.0.0.1', port: Number(process.env.BENCH_PORT) });
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
