/** The concurrency cap: `running` queries at once, `queued` more waiting, the rest refused at once. */
import { SqlError } from './errors.ts';

export interface Gate {
  /** Waits for a slot; throws `TOO_MANY_SIMULTANEOUS_QUERIES` (202) when the queue is full. Returns the release function. */
  acquire(): Promise<() => void>;
}

export function createGate(running: number, queued: number): Gate {
  let active = 0;
  const waiting: Array<() => void> = [];
  const release = (): void => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  return {
    async acquire() {
      if (active < running) {
        active++;
        return once(release);
      }
      if (waiting.length >= queued) throw SqlError.of('TOO_MANY_SIMULTANEOUS_QUERIES', `Too many simultaneous queries. Maximum: ${running} running, ${queued} queued`);
      await new Promise<void>((resolve) => waiting.push(resolve));
      return once(release);
    },
  };
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (!done) {
      done = true;
      fn();
    }
  };
}
