import { pino, type LevelWithSilent, type Logger } from 'pino';

/** The gateway's structured JSON logger. Never used per record; never given record contents. */
export function createLogger(config: { logLevel: LevelWithSilent }): Logger {
  return pino({ name: 'otelhouse', level: config.logLevel });
}

export type { Logger };
