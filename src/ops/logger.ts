import { pino, type Logger } from 'pino';
import type { Config } from '../config/schema.ts';

/** The gateway's structured JSON logger. Never used per record; never given record contents. */
export function createLogger(config: Pick<Config, 'logLevel'>): Logger {
  return pino({ name: 'otelhouse', level: config.logLevel });
}

export type { Logger };
