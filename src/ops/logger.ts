import { pino, type LevelWithSilent, type Logger } from 'pino';
import { createMasker, secretValues } from '../secrets.ts';

/**
 * The gateway's structured JSON logger. Never used per record; never given record contents.
 *
 * Logging never blocks the gateway: when its output refuses a write — a reader that stopped
 * reading (a full pipe: EAGAIN) or went away (EPIPE) — logging stops (said once on stderr), where
 * pino's default destination would retry the write, sleeping in a loop that no timer can end
 * (a SIGTERM then never finished). `fd` is the output (default stdout).
 *
 * No line carries a credential: each is written through a masker that hides every secret value of
 * `config` (tokens, passwords, webhook header values and URLs) and credential-shaped text (a URL's
 * password, `Bearer …`) wherever it appears — in a message, an error a library built, a stack.
 */
export function createLogger(config: { logLevel: LevelWithSilent }, fd = 1): Logger {
  const destination = pino.destination({ dest: fd, sync: true, retryEAGAIN: () => false });
  let stopped = false;
  destination.on('error', (err: NodeJS.ErrnoException) => {
    // A refused write can be reported more than once (the write, then the flush at exit).
    if (stopped) return;
    stopped = true;
    destination.write = () => true;
    destination.flushSync = () => {};
    destination.flush = (cb?: (err?: Error) => void) => cb?.();
    destination.end = () => {};
    try {
      process.stderr.write(`otelhouse: log output refused a write (${err.code ?? err.message}); logging stopped\n`);
    } catch {
      // stderr is gone too
    }
  });
  const mask = createMasker(secretValues(config));
  return pino({ name: 'otelhouse', level: config.logLevel, hooks: { streamWrite: mask } }, destination);
}

export type { Logger };
