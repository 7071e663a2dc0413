import { loadConfig } from './config/load.ts';
import type { Config } from './config/schema.ts';
import { ConfigError, StartupError } from './errors.ts';
import { createGateway } from './gateway.ts';
import { createLogger } from './ops/logger.ts';
import { createMasker, maskText, secretValues } from './secrets.ts';

/** The configuration once loaded: what a start-up failure's message is masked with. */
let loaded: Config | undefined;

/** `npm start`: load config (YAML + env), start the gateway, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = (loaded = loadConfig());
  const logger = createLogger(config);
  if (Number(process.env.UV_THREADPOOL_SIZE ?? 4) < 8) {
    // Measured (npm run bench): with libuv's default 4 threads, SQL readers and inserts held them all
    // and the write-ahead log's fsyncs waited behind them — ingest fell to 0.41 of its unloaded rate.
    logger.warn('UV_THREADPOOL_SIZE is under 8: the engine\'s queries and the write-ahead log\'s fsyncs share libuv\'s thread pool; start with UV_THREADPOOL_SIZE=16, as npm start does');
  }
  const gateway = await createGateway(config, { logger });
  await gateway.listen();

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs).unref();
    gateway.shutdown().then(
      () => {
        clearTimeout(force);
        logger.info('stopped');
        logger.flush?.();
        process.exit(0);
      },
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/**
 * Every start-up failure is one line on stderr naming the cause, and exit code 2: a bad option
 * (its path and value), a port or data directory another process holds, anything unexpected (its
 * message). Credentials are hidden; the stack follows only with `logLevel` debug or trace.
 */
main().catch((err: unknown) => {
  const hide = loaded ? createMasker(secretValues(loaded)) : maskText;
  const known = err instanceof ConfigError || err instanceof StartupError;
  const message = err instanceof Error ? err.message || err.name : String(err);
  const line = message.split('\n').map((part) => part.trim()).filter(Boolean).join(' ');
  process.stderr.write(hide(`otelhouse: ${known ? line : `failed to start: ${line}`}`) + '\n');
  const level = loaded?.logLevel ?? process.env.OTELHOUSE_LOG_LEVEL;
  if ((level === 'debug' || level === 'trace') && err instanceof Error && err.stack) process.stderr.write(hide(err.stack) + '\n');
  process.exit(2);
});
