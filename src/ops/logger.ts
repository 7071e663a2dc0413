import { isatty } from 'node:tty';
import { pino, type DestinationStream, type LevelWithSilent, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { createMasker, secretValues } from '../secrets.ts';
import { LogOutput } from './logOutput.ts';

/** `auto`: human-readable when the output is a terminal, JSON lines otherwise (a pipe, a file, a log shipper). */
export type LogFormat = 'auto' | 'json' | 'pretty';

/**
 * The gateway's structured logger: JSON lines, or pino-pretty's readable lines when `logFormat`
 * says so (by default when `fd` is a terminal). Never used per record; never given record contents.
 *
 * Logging never blocks the gateway (`LogOutput`): while a slow reader leaves its pipe full, lines are
 * dropped and counted; an output that is gone (the reader exited, the disk is full) stops logging,
 * said once on stderr. `fd` is the output (default stdout).
 *
 * No line carries a credential: each is written through a masker that hides every secret value of
 * `config` (tokens, passwords, webhook header values and URLs) and credential-shaped text (a URL's
 * password, `Bearer …`) wherever it appears — in a message, an error a library built, a stack.
 */
export function createLogger(config: { logLevel: LevelWithSilent; logFormat?: LogFormat }, fd = 1): Logger {
  const destination = new LogOutput(fd);
  const format = config.logFormat ?? 'auto';
  const options = { name: 'otelhouse', level: config.logLevel, hooks: { streamWrite: createMasker(secretValues(config)) } };
  if (format === 'json' || (format === 'auto' && !isatty(fd))) return pino(options, destination);
  // Formatted on this thread into the same destination (pino-pretty's own would block like pino's).
  const prettify = prettyFactory({ colorize: isatty(fd) && !process.env.NO_COLOR, translateTime: 'SYS:HH:MM:ss.l', ignore: 'hostname' });
  const pretty: DestinationStream & Pick<LogOutput, 'flush' | 'flushSync'> = {
    write: (line: string) => destination.write(prettify(line)),
    flush: (cb?: (err?: Error) => void) => destination.flush(cb),
    flushSync: () => destination.flushSync(),
  };
  return pino(options, pretty);
}

export type { Logger };
