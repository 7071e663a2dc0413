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
