/** How long a session lasts without activity, and at most. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 4 * 3_600_000;

interface Session {
  id: string;
  startedMs: number;
  lastMs: number;
  previousId?: string;
  /** Records stamped so far: the first ones of a session carry `session.previous_id`. */
  stamped: number;
}

/**
 * `session.id` on every record: a session ends after 30 minutes without a record or 4 hours in
 * all, and the first records of the next carry `session.previous_id` (OTel's session semantic
 * conventions). In Node a session is kept in memory; browsers share theirs between tabs (part 2).
 */
export class SessionClock {
  private session: Session | undefined;

  constructor(private readonly now: () => number = Date.now) {}

  /** Sets the session attributes of one record through `set`. */
  stamp(set: (key: string, value: string) => void): void {
    const now = this.now();
    let s = this.session;
    if (!s || now - s.lastMs > SESSION_IDLE_MS || now - s.startedMs > SESSION_MAX_MS) {
      s = this.session = { id: crypto.randomUUID(), startedMs: now, lastMs: now, previousId: s?.id, stamped: 0 };
    }
    s.lastMs = now;
    set('session.id', s.id);
    if (s.previousId && s.stamped < 10) set('session.previous_id', s.previousId);
    s.stamped++;
  }
}
