/**
 * Runs `work` for at most `ms`: resolves when it settles or when the time is up, whichever comes
 * first (a hung store or disk cannot hold a shutdown). A failure of `work` before then rejects; one
 * after is ignored (the race has handled it). The timer does not keep the process alive.
 */
export function bounded(work: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms).unref()))]).finally(() => clearTimeout(timer));
}
