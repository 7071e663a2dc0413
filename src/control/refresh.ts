/**
 * Calls `refresh` every `ms`, one call at a time: a tick is skipped while the last call runs, so a
 * slow refresh finishing after a newer one cannot bring back older state. The timer is unref'd.
 */
export function refreshEvery(ms: number, refresh: () => Promise<void>, onError: (err: unknown) => void): NodeJS.Timeout {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    refresh()
      .catch(onError)
      .finally(() => (running = false));
  }, ms);
  timer.unref();
  return timer;
}
