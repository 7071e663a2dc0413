/** How long a session lasts without activity, and at most. */
export const SESSION_IDLE_MS = 30 * 60_000;
export const SESSION_MAX_MS = 4 * 3_600_000;

/** A session as tabs share it. */
export interface SharedSession {
  id: string;
  startedMs: number;
  lastMs: number;
  previousId?: string;
}

/** Where the session is shared between the pages of an origin (a page's localStorage); read and written synchronously. */
export interface SessionShare {
  read(): SharedSession | undefined;
  write(session: SharedSession): void;
}

/** How stale the shared last-activity time may get before a page writes it again. */
const WRITE_EVERY_MS = 5000;
/** How often a page reads the shared session again (not per record: a read parses JSON). */
const READ_EVERY_MS = 1000;

/**
 * `session.id` on every record: a session ends after 30 minutes without a record or 4 hours in
 * all, and the first records of the next carry `session.previous_id` (OTel's session semantic
 * conventions). With a `share` (pages of one origin) every page uses the same session; without
 * one (Node, workers) it lives in memory.
 */
export class SessionClock {
  private session: SharedSession | undefined;
  private writtenMs = 0;
  private readMs = 0;
  private stampedInSession = 0;

  constructor(
    private readonly share?: SessionShare,
    private readonly now: () => number = Date.now,
  ) {}

  /** The session's id, if a record has been made in it. */
  currentId(): string | undefined {
    return this.session?.id;
  }

  /** Sets the session attributes of one record through `set`. */
  stamp(set: (key: string, value: string) => void): void {
    const s = this.current();
    set('session.id', s.id);
    if (s.previousId && this.stampedInSession < 10) set('session.previous_id', s.previousId);
    this.stampedInSession++;
  }

  /** The session a record made now belongs to: the current one, or the next when it has ended. */
  current(): SharedSession {
    const now = this.now();
    let s = this.session;
    if (this.share && (s === undefined || now - this.readMs >= READ_EVERY_MS)) {
      s = this.share.read() ?? s;
      this.readMs = now;
    }
    if (!s || now - s.lastMs > SESSION_IDLE_MS || now - s.startedMs > SESSION_MAX_MS) {
      s = { id: crypto.randomUUID(), startedMs: now, lastMs: now, ...(s ? { previousId: s.id } : {}) };
      this.writtenMs = 0;
    }
    if (s.id !== this.session?.id) this.stampedInSession = 0;
    s.lastMs = now;
    this.session = s;
    if (now - this.writtenMs >= WRITE_EVERY_MS) {
      this.share?.write(s);
      this.writtenMs = now;
    }
    return s;
  }
}
