import { loadConfig } from './config/load.ts';
import { ConfigError } from './errors.ts';
import { createGateway } from './gateway.ts';
import { createLogger } from './ops/logger.ts';

/** `npm start`: load config (YAML + env), start the gateway, stop cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`otelhouse: ${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
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

main().catch((err) => {
  process.stderr.write(`otelhouse: failed to start: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
